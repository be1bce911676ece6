/**
 * The registry state machine against a naive model: the model keeps only the list of accepted
 * events and, for each new one, recomputes what it needs by folding over that list from the
 * start. Random event sequences (fast-check) must get the same verdicts and leave the same
 * holdings.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../../src/core/bytes.ts';
import {
  certificateId,
  decodeCertificateEvent,
  encodeCertificateEvent,
  RegistryState,
  type CertificateEvent,
  type CertificateKind,
} from '../../../src/core/certificates/index.ts';
import { EXPORT_OBIS, HOUR, OTHER, REGISTRY, TIME } from './fixtures.ts';

const THIRD = 'registry.example/us';
const FOREIGN = 'registry.example/jp';
const UNIT = 1_000_000;

interface Fold {
  status: 'active' | 'cancelled' | 'withdrawn' | 'expired' | 'exported';
  holdings: Record<string, number>;
}

/** The naive model: verdict codes by recomputing from the accepted events each time. */
class Model {
  readonly accepted: CertificateEvent[] = [];

  private same(e: CertificateEvent, id: Uint8Array): boolean {
    return toHex(e.certificateId) === toHex(id);
  }

  /** The certificate's fold over accepted events, or undefined if none brought it here. */
  fold(id: Uint8Array): Fold | undefined {
    let f: Fold | undefined;
    for (const e of this.accepted.filter((x) => this.same(x, id))) {
      if (e.type === 'issue') {
        const amount =
          e.kind === 'go' ? Math.floor((e.carryInWh! + e.energyWh) / UNIT) : e.energyWh;
        f = { status: 'active', holdings: amount > 0 ? { [e.account]: amount } : {} };
      } else if (e.type === 'import') {
        f = { status: 'active', holdings: { [e.account]: e.amount } };
      } else if (f !== undefined) {
        const h = f.holdings;
        if (e.type === 'transfer') {
          h[e.account]! -= e.amount;
          h[e.toAccount] = (h[e.toAccount] ?? 0) + e.amount;
        } else if (e.type === 'cancel') {
          h[e.account]! -= e.amount;
          if (Object.values(h).every((v) => v === 0)) f.status = 'cancelled';
        } else {
          f.status =
            e.type === 'withdraw' ? 'withdrawn' : e.type === 'expire' ? 'expired' : 'exported';
          f.holdings = {};
        }
        for (const [k, v] of Object.entries(f.holdings)) if (v === 0) delete f.holdings[k];
      }
    }
    return f;
  }

  /** The certificates accepted issues and imports brought here, in order. */
  known(): {
    issuer: string;
    kind: CertificateKind;
    meterId: string;
    obis: string;
    hour: number;
  }[] {
    const out: ReturnType<Model['known']> = [];
    for (const e of this.accepted) {
      if (e.type === 'issue') out.push({ ...e, issuer: e.registry });
      if (e.type === 'import') out.push(e);
    }
    return out;
  }

  carry(meterId: string, obis: string): number {
    let c = 0;
    for (const e of this.accepted) {
      if (e.type === 'issue' && e.kind === 'go' && e.meterId === meterId && e.obis === obis) {
        c = (c + e.energyWh) % UNIT;
      }
    }
    return c;
  }

  judge(e: CertificateEvent): string {
    if (e.registry !== REGISTRY) return 'WRONG_REGISTRY';
    const f = this.fold(e.certificateId);
    const terminal =
      f !== undefined && f.status !== 'active'
        ? `CERTIFICATE_${f.status.toUpperCase()}`
        : undefined;
    switch (e.type) {
      case 'issue':
        if (
          this.accepted.some(
            (x) =>
              x.type === 'issue' &&
              x.meterId === e.meterId &&
              x.obis === e.obis &&
              x.hour === e.hour,
          )
        ) {
          return 'ALREADY_ISSUED';
        }
        if (e.kind === 'go' && e.carryInWh !== this.carry(e.meterId, e.obis))
          return 'CARRY_MISMATCH';
        return 'accepted';
      case 'import':
        if (
          this.accepted.some(
            (x) =>
              x.type === 'import' &&
              x.exportingRegistry === e.exportingRegistry &&
              x.exportLeafIndex === e.exportLeafIndex,
          )
        ) {
          return 'EXPORT_ALREADY_IMPORTED';
        }
        if (f === undefined) return e.issuer === REGISTRY ? 'UNKNOWN_CERTIFICATE' : 'accepted';
        if (f.status === 'active') return 'ALREADY_PRESENT';
        return f.status === 'exported' ? 'accepted' : terminal!;
      default: {
        if (f === undefined) return 'UNKNOWN_CERTIFICATE';
        if (terminal !== undefined) return terminal;
        if (e.type === 'withdraw' || e.type === 'expire') return 'accepted';
        if (e.amount > (f.holdings[e.account] ?? 0)) return 'INSUFFICIENT_HOLDING';
        const live = Object.values(f.holdings).reduce((a, b) => a + b, 0);
        if (e.type === 'export' && e.amount < live) return 'EXPORT_NOT_WHOLE';
        return 'accepted';
      }
    }
  }

  apply(e: CertificateEvent): string {
    const verdict = this.judge(e);
    if (verdict === 'accepted') this.accepted.push(e);
    return verdict;
  }
}

const METERS = ['m1', 'm2'] as const;
const HOURS = [HOUR, HOUR + 3600] as const;
const ACCOUNTS = ['a', 'b', 'c'] as const;

/** What an event is about, and how much: materialized against the model when it is applied. */
const intent = fc.record({
  type: fc.constantFrom(
    'issue',
    'issue',
    'transfer',
    'cancel',
    'withdraw',
    'expire',
    'export',
    'import',
    'import',
  ),
  foreign: fc.integer({ min: 0, max: 19 }).map((n) => n === 0),
  meterId: fc.constantFrom(...METERS),
  hour: fc.constantFrom(...HOURS),
  kind: fc.constantFrom<CertificateKind>('granular', 'go'),
  issuerHere: fc.boolean(),
  account: fc.constantFrom(...ACCOUNTS),
  toAccount: fc.constantFrom(...ACCOUNTS),
  amount: fc.oneof(fc.constantFrom('all', 'half', 'more'), fc.integer({ min: 1, max: 3 })),
  energyWh: fc.constantFrom(1, 7, 999_999, 1_000_000, 2_500_001),
  carryRight: fc.integer({ min: 0, max: 9 }).map((n) => n !== 0),
  exporter: fc.constantFrom(OTHER, THIRD),
  exportLeafIndex: fc.integer({ min: 0, max: 2 }),
  gap: fc.integer({ min: 1, max: 3 }),
  /** Above 0: about a certificate the model knows (the pick-th), when there is one. */
  pick: fc.integer({ min: 0, max: 5 }),
  /** Debit an account that holds the certificate, when one does. */
  holder: fc.integer({ min: 0, max: 3 }).map((n) => n !== 0),
});
type Intent = typeof intent extends fc.Arbitrary<infer T> ? T : never;

function materialize(i: Intent, model: Model): CertificateEvent {
  const registry = i.foreign ? FOREIGN : REGISTRY;
  const known = model.known();
  const target =
    i.type !== 'issue' && i.pick > 0 && known.length > 0
      ? known[i.pick % known.length]!
      : undefined;
  const issuer =
    target?.issuer ??
    (i.type === 'issue' ? registry : i.type === 'import' && !i.issuerHere ? THIRD : REGISTRY);
  const subject = target ?? {
    issuer,
    kind: i.kind,
    meterId: i.meterId,
    obis: EXPORT_OBIS,
    hour: i.hour,
  };
  const id = certificateId(subject);
  const holders = Object.keys(model.fold(id)?.holdings ?? {});
  const account = i.holder && holders.length > 0 ? holders[i.pick % holders.length]! : i.account;
  const held = model.fold(id)?.holdings[account] ?? 0;
  const amount =
    typeof i.amount === 'number'
      ? i.amount
      : i.amount === 'all'
        ? Math.max(held, 1)
        : i.amount === 'half'
          ? Math.max(Math.floor(held / 2), 1)
          : held + 1;
  const base = { registry, certificateId: id, time: TIME };
  switch (i.type) {
    case 'issue':
      return {
        ...base,
        type: 'issue',
        kind: i.kind,
        meterId: i.meterId,
        obis: EXPORT_OBIS,
        hour: i.hour,
        energyWh: i.kind === 'go' ? i.energyWh : i.gap * 3,
        bundleSha256: new Uint8Array(32),
        account,
        ...(i.kind === 'go'
          ? { carryInWh: i.carryRight ? model.carry(i.meterId, EXPORT_OBIS) : 1 }
          : {}),
      };
    case 'transfer':
      return {
        ...base,
        type: 'transfer',
        account,
        toAccount: i.toAccount === account ? 'd' : i.toAccount,
        amount,
      };
    case 'cancel':
      return {
        ...base,
        type: 'cancel',
        account,
        amount,
        beneficiary: 'B',
        purpose: 'P',
        claimStart: 0,
        claimEnd: 1,
      };
    case 'withdraw':
      return { ...base, type: 'withdraw', reason: 'R' };
    case 'expire':
      return { ...base, type: 'expire' };
    case 'export':
      return { ...base, type: 'export', account, amount, importingRegistry: i.exporter };
    default:
      return {
        ...base,
        type: 'import',
        kind: subject.kind,
        meterId: subject.meterId,
        obis: EXPORT_OBIS,
        hour: subject.hour,
        issuer: subject.issuer,
        exportingRegistry: i.exporter,
        exportLeafIndex: i.exportLeafIndex,
        account,
        amount: typeof i.amount === 'number' ? i.amount : 5,
      };
  }
}

describe('the registry state machine', () => {
  it('gives the naive model’s verdicts and holdings on random event sequences', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(fc.array(intent, { minLength: 1, maxLength: 60, size: 'medium' }), (intents) => {
        const model = new Model();
        const state = new RegistryState(REGISTRY);
        let leaf = 0;
        for (const i of intents) {
          // Through the codec: only events that decode reach the state machine.
          const e = decodeCertificateEvent(encodeCertificateEvent(materialize(i, model)));
          leaf += i.gap;
          const v = state.apply(e, leaf);
          const got = v.status === 'accepted' ? 'accepted' : v.code;
          const want = model.apply(e);
          seen.add(want);
          expect(got).toBe(want);
          const fold = model.fold(e.certificateId);
          const c = state.certificate(e.certificateId);
          expect(
            c === undefined
              ? undefined
              : { status: c.status, holdings: Object.fromEntries(c.holdings) },
          ).toEqual(fold);
        }
      }),
      { numRuns: 300 },
    );
    // The sequences reach every verdict the model knows.
    expect([...seen].sort()).toEqual(
      [
        'accepted',
        'WRONG_REGISTRY',
        'ALREADY_ISSUED',
        'CARRY_MISMATCH',
        'UNKNOWN_CERTIFICATE',
        'INSUFFICIENT_HOLDING',
        'EXPORT_NOT_WHOLE',
        'CERTIFICATE_CANCELLED',
        'CERTIFICATE_WITHDRAWN',
        'CERTIFICATE_EXPIRED',
        'CERTIFICATE_EXPORTED',
        'ALREADY_PRESENT',
        'EXPORT_ALREADY_IMPORTED',
      ].sort(),
    );
  });
});
