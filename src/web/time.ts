/**
 * Times on the page as the CLI prints them: UTC, ISO 8601, minutes when the seconds are zero.
 */
import { formatUtc } from '../core/bundle/index.ts';

/** `2026-01-01T10:00Z` for whole minutes, `2026-01-01T10:00:30Z` otherwise. */
export function iso(seconds: number): string {
  return formatUtc(seconds).replace(/:00Z$/, 'Z');
}
