/**
 * The registry's state machine (docs/registry-certificates.md §Once-only rules): events applied
 * in log order, each accepted or void with a reason. It enforces once-only — one issue per
 * meter channel and hour, nothing spent twice or beyond its holding, nothing done with a
 * certificate that is cancelled, withdrawn, expired or exported — and when a conflicting event
 * lands in the log anyway, the first in log order wins and the later one is void. The writer
 * refuses on write with the same verdicts; a verifier replays the log and says which are void.
 * Pure: no I/O, no clock.
 */
import { GO_UNIT_WH } from '../certify/index.ts';
import { certificateIdHex } from './certificate-id.ts';
import { CertificateError } from './errors.ts';
import type { CertificateEvent, ImportEvent, IssueEvent } from './event-types.ts';
import type { CertificateKind } from './names.ts';
import type { CertificateState, CertificateStatus, EventVerdict, VoidCode } from './verdicts.ts';

interface Held {
  readonly id: Uint8Array;
  readonly kind: CertificateKind;
  readonly issuer: string;
  readonly meterId: string;
  readonly obis: string;
  readonly hour: number;
  status: CertificateStatus;
  statusLeafIndex: number;
  holdings: Map<string, number>;
  cancelled: number;
  exportedTo?: string;
}

const ACCEPTED: EventVerdict = { status: 'accepted' };

function voided(code: VoidCode, firstLeafIndex?: number): EventVerdict {
  return firstLeafIndex === undefined
    ? { status: 'void', code }
    : { status: 'void', code, firstLeafIndex };
}

function liveOf(c: Held): number {
  let n = 0;
  for (const v of c.holdings.values()) n += v;
  return n;
}

const STATUS_CODES: Readonly<Record<Exclude<CertificateStatus, 'active'>, VoidCode>> = {
  cancelled: 'CERTIFICATE_CANCELLED',
  withdrawn: 'CERTIFICATE_WITHDRAWN',
  expired: 'CERTIFICATE_EXPIRED',
  exported: 'CERTIFICATE_EXPORTED',
};

/** `meter ‖ 0 ‖ obis ‖ 0 ‖ hour`: the map key of a meter-hour (ids hold no zero character). */
function meterHourOf(meterId: string, obis: string, hour?: number): string {
  return hour === undefined ? `${meterId}\u0000${obis}` : `${meterId}\u0000${obis}\u0000${hour}`;
}

/** The state of one registry, built by applying the events of its log in order. */
export class RegistryState {
  readonly #certificates = new Map<string, Held>();
  /** Meter-hour → leaf index of its accepted issue. */
  readonly #issued = new Map<string, number>();
  /** Meter channel → [Wh carried to its next GO issue, leaf index of the issue that left it]. */
  readonly #carry = new Map<string, readonly [number, number]>();
  /** `exporting origin ‖ 0 ‖ export leaf index` → leaf index of its accepted import. */
  readonly #imports = new Map<string, number>();
  /** Meter-hour → leaf indices of every issue event naming it, accepted or void. */
  readonly #issueFilings = new Map<string, number[]>();
  /** Certificate id hex → leaf indices of every event naming it, accepted or void. */
  readonly #eventFilings = new Map<string, number[]>();
  #last = -1;

  /** A registry whose log has the origin `registry`, before its first event. */
  constructor(readonly registry: string) {}

  /**
   * Applies `event` (as decoded and verified) at `leafIndex` of the registry's log and returns
   * its verdict; an accepted event changes the state, a void one only its filings. Throws
   * {@link CertificateError} `OUT_OF_ORDER` for a leaf index not above the last one applied.
   */
  apply(event: CertificateEvent, leafIndex: number): EventVerdict {
    if (!Number.isSafeInteger(leafIndex) || leafIndex <= this.#last) {
      throw new CertificateError(
        'OUT_OF_ORDER',
        `leaf index ${leafIndex} is not above ${this.#last}`,
        {
          evidence: { leafIndex, previous: this.#last },
        },
      );
    }
    this.#last = leafIndex;
    const hex = certificateIdHex(event.certificateId);
    push(this.#eventFilings, hex, leafIndex);
    if (event.type === 'issue') {
      push(this.#issueFilings, meterHourOf(event.meterId, event.obis, event.hour), leafIndex);
    }
    if (event.registry !== this.registry) return voided('WRONG_REGISTRY');
    if (event.type === 'issue') return this.#issue(event, hex, leafIndex);
    if (event.type === 'import') return this.#import(event, hex, leafIndex);
    const c = this.#certificates.get(hex);
    if (c === undefined) return voided('UNKNOWN_CERTIFICATE');
    if (c.status !== 'active') return voided(STATUS_CODES[c.status], c.statusLeafIndex);
    const end = (status: CertificateStatus): EventVerdict => {
      c.status = status;
      c.statusLeafIndex = leafIndex;
      c.holdings = new Map();
      return ACCEPTED;
    };
    if (event.type === 'withdraw') return end('withdrawn');
    if (event.type === 'expire') return end('expired');
    const held = c.holdings.get(event.account) ?? 0;
    if (event.amount > held) return voided('INSUFFICIENT_HOLDING');
    if (event.type === 'export') {
      if (event.amount < liveOf(c)) return voided('EXPORT_NOT_WHOLE');
      c.exportedTo = event.importingRegistry;
      return end('exported');
    }
    setHolding(c, event.account, held - event.amount);
    if (event.type === 'transfer') {
      setHolding(c, event.toAccount, (c.holdings.get(event.toAccount) ?? 0) + event.amount);
      return ACCEPTED;
    }
    c.cancelled += event.amount;
    return liveOf(c) === 0 ? end('cancelled') : ACCEPTED;
  }

  #issue(e: IssueEvent, hex: string, leafIndex: number): EventVerdict {
    const mh = meterHourOf(e.meterId, e.obis, e.hour);
    const first = this.#issued.get(mh);
    if (first !== undefined) return voided('ALREADY_ISSUED', first);
    let amount = e.energyWh;
    if (e.kind === 'go') {
      const channel = meterHourOf(e.meterId, e.obis);
      const [carry, from] = this.#carry.get(channel) ?? [0, undefined];
      if (e.carryInWh !== carry) return voided('CARRY_MISMATCH', from);
      // Whole units of the energy, then of its rest and the carry: exact below 2^53.
      const rest = (e.energyWh % GO_UNIT_WH) + carry;
      amount = Math.floor(e.energyWh / GO_UNIT_WH) + Math.floor(rest / GO_UNIT_WH);
      this.#carry.set(channel, [rest % GO_UNIT_WH, leafIndex]);
    }
    this.#issued.set(mh, leafIndex);
    this.#arrive(e, e.registry, hex, leafIndex, amount);
    return ACCEPTED;
  }

  #import(e: ImportEvent, hex: string, leafIndex: number): EventVerdict {
    const exportKey = `${e.exportingRegistry}\u0000${e.exportLeafIndex}`;
    const first = this.#imports.get(exportKey);
    if (first !== undefined) return voided('EXPORT_ALREADY_IMPORTED', first);
    const c = this.#certificates.get(hex);
    if (c === undefined && e.issuer === this.registry) return voided('UNKNOWN_CERTIFICATE');
    if (c?.status === 'active') return voided('ALREADY_PRESENT', c.statusLeafIndex);
    if (c !== undefined && c.status !== 'exported') {
      return voided(STATUS_CODES[c.status], c.statusLeafIndex);
    }
    this.#imports.set(exportKey, leafIndex);
    this.#arrive(e, e.issuer, hex, leafIndex, e.amount, c?.cancelled ?? 0);
    return ACCEPTED;
  }

  #arrive(
    e: IssueEvent | ImportEvent,
    issuer: string,
    hex: string,
    leafIndex: number,
    amount: number,
    cancelled = 0,
  ): void {
    this.#certificates.set(hex, {
      id: e.certificateId.slice(),
      kind: e.kind,
      issuer,
      meterId: e.meterId,
      obis: e.obis,
      hour: e.hour,
      status: 'active',
      statusLeafIndex: leafIndex,
      holdings: amount > 0 ? new Map([[e.account, amount]]) : new Map(),
      cancelled,
    });
  }

  /** The certificate `certificateId` as this registry holds it, or undefined. */
  certificate(certificateId: Uint8Array): CertificateState | undefined {
    const c = this.#certificates.get(certificateIdHex(certificateId));
    if (c === undefined) return undefined;
    return {
      certificateId: c.id.slice(),
      kind: c.kind,
      issuer: c.issuer,
      meterId: c.meterId,
      obis: c.obis,
      hour: c.hour,
      status: c.status,
      statusLeafIndex: c.statusLeafIndex,
      holdings: new Map(c.holdings),
      live: liveOf(c),
      cancelled: c.cancelled,
      ...(c.exportedTo === undefined ? {} : { exportedTo: c.exportedTo }),
    };
  }

  /** What `account` holds of `certificateId` (0 for nothing). */
  holding(certificateId: Uint8Array, account: string): number {
    return this.#certificates.get(certificateIdHex(certificateId))?.holdings.get(account) ?? 0;
  }

  /** Wh the meter channel carries to its next GO issue (0 before its first). */
  goCarry(meterId: string, obis: string): number {
    return this.#carry.get(meterHourOf(meterId, obis))?.[0] ?? 0;
  }

  /** Leaf index of the accepted issue of a meter channel's hour, or undefined. */
  issueOf(meterId: string, obis: string, hour: number): number | undefined {
    return this.#issued.get(meterHourOf(meterId, obis, hour));
  }

  /**
   * The facts the verifiable index files (§Index keys), in log order: every issue event under
   * its meter-hour, and every event under its certificate — void ones too, so that a verifier
   * who replays them reaches the same verdicts.
   */
  filings(): RegistryFilings {
    const meterHours = [...this.#issueFilings].map(([k, indices]) => {
      const [meterId, obis, hour] = k.split('\u0000') as [string, string, string];
      return { meterId, obis, hour: Number(hour), indices: [...indices] };
    });
    const certificates = [...this.#eventFilings].map(([hex, indices]) => ({
      certificateIdHex: hex,
      indices: [...indices],
    }));
    return { meterHours, certificates };
  }
}

/** What {@link RegistryState.filings} gives. */
export interface RegistryFilings {
  readonly meterHours: readonly {
    readonly meterId: string;
    readonly obis: string;
    readonly hour: number;
    readonly indices: readonly number[];
  }[];
  readonly certificates: readonly {
    readonly certificateIdHex: string;
    readonly indices: readonly number[];
  }[];
}

function push(m: Map<string, number[]>, k: string, i: number): void {
  const list = m.get(k);
  if (list === undefined) m.set(k, [i]);
  else list.push(i);
}

function setHolding(c: Held, account: string, amount: number): void {
  if (amount === 0) c.holdings.delete(account);
  else c.holdings.set(account, amount);
}

/**
 * Replays a registry's log: applies `entries` (decoded events at increasing leaf indices) to a
 * fresh {@link RegistryState} of `registry` and returns the state and every verdict, in order.
 */
export function replayRegistry(
  registry: string,
  entries: Iterable<{ readonly event: CertificateEvent; readonly leafIndex: number }>,
): { readonly state: RegistryState; readonly verdicts: EventVerdict[] } {
  const state = new RegistryState(registry);
  const verdicts: EventVerdict[] = [];
  for (const { event, leafIndex } of entries) verdicts.push(state.apply(event, leafIndex));
  return { state, verdicts };
}
