/**
 * One simulator run from start to end: build the fleet, register its keys, note the node's
 * quarantine and duplicate counters, replay the period, wait for the quarantine to show the
 * faults, and summarise. Used by `wattproof-sim run`, the demo and the tests.
 */
import { buildFleet, type Fleet, type FleetGroup } from '../fleet/fleet.ts';
import { provision } from '../fleet/provisioning.ts';
import type { NodeApi } from '../node-api.ts';
import type { Site } from '../profiles/index.ts';
import { SimulatorError } from '../errors.ts';
import type { Account } from './account.ts';
import type { FaultSpec } from './faults.ts';
import { simulate, type Progress } from './simulate.ts';
import { summarize, type RunSummary } from './summary.ts';

/** Options of {@link runFleet}. */
export interface RunFleetOptions {
  readonly mqttUrl: string;
  readonly topicRoot: string;
  /** The node's API; needed to register keys, verify receipts and read the quarantine. */
  readonly node?: NodeApi;
  readonly operatorToken?: string;
  /** Register the fleet's keys first (needs `node` and `operatorToken`). */
  readonly register: boolean;
  readonly groups: readonly FleetGroup[];
  readonly seed: number;
  readonly prefix: string;
  readonly site?: Site;
  /** First interval start, Unix seconds; aligned down to the interval. */
  readonly start: number;
  readonly intervals: number;
  readonly intervalSeconds: number;
  readonly realtime?: boolean;
  readonly faults?: readonly FaultSpec[];
  /** Log key for receipts; fetched from `node` when absent. */
  readonly logVkey?: string;
  /** Node clock tolerance for interval ends, seconds (default 300, the node's default). */
  readonly clockSkewSeconds?: number;
  readonly window?: number;
  readonly drainMs?: number;
  /** Resend a reading without an answer after this long, ms (default 10,000; 0 = off). */
  readonly resendAfterMs?: number;
  /** Resends of one reading at most (default 5). */
  readonly maxResends?: number;
  /** Test hook: drop receipt messages as if lost (see `SimulateOptions.dropReceipt`). */
  readonly dropReceipt?: (meterId: string, sequence: number) => boolean;
  readonly onProgress?: (p: Progress) => void;
  readonly signal?: AbortSignal;
  /** Current time, Unix seconds (tests). */
  readonly now?: () => number;
}

/** What a run leaves. */
export interface FleetRun {
  readonly fleet: Fleet;
  readonly account: Account;
  readonly summary: RunSummary;
  readonly from: number;
  readonly to: number;
  readonly logVkey: string | undefined;
}

function diff(
  after: Readonly<Record<string, number>>,
  before: Readonly<Record<string, number>>,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [code, n] of Object.entries(after)) {
    const d = n - (before[code] ?? 0);
    if (d > 0) out[code] = d;
  }
  return out;
}

/** Runs the fleet; see the file comment. */
export async function runFleet(o: RunFleetOptions): Promise<FleetRun> {
  const from = Math.floor(o.start / o.intervalSeconds) * o.intervalSeconds;
  const to = from + o.intervals * o.intervalSeconds;
  const now = (o.now ?? (() => Date.now() / 1000))();
  if (!o.realtime && to > now + (o.clockSkewSeconds ?? 300)) {
    throw new SimulatorError(
      'FUTURE_RANGE',
      `the period ends at ${new Date(to * 1000).toISOString()}, after now: the node refuses readings from the future; replay an earlier period or use --realtime`,
    );
  }
  const fleet = buildFleet({
    seed: o.seed,
    prefix: o.prefix,
    groups: o.groups,
    runStart: from,
    ...(o.site ? { site: o.site } : {}),
  });
  if (o.register) {
    if (o.node === undefined || o.operatorToken === undefined) {
      throw new SimulatorError(
        'NO_TOKEN',
        'registering keys needs --node and an operator token (--operator-token or --token-file), or use --print-commands / --no-register',
      );
    }
    await provision(o.node, o.operatorToken, fleet);
  }
  const logVkey = o.logVkey ?? (o.node ? (await o.node.logInfo()).vkey : undefined);
  const canWatch = o.node !== undefined && o.operatorToken !== undefined;
  const qBefore = canWatch
    ? (await o.node!.quarantineCounts(o.operatorToken!)).rejectedByCode
    : undefined;
  const dupBefore = o.node ? await o.node.metric('ingest_duplicates_total') : undefined;

  const { account, elapsedS } = await simulate({
    fleet,
    mqttUrl: o.mqttUrl,
    topicRoot: o.topicRoot,
    start: from,
    intervals: o.intervals,
    intervalSeconds: o.intervalSeconds,
    seed: o.seed,
    ...(o.realtime ? { realtime: true } : {}),
    ...(o.faults ? { faults: o.faults } : {}),
    ...(logVkey ? { logVkey } : {}),
    ...(o.window ? { window: o.window } : {}),
    ...(o.drainMs ? { drainMs: o.drainMs } : {}),
    ...(o.resendAfterMs === undefined ? {} : { resendAfterMs: o.resendAfterMs }),
    ...(o.maxResends === undefined ? {} : { maxResends: o.maxResends }),
    ...(o.dropReceipt ? { dropReceipt: o.dropReceipt } : {}),
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  });

  let observed: Record<string, number> | null = null;
  if (canWatch) {
    const expected = account.expectedQuarantine();
    const until = performance.now() + (o.drainMs ?? 15_000);
    for (;;) {
      observed = diff((await o.node!.quarantineCounts(o.operatorToken!)).rejectedByCode, qBefore!);
      const done = Object.entries(expected).every(([c, n]) => (observed![c] ?? 0) >= n);
      if (done || performance.now() > until) break;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const duplicatesObserved =
    o.node && dupBefore !== undefined
      ? (await o.node.metric('ingest_duplicates_total')) - dupBefore
      : null;
  const summary = summarize({
    account,
    elapsedS,
    from,
    to,
    intervalSeconds: o.intervalSeconds,
    verified: logVkey !== undefined,
    observedQuarantine: observed,
    duplicatesObserved,
  });
  return { fleet, account, summary, from, to, logVkey };
}
