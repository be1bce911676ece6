/**
 * The simulator's books: what it published, what the node acknowledged with a receipt or
 * answered with a refusal notice, which faults it injected and what it expects of each, and the
 * energy per meter — produced (what the profile measured), published (in genuine readings sent)
 * and acknowledged.
 */
import type { ProfileKind } from '../profiles/index.ts';
import type { CollectionMode, OutgoingReading } from '../fleet/meter.ts';
import type { FaultKind, FaultOutcome } from './faults.ts';

/** Figures of one meter. */
export interface MeterAccount {
  readonly meterId: string;
  readonly kind: ProfileKind;
  readonly mode: CollectionMode;
  readonly obis: string;
  readonly ratedCapacityW: number;
  /** Genuine readings published, and acknowledged with a verified receipt. */
  published: number;
  acked: number;
  /** Energy the meter measured over the run, Wh (published or not). */
  producedWh: number;
  /** Energy in the genuine readings published, Wh. */
  publishedWh: number;
  /** Energy in the readings acknowledged, Wh: what a bundle of the run's period totals. */
  ackedWh: number;
}

/** A fault as injected. */
export interface InjectedFault {
  readonly kind: FaultKind;
  readonly meterId: string;
  /** Start of the interval it was injected at, Unix seconds. */
  readonly at: number;
  readonly topic: string | undefined;
  readonly expected: FaultOutcome;
  /** Sequence numbers that never reached the node (`gap` faults). */
  readonly missing?: readonly number[];
  /** SHA-256 (hex) of the payload sent: what its refusal notice must name. */
  readonly digest?: string;
  /** The notice the node sent for it, once received. */
  notice?: FaultNotice;
}

/** What a notice said about a fault. */
export interface FaultNotice {
  readonly outcome: 'refused' | 'duplicate';
  /** The precise code (refusals). */
  readonly code?: string;
  /** The coarse class (refusals). */
  readonly codeClass?: string;
}

/** True when `n` is the notice a fault expecting `expected` should get. */
export function noticeMatches(expected: FaultOutcome, n: FaultNotice | undefined): boolean {
  if (n === undefined) return false;
  if (expected === 'duplicate') return n.outcome === 'duplicate';
  return n.outcome === 'refused' && (n.codeClass === expected || n.code === expected);
}

/** A genuine reading and what became of it. */
export interface ReadingRecord {
  readonly reading: OutgoingReading;
  readonly topic: string;
  /** Leaf index from the receipt, once acknowledged. */
  leafIndex?: number;
  /** ms from publishing to the verified receipt. */
  latencyMs?: number;
  publishedAt: number;
  /** When its bytes were last sent (first publish or latest resend), `performance.now()` ms. */
  sentAt: number;
  /** Times the same bytes were published again for want of an answer. */
  resends: number;
  /** The precise code, when the node refused it (a notice naming its own bytes). */
  refused?: string;
}

/** The whole run's books. */
export class Account {
  readonly meters = new Map<string, MeterAccount>();
  readonly faults: InjectedFault[] = [];
  /** Faults asked for that the run could not inject (it ended first, or the meter was silent). */
  readonly notInjected: { readonly kind: FaultKind; readonly meterId: string }[] = [];
  /** Genuine readings by `meterId/sequence` (the most recent {@link Account.RETAIN}). */
  readonly readings = new Map<string, ReadingRecord>();
  messages = 0;
  /** MQTT messages the broker acknowledged (PUBACK from the broker, not the node). */
  brokerAcked = 0;
  receipts = 0;
  /** Receipts for a reading already acknowledged (replays), with the same leaf index. */
  duplicateReceipts = 0;
  /** Receipts that did not verify against the reading's bytes and the log key. */
  badReceipts = 0;
  /** Refusal notices received, by outcome (verified against the log key when it is known). */
  refusedNotices = 0;
  duplicateNotices = 0;
  /** Notices that did not decode or verify. */
  badNotices = 0;
  /** Genuine readings the node refused: no longer waited for. */
  refusedReadings = 0;
  /** Resends: a genuine reading's bytes published again, each time counted. */
  resentReadings = 0;
  /** Readings acknowledged only after at least one resend. */
  ackedAfterResend = 0;
  /**
   * Genuine readings neither acknowledged nor refused that may still be resent, in the order
   * their bytes were last sent (oldest first).
   */
  readonly awaiting = new Map<string, ReadingRecord>();
  readonly #faultsByDigest = new Map<string, InjectedFault[]>();
  readonly latencies: number[] = [];
  /** Genuine readings published and acknowledged, over all meters. */
  publishedReadings = 0;
  ackedReadings = 0;

  /** Opens the books of a meter. */
  addMeter(
    m: Omit<MeterAccount, 'published' | 'acked' | 'producedWh' | 'publishedWh' | 'ackedWh'>,
  ): void {
    this.meters.set(m.meterId, {
      ...m,
      published: 0,
      acked: 0,
      producedWh: 0,
      publishedWh: 0,
      ackedWh: 0,
    });
  }

  /** Key of a reading: what a receipt names. */
  static key(meterId: string, sequence: number): string {
    return `${meterId}/${sequence}`;
  }

  /** Notes energy measured, whether or not it is published. */
  produced(meterId: string, wh: number): void {
    this.meters.get(meterId)!.producedWh += wh;
  }

  /** Notes a genuine reading published. */
  published(r: OutgoingReading, topic: string): void {
    const m = this.meters.get(r.meterId)!;
    m.published++;
    this.publishedReadings++;
    m.publishedWh += r.energyWh;
    const now = performance.now();
    const key = Account.key(r.meterId, r.sequence);
    const rec: ReadingRecord = { reading: r, topic, publishedAt: now, sentAt: now, resends: 0 };
    this.readings.set(key, rec);
    this.awaiting.set(key, rec);
  }

  /** Notes a resend of a reading's bytes: it moves to the end of {@link awaiting}. */
  resent(rec: ReadingRecord): void {
    const key = Account.key(rec.reading.meterId, rec.reading.sequence);
    rec.resends++;
    rec.sentAt = performance.now();
    this.resentReadings++;
    this.awaiting.delete(key);
    this.awaiting.set(key, rec);
  }

  /** Stops resending a reading (its resends are used up); it still counts as outstanding. */
  gaveUp(rec: ReadingRecord): void {
    this.awaiting.delete(Account.key(rec.reading.meterId, rec.reading.sequence));
  }

  /** Genuine readings published and neither acknowledged nor refused, in publishing order. */
  unanswered(): ReadingRecord[] {
    return [...this.readings.values()].filter(
      (r) => r.leafIndex === undefined && r.refused === undefined,
    );
  }

  /** Notes an injected fault. */
  fault(f: InjectedFault): void {
    this.faults.push(f);
    if (f.digest === undefined) return;
    const same = this.#faultsByDigest.get(f.digest);
    if (same === undefined) this.#faultsByDigest.set(f.digest, [f]);
    else same.push(f);
  }

  /** Notes a notice about the bytes with SHA-256 `digest` (hex); returns the fault it answers. */
  faultNotice(digest: string, notice: FaultNotice): InjectedFault | undefined {
    const f = this.#faultsByDigest.get(digest)?.find((x) => x.notice === undefined);
    if (f !== undefined) f.notice = notice;
    return f;
  }

  /** Faults that should get a notice and have none yet. */
  get faultsAwaitingNotice(): number {
    return this.faults.filter((f) => f.digest !== undefined && f.notice === undefined).length;
  }

  /** Notes a genuine reading the node refused; false if it was already answered. */
  refusedReading(rec: ReadingRecord, code: string): boolean {
    if (rec.leafIndex !== undefined || rec.refused !== undefined) return false;
    rec.refused = code;
    this.refusedReadings++;
    this.awaiting.delete(Account.key(rec.reading.meterId, rec.reading.sequence));
    return true;
  }

  /** Notes a verified receipt of a genuine reading; returns false if it was already acknowledged. */
  acked(rec: ReadingRecord, leafIndex: number): boolean {
    if (rec.refused !== undefined) {
      // Refused, then in the log after all: the notice and the receipt disagree.
      this.badReceipts++;
      return false;
    }
    if (rec.leafIndex !== undefined) {
      if (rec.leafIndex === leafIndex) this.duplicateReceipts++;
      else this.badReceipts++;
      return false;
    }
    rec.leafIndex = leafIndex;
    this.awaiting.delete(Account.key(rec.reading.meterId, rec.reading.sequence));
    if (rec.resends > 0) this.ackedAfterResend++;
    rec.latencyMs = performance.now() - rec.publishedAt;
    this.latencies.push(rec.latencyMs);
    if (this.readings.size > Account.RETAIN) this.#prune();
    const m = this.meters.get(rec.reading.meterId)!;
    m.acked++;
    this.ackedReadings++;
    m.ackedWh += rec.reading.energyWh;
    return true;
  }

  /**
   * Readings kept with their bytes: beyond this many (long runs), the oldest acknowledged ones
   * are dropped from {@link readings}; their figures stay in the meter totals.
   */
  static readonly RETAIN = 200_000;

  #prune(): void {
    for (const [key, r] of this.readings) {
      if (this.readings.size <= Account.RETAIN / 2) return;
      if (r.leafIndex !== undefined || r.refused !== undefined) this.readings.delete(key);
    }
  }

  /** Genuine readings published and neither acknowledged nor refused yet. */
  get outstanding(): number {
    return this.publishedReadings - this.ackedReadings - this.refusedReadings;
  }

  /** How many quarantine records of each code the faults should have caused. */
  expectedQuarantine(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const f of this.faults) {
      if (f.expected !== 'duplicate' && f.expected !== 'gap')
        out[f.expected] = (out[f.expected] ?? 0) + 1;
    }
    return out;
  }
}
