/**
 * The content checks of offline bundle verification, after the signatures in the order of
 * failures: sequences never repeat or go backwards, the timeline (docs/formats.md "Energy
 * counted once"), the summary recomputed from the verified readings, and the anchors
 * (docs/bundle.md §What the verifier checks, §Anchors). Pure core.
 */
import type { VerdictAnchor } from './anchors.ts';
import { checkIndex } from './index-check.ts';
import type { IndexVerdict } from './verify-types.ts';
import type { Prepared } from './prepare.ts';
import { computeSummary } from './summary.ts';
import { checkTimeline } from './timeline-check.ts';
import type { BundleSummary } from './types.ts';
import { fail, type VerifiedReading } from './verify-types.ts';

function checkSequences(readings: readonly VerifiedReading[]): void {
  const last = new Map<string, { sequence: number }>();
  let run: { meterId: string; scope: string; last: { sequence: number } } | undefined;
  for (const r of readings) {
    // A meter's readings come one after another: most continue the run of the one before.
    if (run === undefined || run.meterId !== r.meterId || run.scope !== r.sequenceScope) {
      const key = `${r.meterId}\u0000${r.sequenceScope}`;
      let seen = last.get(key);
      if (seen === undefined) {
        seen = { sequence: -1 };
        last.set(key, seen);
      }
      run = { meterId: r.meterId, scope: r.sequenceScope, last: seen };
    }
    const prev = run.last.sequence;
    if (prev >= 0 && r.sequence <= prev) {
      fail('SEQUENCE_BROKEN', `sequence ${r.sequence} of ${r.meterId} follows ${prev}`, r.index);
    }
    run.last.sequence = r.sequence;
  }
}

/** True when the bundle's summary is the one an earlier version computed (legacy-summary.ts). */
function legacySummaryMatches(p: Prepared, given: string): boolean {
  if (p.legacy.size === 0) return false;
  const readings = p.readings.map((r) => {
    const c = p.legacy.get(r.index);
    return c === undefined ? r : { ...r, channels: [c] };
  });
  return JSON.stringify(computeSummary(p.request, readings, p.erased.length)) === given;
}

/** What the checks after the signatures found: their figures, or the first refusal. */
export type Content =
  | {
      readonly ok: true;
      readonly summary: BundleSummary;
      readonly anchors: VerdictAnchor[];
      /** What the index proved; undefined when the bundle carries no index section. */
      readonly index: IndexVerdict | undefined;
    }
  | { readonly ok: false; readonly error: unknown };

/**
 * The checks that come after the signatures in the order of failures (sequences, timeline,
 * summary, index, anchors). They do not depend on the signatures' results, so {@link verifyBundleAsync}
 * runs them while the signatures are still being checked; a failure waits in the result and is
 * reported only when every signature is good.
 */
export function checkContent(p: Prepared): Content {
  try {
    checkSequences(p.readings);
    checkTimeline(p.readings, p.faults);
    const summary = computeSummary(p.request, p.readings, p.erased.length);
    const given = JSON.stringify(p.summary);
    if (JSON.stringify(summary) !== given && !legacySummaryMatches(p, given)) {
      fail('SUMMARY_MISMATCH', 'the summary differs from the one recomputed from the readings');
    }
    const index =
      p.index === undefined
        ? undefined
        : checkIndex({
            index: p.index,
            cp: p.cp,
            request: p.request,
            readings: p.readings,
            registry: p.registry,
            erased: p.erasedEntries,
            hasher: p.hasher,
            ...(p.mapHasher === undefined ? {} : { mapHasher: p.mapHasher }),
          });
    return { ok: true, summary, anchors: p.anchors(), index };
  } catch (error) {
    return { ok: false, error };
  }
}
