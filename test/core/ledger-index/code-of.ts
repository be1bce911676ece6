import { isWattproofError } from '../../../src/core/errors.ts';

/** The code of the typed error `f` throws, a "not typed" text for another error, or undefined. */
export function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return isWattproofError(e) ? e.code : `not typed: ${String(e)}`;
  }
  return undefined;
}
