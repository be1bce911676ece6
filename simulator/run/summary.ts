/**
 * The final summary of a run: per meter readings and energy, faults and what the node did with
 * them (quarantine counts and refusal notices), receipts and latency; as text or JSON.
 */
import { noticeMatches, type Account, type FaultNotice, type MeterAccount } from './account.ts';

/** Publish-to-receipt latency percentile `p` (0–100) of `values`, ms; 0 for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** A run's summary, as `--json` prints it. */
export interface RunSummary {
  readonly period: { readonly from: string; readonly to: string; readonly intervalSeconds: number };
  readonly elapsedS: number;
  readonly messages: number;
  readonly brokerAcked: number;
  readonly readings: {
    readonly published: number;
    readonly acknowledged: number;
    /** Genuine readings the node refused in a notice naming their own bytes. */
    readonly refused: number;
    /** Resends: a reading's same bytes published again for want of an answer (each counted). */
    readonly resent: number;
    /** Readings acknowledged only after at least one resend. */
    readonly acknowledgedAfterResend: number;
    /** Readings neither acknowledged nor refused when the run ended (after resends and drain). */
    readonly unanswered: number;
  };
  /**
   * The unanswered readings (the first {@link UNANSWERED_LISTED}), with the resends each got:
   * published, and neither a verified receipt nor a notice naming their bytes came.
   */
  readonly unanswered: readonly {
    readonly meterId: string;
    readonly sequence: number;
    readonly topic: string;
    readonly resends: number;
  }[];
  readonly receipts: {
    readonly received: number;
    readonly duplicates: number;
    readonly invalid: number;
    readonly verified: boolean;
  };
  /** Refusal notices received (docs/formats.md §Refusal notices). */
  readonly notices: {
    readonly refused: number;
    readonly duplicates: number;
    /** Notices that did not decode, or did not verify under the log key. */
    readonly invalid: number;
    /** Faults that should get a notice; of them, those whose notice came with the expected code. */
    readonly faultsExpectingNotice: number;
    readonly faultsMatched: number;
    /** Faults without a notice, or with a notice of another outcome or code. */
    readonly faultsMissing: number;
    readonly faultsWrong: number;
  };
  readonly rate: number;
  readonly latencyMs: { readonly p50: number; readonly p99: number };
  readonly meters: readonly MeterAccount[];
  readonly faults: readonly {
    readonly kind: string;
    readonly meterId: string;
    readonly at: string;
    readonly topic: string | null;
    readonly expected: string;
    readonly missing?: readonly number[];
    /** The notice the node sent for it; null when none came (always for gaps). */
    readonly notice: FaultNotice | null;
  }[];
  /** Faults asked for and not injected (the run was too short for them). */
  readonly notInjected: readonly { readonly kind: string; readonly meterId: string }[];
  readonly quarantine: {
    readonly expected: Readonly<Record<string, number>>;
    /** New quarantine records per code during the run (needs an operator token). */
    readonly observed: Readonly<Record<string, number>> | null;
  };
  /** Duplicates the node counted during the run (from /metrics), when a node URL was given. */
  readonly duplicatesObserved: number | null;
}

/** Unanswered readings listed in the summary at most (the count covers them all). */
export const UNANSWERED_LISTED = 1000;

const iso = (t: number): string => new Date(t * 1000).toISOString();

/** Builds the summary. */
export function summarize(a: {
  account: Account;
  elapsedS: number;
  from: number;
  to: number;
  intervalSeconds: number;
  verified: boolean;
  observedQuarantine: Record<string, number> | null;
  duplicatesObserved: number | null;
}): RunSummary {
  const acc = a.account;
  const noticed = acc.faults.filter((f) => f.digest !== undefined);
  const unanswered = acc.unanswered();
  return {
    period: { from: iso(a.from), to: iso(a.to), intervalSeconds: a.intervalSeconds },
    elapsedS: Number(a.elapsedS.toFixed(2)),
    messages: acc.messages,
    brokerAcked: acc.brokerAcked,
    readings: {
      published: acc.publishedReadings,
      acknowledged: acc.ackedReadings,
      refused: acc.refusedReadings,
      resent: acc.resentReadings,
      acknowledgedAfterResend: acc.ackedAfterResend,
      unanswered: unanswered.length,
    },
    unanswered: unanswered.slice(0, UNANSWERED_LISTED).map((r) => ({
      meterId: r.reading.meterId,
      sequence: r.reading.sequence,
      topic: r.topic,
      resends: r.resends,
    })),
    receipts: {
      received: acc.receipts,
      duplicates: acc.duplicateReceipts,
      invalid: acc.badReceipts,
      verified: a.verified,
    },
    notices: {
      refused: acc.refusedNotices,
      duplicates: acc.duplicateNotices,
      invalid: acc.badNotices,
      faultsExpectingNotice: noticed.length,
      faultsMatched: noticed.filter((f) => noticeMatches(f.expected, f.notice)).length,
      faultsMissing: noticed.filter((f) => f.notice === undefined).length,
      faultsWrong: noticed.filter(
        (f) => f.notice !== undefined && !noticeMatches(f.expected, f.notice),
      ).length,
    },
    rate: Number((acc.ackedReadings / Math.max(a.elapsedS, 1e-3)).toFixed(1)),
    latencyMs: {
      p50: Number(percentile(acc.latencies, 50).toFixed(1)),
      p99: Number(percentile(acc.latencies, 99).toFixed(1)),
    },
    meters: [...acc.meters.values()],
    faults: acc.faults.map((f) => ({
      kind: f.kind,
      meterId: f.meterId,
      at: iso(f.at),
      topic: f.topic ?? null,
      expected: f.expected,
      ...(f.missing === undefined ? {} : { missing: f.missing }),
      notice: f.notice ?? null,
    })),
    notInjected: acc.notInjected,
    quarantine: { expected: acc.expectedQuarantine(), observed: a.observedQuarantine },
    duplicatesObserved: a.duplicatesObserved,
  };
}

const kwh = (wh: number): string => (wh / 1000).toFixed(3);

/** The summary as text. */
export function formatSummary(s: RunSummary): string {
  const lines = [
    `period ${s.period.from} .. ${s.period.to} (${s.period.intervalSeconds / 60}-minute intervals), ${s.elapsedS} s`,
    `readings: ${s.readings.published} published in ${s.messages} messages, ${s.readings.acknowledged} acknowledged (receipts ${s.receipts.verified ? 'verified' : 'NOT verified: no log key'}), ${s.rate} readings/s, receipt latency p50 ${s.latencyMs.p50} ms p99 ${s.latencyMs.p99} ms`,
  ];
  if (s.readings.resent > 0 || s.readings.unanswered > 0) {
    lines.push(
      `resends: ${s.readings.resent}; ${s.readings.acknowledgedAfterResend} readings acknowledged only after a resend; ${s.readings.unanswered} unanswered`,
    );
  }
  if (s.receipts.invalid > 0) lines.push(`WARNING: ${s.receipts.invalid} receipts did not verify`);
  const n = s.notices;
  lines.push(
    `notices: ${n.refused} refused, ${n.duplicates} duplicates (${s.receipts.verified ? 'verified' : 'NOT verified: no log key'}); ${s.readings.refused} genuine readings refused; ${n.faultsMatched} of ${n.faultsExpectingNotice} faults got the notice expected`,
  );
  if (n.invalid > 0) lines.push(`WARNING: ${n.invalid} notices did not verify`);
  if (n.faultsMissing > 0) lines.push(`WARNING: ${n.faultsMissing} faults got no notice`);
  if (n.faultsWrong > 0)
    lines.push(`WARNING: ${n.faultsWrong} faults got another notice than expected`);
  lines.push(
    '',
    'meter                          kind        mode      OBIS       readings  acked   produced kWh  acked kWh',
  );
  for (const m of s.meters) {
    lines.push(
      `${m.meterId.padEnd(30)} ${m.kind.padEnd(11)} ${m.mode.padEnd(9)} ${m.obis.padEnd(10)} ${String(m.published).padStart(8)}  ${String(m.acked).padStart(5)}  ${kwh(m.producedWh).padStart(12)}  ${kwh(m.ackedWh).padStart(9)}`,
    );
  }
  if (s.faults.length > 0) {
    lines.push('', 'faults injected:');
    for (const f of s.faults) {
      const missing = f.missing === undefined ? '' : ` (${f.missing.length} readings never sent)`;
      const notice =
        f.expected === 'gap'
          ? ''
          : f.notice === null
            ? ', no notice'
            : `, notice ${f.notice.outcome === 'duplicate' ? 'duplicate' : f.notice.code === f.notice.codeClass ? f.notice.code : `${f.notice.code} (${f.notice.codeClass})`}`;
      lines.push(
        `  ${f.at}  ${f.kind.padEnd(13)} ${f.meterId.padEnd(30)} expect ${f.expected}${missing}${notice}`,
      );
    }
  }
  if (s.readings.unanswered > 0) {
    lines.push(
      '',
      `unanswered readings (no verified receipt, no notice naming their bytes)${s.readings.unanswered > 20 ? `, first 20 of ${s.readings.unanswered}` : ''}:`,
    );
    for (const r of s.unanswered.slice(0, 20)) {
      lines.push(`  ${r.meterId} sequence ${r.sequence} on ${r.topic}, resent ${r.resends} times`);
    }
  }
  for (const f of s.notInjected) {
    lines.push(`  not injected: ${f.kind} on ${f.meterId} (no interval left that could carry it)`);
  }
  const codes = new Set([
    ...Object.keys(s.quarantine.expected),
    ...Object.keys(s.quarantine.observed ?? {}),
  ]);
  if (codes.size > 0) {
    lines.push('', 'quarantine      expected  observed');
    for (const c of [...codes].sort()) {
      const obs = s.quarantine.observed === null ? '-' : String(s.quarantine.observed[c] ?? 0);
      lines.push(
        `  ${c.padEnd(24)} ${String(s.quarantine.expected[c] ?? 0).padStart(4)}  ${obs.padStart(8)}`,
      );
    }
  }
  if (s.duplicatesObserved !== null)
    lines.push(`duplicates counted by the node: ${s.duplicatesObserved}`);
  return `${lines.join('\n')}\n`;
}
