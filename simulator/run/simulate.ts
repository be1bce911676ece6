/**
 * Runs a fleet against a node over MQTT, as meters and collection platforms would: a simulated
 * clock replayed as fast as the node's receipts allow (or real time), faults injected on demand,
 * receipts and refusal notices verified against the log key, and the books kept in an
 * {@link Account}.
 */
import { randomBytes } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { toHex } from '../../src/core/bytes.ts';
import { encodeCbor } from '../../src/core/cbor/index.ts';
import {
  decodeNotice,
  decodeReceiptMessage,
  noticeDigest,
  noticeIsFor,
  verifyNotice,
  type Notice,
} from '../../src/core/receipt/index.ts';
import { QualityFlag, type Reading } from '../../src/core/reading/reading.ts';
import { meterReadingsTopic, platformReadingsTopic } from '../../src/ingest/topics.ts';
import { SimulatorError } from '../errors.ts';
import type { Fleet } from '../fleet/fleet.ts';
import type { OutgoingReading, SimMeter } from '../fleet/meter.ts';
import { sequence } from '../profiles/index.ts';
import { Account, type ReadingRecord } from './account.ts';
import { receiptChecker } from './receipt-check.ts';
import {
  FAULT_KINDS,
  FAULT_OUTCOME,
  OVERSIZE_BYTES,
  SILENT_INTERVALS,
  type FaultKind,
  type FaultSpec,
} from './faults.ts';

/** What to run. */
export interface SimulateOptions {
  readonly fleet: Fleet;
  /** Broker URL, e.g. `mqtt://127.0.0.1:1883`. */
  readonly mqttUrl: string;
  readonly topicRoot: string;
  /** First interval start, Unix seconds (aligned to the interval length). */
  readonly start: number;
  /** Number of intervals. */
  readonly intervals: number;
  /** Interval length, seconds. */
  readonly intervalSeconds: number;
  /** Publish each interval when it ends on the wall clock, instead of as fast as possible. */
  readonly realtime?: boolean;
  readonly faults?: readonly FaultSpec[];
  /** Seed of the fault schedule and garbage bytes. */
  readonly seed: number;
  /** The log key to verify receipts with; without it receipts count unverified. */
  readonly logVkey?: string;
  /** Readings published and not yet receipted before publishing pauses (default 2,000). */
  readonly window?: number;
  /** Give up waiting for receipts after this long without one, ms (default 15,000). */
  readonly drainMs?: number;
  /**
   * Publish a genuine reading's bytes again (same topic, QoS 1) when neither its receipt nor a
   * notice naming its bytes has come this long after it was last sent, ms (default 10,000;
   * 0 turns resending off).
   */
  readonly resendAfterMs?: number;
  /** Resends of one reading at most (default 5). */
  readonly maxResends?: number;
  /**
   * Test hook: return true to drop a receipt message (not a notice) as if lost on the way, as a
   * QoS 0 message may be.
   */
  readonly dropReceipt?: (meterId: string, sequence: number) => boolean;
  /** Connections shared by the meters that publish on their own topics (default 4). */
  readonly deviceConnections?: number;
  /** MQTT client id prefix (default: the fleet's platform id without `-hes`). */
  readonly clientIdPrefix?: string;
  /** Called about every 250 ms and once at the end. */
  readonly onProgress?: (p: Progress) => void;
  /** Stops the run at the next interval (e.g. on Ctrl-C). */
  readonly signal?: AbortSignal;
}

/** Progress of a run. */
export interface Progress {
  readonly elapsedS: number;
  /** Simulated time reached, Unix seconds. */
  readonly simTime: number;
  readonly intervalsDone: number;
  readonly intervals: number;
  readonly messages: number;
  readonly published: number;
  readonly brokerAcked: number;
  readonly receipts: number;
  readonly acked: number;
  /** Resends of genuine readings (each one counted). */
  readonly resent: number;
  /** Refusal notices received: refused readings and messages, and duplicates. */
  readonly refusedNotices: number;
  readonly duplicateNotices: number;
  /** Acknowledged readings per second since the start. */
  readonly rate: number;
}

type Route = 'device' | 'platform' | 'relay';

interface ScheduledFault {
  readonly kind: FaultKind;
  readonly step: number;
  readonly meter: SimMeter;
}

/** First byte of a tagged COSE_Sign1 (tag 18): a refusal notice, never a receipt message. */
const COSE_SIGN1_HEAD = 0xd2;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Spreads `count` faults of each kind over the run, each on a meter that can carry it. */
function schedule(
  fleet: Fleet,
  specs: readonly FaultSpec[],
  intervals: number,
  seed: number,
): ScheduledFault[] {
  const rnd = sequence(seed ^ 0x5eed);
  const cose = fleet.meters.filter((m) => m.kind !== 'ev');
  const batched = fleet.meters.filter((m) => m.mode !== 'device');
  const out: ScheduledFault[] = [];
  for (const { kind, count } of specs) {
    const pool =
      kind === 'drop-batch'
        ? batched
        : kind === 'garbage' || kind === 'oversize'
          ? fleet.meters
          : cose;
    if (pool.length === 0) {
      throw new SimulatorError(
        'INVALID_OPTION',
        kind === 'drop-batch'
          ? '--fault drop-batch needs meters collected by a platform (@platform or @relay in --fleet)'
          : `--fault ${kind} needs a meter that signs native readings (not only ev)`,
      );
    }
    const offset = (FAULT_KINDS.indexOf(kind) + 0.5) / FAULT_KINDS.length;
    for (let j = 0; j < count; j++) {
      // Never at step 0 (a replay needs an earlier reading), and silences end before the run does.
      const last = Math.max(1, intervals - (kind === 'silent' ? SILENT_INTERVALS + 1 : 1));
      const step = Math.min(last, 1 + Math.floor(((j + offset) / count) * (last - 1)));
      out.push({ kind, step, meter: pool[Math.floor(rnd() * pool.length)]! });
    }
  }
  return out;
}

/** Runs the fleet; resolves with the books once receipts are in (or stopped coming). */
export async function simulate(
  o: SimulateOptions,
): Promise<{ account: Account; elapsedS: number }> {
  const { fleet, intervalSeconds: step } = o;
  const account = new Account();
  for (const m of fleet.meters) {
    account.addMeter({
      meterId: m.meterId,
      kind: m.kind,
      mode: m.mode,
      obis: m.obis,
      ratedCapacityW: m.profile.ratedCapacityW,
    });
  }
  const pending = schedule(fleet, o.faults ?? [], o.intervals, o.seed);
  const rnd = sequence(o.seed ^ 0x9a4b);
  const idPrefix = o.clientIdPrefix ?? fleet.platformId.replace(/-hes$/, '');
  const run = randomBytes(3).toString('hex');
  const connect = async (role: string): Promise<MqttClient> => {
    try {
      const c = await mqtt.connectAsync(o.mqttUrl, {
        protocolVersion: 4,
        clean: true,
        reconnectPeriod: 0,
        connectTimeout: 10_000,
        clientId: `${idPrefix}-${role}-${run}`,
      });
      c.on('error', () => {});
      return c;
    } catch (e) {
      throw new SimulatorError(
        'BROKER_UNREACHABLE',
        `cannot connect to the MQTT broker at ${o.mqttUrl}: ${(e as Error).message}`,
        { cause: e },
      );
    }
  };

  const checker = o.logVkey === undefined ? undefined : receiptChecker(o.logVkey);
  const receipts = await connect('receipts');
  // Last receipt or last publish: the drain timeout runs from the later of the two.
  let lastReceiptAt = performance.now();
  receipts.on('message', (_topic, payload) => {
    const bytes = new Uint8Array(payload.buffer, payload.byteOffset, payload.length);
    // A notice is a tagged COSE_Sign1 (0xd2); a receipt message is a CBOR map.
    if (bytes[0] === COSE_SIGN1_HEAD) {
      lastReceiptAt = performance.now();
      onNotice(bytes);
      return;
    }
    let meterId: string;
    let seq: number;
    let leafIndex: number;
    try {
      ({ meterId, sequence: seq, leafIndex } = decodeReceiptMessage(bytes));
    } catch {
      lastReceiptAt = performance.now();
      account.receipts++;
      account.badReceipts++;
      return;
    }
    if (o.dropReceipt?.(meterId, seq) === true) return;
    lastReceiptAt = performance.now();
    account.receipts++;
    const rec = account.readings.get(Account.key(meterId, seq));
    if (rec === undefined) return;
    if (checker !== undefined && checker.check(bytes, rec.reading.bytes) === undefined) {
      account.badReceipts++;
      return;
    }
    account.acked(rec, leafIndex);
  });
  /**
   * A refusal notice, matched by the digest of the bytes it names: to the fault that sent them,
   * and to a genuine reading, which is then no longer waited for (refused) or acknowledged with
   * the receipt the notice carries (a duplicate whose own receipt was lost).
   */
  const onNotice = (bytes: Uint8Array): void => {
    let n: Notice;
    try {
      n = o.logVkey === undefined ? decodeNotice(bytes).notice : verifyNotice(bytes, o.logVkey);
    } catch {
      account.badNotices++;
      return;
    }
    if (n.outcome === 'refused') account.refusedNotices++;
    else account.duplicateNotices++;
    if (n.digest !== undefined) {
      account.faultNotice(
        toHex(n.digest),
        n.outcome === 'refused'
          ? { outcome: 'refused', code: n.code, codeClass: n.codeClass }
          : { outcome: 'duplicate' },
      );
    }
    if (n.meterId === undefined || n.sequence === undefined) return;
    const rec = account.readings.get(Account.key(n.meterId, n.sequence));
    // Anyone can publish a reading naming this meter and sequence: only the digest of the
    // reading's own bytes ties a notice to it.
    if (rec === undefined || !noticeIsFor(n, rec.reading.bytes)) return;
    if (n.outcome === 'refused') {
      account.refusedReading(rec, n.code);
    } else if (n.receipt !== undefined && rec.leafIndex === undefined) {
      if (checker === undefined || checker.check(n.receipt, rec.reading.bytes) !== undefined) {
        account.acked(rec, n.duplicateOf);
      }
    }
  };
  await receipts.subscribeAsync(
    [`${o.topicRoot}/meters/+/receipts`, `${o.topicRoot}/platforms/+/receipts`],
    { qos: 0 },
  );

  // Meters on their own topics share a few connections (each meter always on the same one, so
  // its readings stay in order); each platform has its own.
  const deviceConnections = Math.max(1, Math.min(o.deviceConnections ?? 4, fleet.meters.length));
  const connOf = new Map<SimMeter, string>();
  fleet.meters.forEach((m, i) => {
    connOf.set(m, m.mode === 'device' ? `device${i % deviceConnections}` : m.mode);
  });
  const clients = new Map<string, MqttClient>();
  let brokerError: Error | undefined;
  for (const name of new Set([...connOf.values(), 'device0'])) {
    const c = await connect(name);
    c.on('close', () => (brokerError ??= new Error('connection closed')));
    clients.set(name, c);
  }
  const publish = (route: string, topic: string, payload: Uint8Array): void => {
    account.messages++;
    clients
      .get(route)!
      .publish(
        topic,
        Buffer.from(payload.buffer, payload.byteOffset, payload.length),
        { qos: 1 },
        (err) => {
          if (err) brokerError ??= err;
          else account.brokerAcked++;
        },
      );
  };
  const meterTopic = (m: SimMeter): string => meterReadingsTopic(m.meterId, o.topicRoot);
  const routeTopic = (m: SimMeter): string =>
    m.mode === 'device'
      ? meterTopic(m)
      : platformReadingsTopic(
          m.mode === 'platform' ? fleet.platformId : fleet.relayId,
          o.topicRoot,
        );

  const t0 = performance.now();
  let stepsDone = 0;
  let simTime = o.start;
  const progress = (): Progress => {
    const elapsedS = (performance.now() - t0) / 1000;
    return {
      elapsedS,
      simTime,
      intervalsDone: stepsDone,
      intervals: o.intervals,
      messages: account.messages,
      published: account.publishedReadings,
      brokerAcked: account.brokerAcked,
      receipts: account.receipts,
      acked: account.ackedReadings,
      resent: account.resentReadings,
      refusedNotices: account.refusedNotices,
      duplicateNotices: account.duplicateNotices,
      rate: elapsedS > 0 ? account.ackedReadings / elapsedS : 0,
    };
  };
  const ticker = o.onProgress ? setInterval(() => o.onProgress!(progress()), 250) : undefined;
  const window = o.window ?? 2000;
  const drainMs = o.drainMs ?? 15_000;
  const resendAfterMs = o.resendAfterMs ?? 10_000;
  const maxResends = o.maxResends ?? 5;
  const resending = resendAfterMs > 0 && maxResends > 0;
  const meterById = new Map(fleet.meters.map((m) => [m.meterId, m]));
  /**
   * Publishes again, byte for byte on the same topic, every genuine reading kept without an
   * answer for `resendAfterMs` since it was last sent; those whose resends are used up are no
   * longer resent (they stay outstanding). On a platform's topic the readings due go together,
   * as a batch of their unchanged bytes.
   */
  const resendDue = (): void => {
    if (!resending) return;
    const now = performance.now();
    const due: ReadingRecord[] = [];
    for (const rec of account.awaiting.values()) {
      if (now - rec.sentAt < resendAfterMs) break;
      due.push(rec);
    }
    const batches = new Map<string, { route: string; recs: ReadingRecord[] }>();
    let sent = 0;
    for (const rec of due) {
      if (rec.resends >= maxResends) {
        account.gaveUp(rec);
        continue;
      }
      sent++;
      const m = meterById.get(rec.reading.meterId)!;
      const route = connOf.get(m)!;
      if (m.mode === 'device') {
        publish(route, rec.topic, rec.reading.bytes);
        account.resent(rec);
        continue;
      }
      const b = batches.get(rec.topic);
      if (b === undefined) batches.set(rec.topic, { route, recs: [rec] });
      else b.recs.push(rec);
    }
    for (const [topic, { route, recs }] of batches) {
      for (let k = 0; k < recs.length; k += 500) {
        const chunk = recs.slice(k, k + 500);
        publish(route, topic, encodeCbor(chunk.map((r) => r.reading.bytes)));
        for (const r of chunk) account.resent(r);
      }
    }
    // A resend is a publish: the drain timeout runs from it too.
    if (sent > 0) lastReceiptAt = Math.max(lastReceiptAt, performance.now());
  };
  const silentUntil = new Map<SimMeter, number>();
  const lastSent = new Map<SimMeter, OutgoingReading>();
  const check = (): void => {
    if (brokerError !== undefined) {
      throw new SimulatorError(
        'BROKER_UNREACHABLE',
        `the MQTT broker at ${o.mqttUrl} dropped a publisher: ${brokerError.message}`,
        { cause: brokerError },
      );
    }
  };

  try {
    for (let i = 0; i < o.intervals && !o.signal?.aborted; i++) {
      const s = o.start + i * step;
      const e = s + step;
      if (o.realtime) {
        while (Date.now() / 1000 < e + 1 && !o.signal?.aborted) {
          resendDue();
          await sleep(Math.min(1000, (e + 1) * 1000 - Date.now()));
        }
        if (o.signal?.aborted) break;
      }
      // Let receipts in and progress out between intervals.
      await new Promise((r) => setImmediate(r));
      resendDue();
      while (account.outstanding > window && performance.now() - lastReceiptAt < drainMs) {
        check();
        await sleep(5);
        resendDue();
      }
      check();
      const faultsNow = pending.filter((f) => f.step <= i);
      for (const f of faultsNow) {
        if (f.kind === 'silent' && !silentUntil.has(f.meter)) {
          silentUntil.set(f.meter, i + SILENT_INTERVALS);
          account.faults.push({
            kind: f.kind,
            meterId: f.meter.meterId,
            at: s,
            topic: undefined,
            expected: 'gap',
            missing: [],
          });
          pending.splice(pending.indexOf(f), 1);
        }
      }
      const drop = new Set<Route>();
      for (const f of faultsNow.filter((x) => x.kind === 'drop-batch')) {
        drop.add(f.meter.mode === 'platform' ? 'platform' : 'relay');
      }
      const batches: Record<'platform' | 'relay', { meter: SimMeter; r: OutgoingReading }[]> = {
        platform: [],
        relay: [],
      };
      const sentNow = new Map<SimMeter, OutgoingReading>();
      for (const m of fleet.meters) {
        const readings = m.readingsFor(s, e, o.start);
        for (const r of readings) {
          account.produced(m.meterId, r.energyWh);
          const silence = silentUntil.get(m);
          if (silence !== undefined && i < silence) {
            (
              account.faults.find((f) => f.kind === 'silent' && f.meterId === m.meterId)!
                .missing as number[]
            ).push(r.sequence);
            continue;
          }
          if (m.mode === 'device') {
            publish(connOf.get(m)!, meterTopic(m), r.bytes);
            account.published(r, meterTopic(m));
            sentNow.set(m, r);
          } else {
            batches[m.mode].push({ meter: m, r });
          }
        }
      }
      for (const route of ['platform', 'relay'] as const) {
        const items = batches[route];
        if (items.length === 0) continue;
        const topic = platformReadingsTopic(
          route === 'platform' ? fleet.platformId : fleet.relayId,
          o.topicRoot,
        );
        if (drop.has(route)) {
          const f = faultsNow.find((x) => x.kind === 'drop-batch' && x.meter.mode === route)!;
          account.faults.push({
            kind: 'drop-batch',
            meterId: f.meter.meterId,
            at: s,
            topic,
            expected: 'gap',
            missing: items.map((x) => x.r.sequence),
          });
          pending.splice(pending.indexOf(f), 1);
          continue;
        }
        for (let k = 0; k < items.length; k += 500) {
          const chunk = items.slice(k, k + 500);
          publish(route, topic, encodeCbor(chunk.map((x) => x.r.bytes)));
          for (const x of chunk) {
            account.published(x.r, topic);
            sentNow.set(x.meter, x.r);
          }
        }
      }
      for (const f of faultsNow) {
        if (f.kind === 'silent' || f.kind === 'drop-batch') continue;
        if (inject(f, s, sentNow.get(f.meter))) pending.splice(pending.indexOf(f), 1);
      }
      for (const [m, r] of sentNow) lastSent.set(m, r);
      if (sentNow.size > 0) lastReceiptAt = Math.max(lastReceiptAt, performance.now());
      stepsDone = i + 1;
      simTime = e;
    }

    // Faults whose interval never came (a short or stopped run) or whose meter had nothing
    // to alter are reported, not silently lost.
    for (const f of pending) account.notInjected.push({ kind: f.kind, meterId: f.meter.meterId });
    // Drain: wait for the receipts of everything published and the notices of the faults, or
    // until they stop coming — and, while a reading may still be resent, until its last resend
    // has had its time.
    while (
      (account.outstanding > 0 || account.faultsAwaitingNotice > 0) &&
      (performance.now() - lastReceiptAt < drainMs || (resending && account.awaiting.size > 0))
    ) {
      check();
      await sleep(20);
      resendDue();
    }
    return { account, elapsedS: (performance.now() - t0) / 1000 };
  } finally {
    if (ticker) clearInterval(ticker);
    o.onProgress?.(progress());
    await Promise.all([...clients.values(), receipts].map((c) => c.endAsync().catch(() => {})));
  }

  /** Injects one fault; false when its meter has nothing to alter this interval (try again next). */
  function inject(f: ScheduledFault, s: number, genuine: OutgoingReading | undefined): boolean {
    const m = f.meter;
    const route = connOf.get(m)!;
    const topic = routeTopic(m);
    /** Publishes the fault's payload and notes it, with the digest its notice must name. */
    const send = (t: string, payload: Uint8Array): true => {
      publish(route, t, payload);
      account.fault({
        kind: f.kind,
        meterId: m.meterId,
        at: s,
        topic: t,
        expected: FAULT_OUTCOME[f.kind],
        digest: toHex(noticeDigest(payload)),
      });
      return true;
    };
    switch (f.kind) {
      case 'garbage': {
        const n = 64 + Math.floor(rnd() * 192);
        const bytes = new Uint8Array(n).map(() => Math.floor(rnd() * 256));
        bytes[0] = Math.floor(rnd() * 0x40); // never "O" (OCMF) nor a CBOR array (a batch)
        return send(topic, bytes);
      }
      case 'oversize': {
        return send(meterTopic(m), new Uint8Array(OVERSIZE_BYTES).fill(0x2a));
      }
      case 'replay': {
        const old = lastSent.get(m);
        if (old === undefined) return false;
        return send(topic, old.bytes);
      }
      case 'bad-signature': {
        if (genuine === undefined) return false;
        const bytes = genuine.bytes.slice();
        bytes[bytes.length - 1]! ^= 0x01;
        return send(topic, bytes);
      }
      case 'equivocation': {
        if (genuine === undefined) return false;
        return send(
          topic,
          m.sign({
            ...asReading(genuine),
            energyWh: genuine.energyWh + 1,
            registerWh: genuine.registerWh + 1,
          }),
        );
      }
      case 'clock-skew': {
        const ahead = Math.ceil(Date.now() / 1000 / step) * step + 86_400;
        return send(
          topic,
          m.sign({
            meterId: m.meterId,
            sequence: ahead / step,
            intervalStart: ahead - step,
            intervalEnd: ahead,
            obis: m.obis,
            registerWh: m.registerWh,
            energyWh: 0,
            quality: QualityFlag.CLOCK_SYNCED,
          }),
        );
      }
      default:
        return true;
    }
  }
}

function asReading(r: OutgoingReading): Reading {
  return {
    meterId: r.meterId,
    sequence: r.sequence,
    intervalStart: r.intervalStart,
    intervalEnd: r.intervalEnd,
    obis: r.obis,
    registerWh: r.registerWh,
    energyWh: r.energyWh,
    quality: QualityFlag.CLOCK_SYNCED,
  };
}
