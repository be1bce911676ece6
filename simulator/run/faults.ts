/**
 * Fault injection: what each fault does on the wire and what the node is expected to do with
 * it — a quarantine record with a reject code (docs/formats.md, "Reject codes and PUBACK"), an
 * idempotent duplicate, or a gap a bundle shows.
 */
import type { RejectCode } from '../../src/ingest/reject-codes.ts';
import { SimulatorError } from '../errors.ts';

/** The faults `--fault` can inject. */
export const FAULT_KINDS = [
  'bad-signature',
  'replay',
  'equivocation',
  'clock-skew',
  'garbage',
  'oversize',
  'silent',
  'drop-batch',
] as const;

/** One of {@link FAULT_KINDS}. */
export type FaultKind = (typeof FAULT_KINDS)[number];

/**
 * What the node does with a fault: a reject code (quarantined), `duplicate` (acknowledged,
 * receipt for the entry already in the log, nothing new in the log), or `gap` (nothing reaches
 * the node; a bundle shows missing sequence numbers and intervals).
 */
export type FaultOutcome = RejectCode | 'duplicate' | 'gap';

/** The expected outcome of each fault kind. */
export const FAULT_OUTCOME: Readonly<Record<FaultKind, FaultOutcome>> = {
  // A genuine reading whose signature has one bit flipped.
  'bad-signature': 'BAD_SIGNATURE',
  // An earlier reading published again, byte for byte.
  replay: 'duplicate',
  // Same meter and sequence as a reading already sent, other energy, validly signed.
  equivocation: 'EQUIVOCATION',
  // A reading from a meter whose clock runs a day ahead.
  'clock-skew': 'FUTURE_TIMESTAMP',
  // Random bytes that are neither COSE nor OCMF.
  garbage: 'MALFORMED_COSE',
  // A message above the largest reading any node accepts (1 MiB + 1 byte).
  oversize: 'OVERSIZE',
  // A meter that publishes nothing for an hour.
  silent: 'gap',
  // A collection platform that loses one batch of its meters' readings.
  'drop-batch': 'gap',
};

/** Bytes of an `oversize` message: above the largest `--max-reading-bytes` a node accepts. */
export const OVERSIZE_BYTES = (1 << 20) + 1;

/** Intervals a `silent` meter misses. */
export const SILENT_INTERVALS = 4;

/** A fault kind and how many times to inject it. */
export interface FaultSpec {
  readonly kind: FaultKind;
  readonly count: number;
}

/** Parses `--fault kind[:count]` values (repeatable; `all` = one of each). */
export function parseFaults(values: readonly string[]): FaultSpec[] {
  const out = new Map<FaultKind, number>();
  for (const v of values) {
    for (const item of v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const m = /^([a-z-]+)(?::(\d{1,4}))?$/.exec(item);
      const kind = m?.[1];
      const count = Number(m?.[2] ?? '1');
      if (kind === 'all') {
        for (const k of FAULT_KINDS) out.set(k, (out.get(k) ?? 0) + count);
        continue;
      }
      if (m === null || !(FAULT_KINDS as readonly string[]).includes(kind ?? '') || count < 1) {
        throw new SimulatorError(
          'INVALID_OPTION',
          `--fault: "${item}" is not kind[:count] with kind one of ${FAULT_KINDS.join(', ')}, all`,
        );
      }
      out.set(kind as FaultKind, (out.get(kind as FaultKind) ?? 0) + count);
    }
  }
  return [...out].map(([kind, count]) => ({ kind, count }));
}
