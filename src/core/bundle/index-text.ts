/**
 * The words `wattproof verify` and the verifier page use for what a bundle's index section
 * proved (docs/bundle.md §Index), or for a bundle without one: one place, so both say the same.
 */
import type { IndexVerdict } from './verify-types.ts';

/** The index status lines; a flagged meter's line starts with `FLAGGED`. */
export function indexLines(index: IndexVerdict | undefined): string[] {
  if (index === undefined) {
    return [
      'index: none: this bundle proves nothing it leaves out (a revocation, a reading, a flag)',
    ];
  }
  const out = [
    `index: epoch ${index.epoch} (log size ${index.logSize}, entry ${index.entry}): nothing left out as of it`,
  ];
  for (const c of index.complete) {
    const p = c.periods;
    const span =
      p.length === 0
        ? 'no whole UTC hour'
        : p.length === 1
          ? p[0]!
          : `${p[0]} … ${p.at(-1)} (${p.length} periods)`;
    out.push(`  every reading of ${c.meter} ${c.obis} in ${span} is in this bundle`);
  }
  if (index.signers.length > 0) {
    out.push(
      `  every registration and revocation of ${index.signers.join(', ')} is in this bundle`,
    );
  }
  for (const f of index.flagged) {
    const n = f.indices.length;
    out.push(
      `FLAGGED meter ${f.meter}: ${n} flag entr${n === 1 ? 'y' : 'ies'} in the log (entries ${f.indices.join(', ')}): it signed two readings for one sequence`,
    );
  }
  return out;
}
