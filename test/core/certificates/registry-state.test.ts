import { describe, expect, it } from 'vitest';
import {
  RegistryState,
  replayRegistry,
  VOID_CODES,
  type CertificateEvent,
  type EventVerdict,
} from '../../../src/core/certificates/index.ts';
import {
  cancel,
  codeOf,
  expire,
  exportTo,
  HOUR,
  idOf,
  importFrom,
  issue,
  OTHER,
  REGISTRY,
  transfer,
  withdraw,
} from './fixtures.ts';

/** The verdicts of `events` at leaf indices 0, 1, 2, … of `registry`'s log. */
function verdicts(events: readonly CertificateEvent[], registry = REGISTRY): EventVerdict[] {
  return replayRegistry(
    registry,
    events.map((event, leafIndex) => ({ event, leafIndex })),
  ).verdicts;
}

/** The last verdict's code, or 'accepted'. */
function last(events: readonly CertificateEvent[], registry = REGISTRY): string {
  const v = verdicts(events, registry).at(-1)!;
  return v.status === 'accepted' ? 'accepted' : v.code;
}

const ISSUED = issue(); // 1234 Wh to producer
const GO = idOf('m1', HOUR, 'go');

describe('the registry state', () => {
  it('tracks holdings through issue, transfer and cancel', () => {
    const { state, verdicts: v } = replayRegistry(
      REGISTRY,
      [ISSUED, transfer({ amount: 234 }), cancel({ account: 'buyer', amount: 34 })].map(
        (event, i) => ({ event, leafIndex: i * 10 }),
      ),
    );
    expect(v.every((x) => x.status === 'accepted')).toBe(true);
    const c = state.certificate(idOf())!;
    expect(c.status).toBe('active');
    expect([...c.holdings]).toEqual([
      ['producer', 1000],
      ['buyer', 200],
    ]);
    expect([c.live, c.cancelled]).toEqual([1200, 34]);
    expect(state.issueOf('m1', '1-0:2.8.0', HOUR)).toBe(0);
    expect(state.filings().certificates).toEqual([
      { certificateIdHex: Buffer.from(idOf()).toString('hex'), indices: [0, 10, 20] },
    ]);
  });

  it('issues GO units of whole MWh and carries the remainder to the channel’s next issue', () => {
    const next = HOUR + 3600;
    const { state, verdicts: v } = replayRegistry(
      REGISTRY,
      [
        issue({ kind: 'go', energyWh: 1_700_000 }),
        issue({ kind: 'go', hour: next, energyWh: 400_000, carryInWh: 700_000 }),
        issue({ kind: 'go', hour: next + 3600, energyWh: 50, carryInWh: 100_000 }),
      ].map((event, leafIndex) => ({ event, leafIndex })),
    );
    expect(v.map((x) => x.status)).toEqual(['accepted', 'accepted', 'accepted']);
    expect(state.holding(GO, 'producer')).toBe(1);
    expect(state.holding(idOf('m1', next, 'go'), 'producer')).toBe(1);
    expect(state.certificate(idOf('m1', next + 3600, 'go'))!.live).toBe(0);
    expect(state.goCarry('m1', '1-0:2.8.0')).toBe(100_050);
  });

  it('counts GO units exactly up to 2^53 − 1 Wh', () => {
    const { state } = replayRegistry(REGISTRY, [
      { event: issue({ kind: 'go', energyWh: Number.MAX_SAFE_INTEGER }), leafIndex: 0 },
      {
        event: issue({ kind: 'go', hour: HOUR + 3600, energyWh: 259_009, carryInWh: 740_991 }),
        leafIndex: 1,
      },
    ]);
    expect(state.holding(GO, 'producer')).toBe(9_007_199_254);
    expect(state.holding(idOf('m1', HOUR + 3600, 'go'), 'producer')).toBe(1);
    expect(state.goCarry('m1', '1-0:2.8.0')).toBe(0);
  });

  it('refuses an event applied out of log order with OUT_OF_ORDER', () => {
    const s = new RegistryState(REGISTRY);
    s.apply(ISSUED, 4);
    expect(codeOf(() => s.apply(transfer(), 4))).toBe('OUT_OF_ORDER');
    expect(codeOf(() => s.apply(transfer(), 3))).toBe('OUT_OF_ORDER');
    expect(codeOf(() => s.apply(transfer(), 1.5))).toBe('OUT_OF_ORDER');
  });
});

describe('when an event breaks a once-only rule', () => {
  const cases: [string, CertificateEvent[], string, (typeof VOID_CODES)[number]][] = [
    ['an event of another registry', [issue({ registry: OTHER })], REGISTRY, 'WRONG_REGISTRY'],
    [
      'a second issue of a meter-hour',
      [ISSUED, issue({ energyWh: 1 })],
      REGISTRY,
      'ALREADY_ISSUED',
    ],
    [
      'a GO issue of a meter-hour issued granular',
      [ISSUED, issue({ kind: 'go' })],
      REGISTRY,
      'ALREADY_ISSUED',
    ],
    [
      'a GO issue with another carry',
      [issue({ kind: 'go', carryInWh: 1 })],
      REGISTRY,
      'CARRY_MISMATCH',
    ],
    ['a transfer of an unknown certificate', [transfer()], REGISTRY, 'UNKNOWN_CERTIFICATE'],
    [
      'a transfer of more than held',
      [ISSUED, transfer({ amount: 1235 })],
      REGISTRY,
      'INSUFFICIENT_HOLDING',
    ],
    [
      'a transfer from an account without it',
      [ISSUED, transfer({ account: 'buyer', toAccount: 'x' })],
      REGISTRY,
      'INSUFFICIENT_HOLDING',
    ],
    [
      'a cancel of more than held',
      [ISSUED, cancel({ amount: 1235 })],
      REGISTRY,
      'INSUFFICIENT_HOLDING',
    ],
    [
      'an export of more than held',
      [ISSUED, exportTo({ amount: 1235 })],
      REGISTRY,
      'INSUFFICIENT_HOLDING',
    ],
    ['an export of part of it', [ISSUED, exportTo({ amount: 1000 })], REGISTRY, 'EXPORT_NOT_WHOLE'],
    [
      'an export of one holder’s part',
      [ISSUED, transfer(), exportTo({ amount: 1134 })],
      REGISTRY,
      'EXPORT_NOT_WHOLE',
    ],
    [
      'a transfer of a cancelled one',
      [ISSUED, cancel({ amount: 1234 }), transfer()],
      REGISTRY,
      'CERTIFICATE_CANCELLED',
    ],
    [
      'a cancel of a withdrawn one',
      [ISSUED, withdraw(), cancel()],
      REGISTRY,
      'CERTIFICATE_WITHDRAWN',
    ],
    [
      'an export of an expired one',
      [ISSUED, expire(), exportTo()],
      REGISTRY,
      'CERTIFICATE_EXPIRED',
    ],
    ['a second withdrawal', [ISSUED, withdraw(), withdraw()], REGISTRY, 'CERTIFICATE_WITHDRAWN'],
    ['a transfer after export', [ISSUED, exportTo(), transfer()], REGISTRY, 'CERTIFICATE_EXPORTED'],
    ['a cancel after export', [ISSUED, exportTo(), cancel()], REGISTRY, 'CERTIFICATE_EXPORTED'],
    [
      'a withdrawal after export',
      [ISSUED, exportTo(), withdraw()],
      REGISTRY,
      'CERTIFICATE_EXPORTED',
    ],
    ['an expiry after export', [ISSUED, exportTo(), expire()], REGISTRY, 'CERTIFICATE_EXPORTED'],
    ['a second export', [ISSUED, exportTo(), exportTo()], REGISTRY, 'CERTIFICATE_EXPORTED'],
    [
      'an import of one issued here that never left',
      [importFrom({ registry: REGISTRY, exportingRegistry: OTHER })],
      REGISTRY,
      'UNKNOWN_CERTIFICATE',
    ],
    [
      'an import of one already here',
      [importFrom(), importFrom({ exportLeafIndex: 6 })],
      OTHER,
      'ALREADY_PRESENT',
    ],
    [
      'a second import of one export',
      [
        importFrom(),
        exportTo({ registry: OTHER, account: 'importer', importingRegistry: 'r3' }),
        importFrom(),
      ],
      OTHER,
      'EXPORT_ALREADY_IMPORTED',
    ],
    [
      'an import of one cancelled here',
      [
        importFrom(),
        cancel({ registry: OTHER, account: 'importer', amount: 1234 }),
        importFrom({ exportLeafIndex: 9 }),
      ],
      OTHER,
      'CERTIFICATE_CANCELLED',
    ],
  ];
  for (const [what, events, registry, code] of cases) {
    it(`rejects ${what} with ${code}`, () => {
      expect(last(events, registry)).toBe(code);
      expect(
        verdicts(events, registry)
          .slice(0, -1)
          .every((v) => v.status === 'accepted'),
      ).toBe(true);
    });
  }

  it('has a case for every void code', () => {
    expect(new Set(cases.map((c) => c[3]))).toEqual(new Set(VOID_CODES));
  });
});

describe('when conflicting events land in the log', () => {
  it('the first in log order wins, later ones are void and name it', () => {
    const v = verdicts([
      transfer({ amount: 1 }),
      ISSUED,
      issue({ energyWh: 9999 }),
      cancel({ amount: 1000 }),
      cancel({ amount: 1000 }),
      cancel({ amount: 234 }),
      transfer({ amount: 1 }),
    ]);
    expect(v).toEqual([
      { status: 'void', code: 'UNKNOWN_CERTIFICATE' },
      { status: 'accepted' },
      { status: 'void', code: 'ALREADY_ISSUED', firstLeafIndex: 1 },
      { status: 'accepted' },
      { status: 'void', code: 'INSUFFICIENT_HOLDING' },
      { status: 'accepted' },
      { status: 'void', code: 'CERTIFICATE_CANCELLED', firstLeafIndex: 5 },
    ]);
  });

  it('a void issue leaves no trace but its filing', () => {
    const { state } = replayRegistry(
      REGISTRY,
      [ISSUED, issue({ energyWh: 9999, account: 'thief' })].map((event, leafIndex) => ({
        event,
        leafIndex,
      })),
    );
    expect(state.holding(idOf(), 'thief')).toBe(0);
    expect(state.holding(idOf(), 'producer')).toBe(1234);
    expect(state.filings().meterHours).toEqual([
      { meterId: 'm1', obis: '1-0:2.8.0', hour: HOUR, indices: [0, 1] },
    ]);
  });

  it('after export only the importing registry’s import counts, there', () => {
    const exporter = replayRegistry(REGISTRY, [
      { event: ISSUED, leafIndex: 0 },
      { event: exportTo(), leafIndex: 5 },
      { event: cancel(), leafIndex: 6 },
    ]);
    expect(exporter.verdicts[2]).toEqual({
      status: 'void',
      code: 'CERTIFICATE_EXPORTED',
      firstLeafIndex: 5,
    });
    expect(exporter.state.certificate(idOf())).toMatchObject({
      status: 'exported',
      exportedTo: OTHER,
      live: 0,
    });
    const importer = replayRegistry(OTHER, [
      { event: importFrom(), leafIndex: 0 },
      { event: cancel({ registry: OTHER, account: 'importer', amount: 1234 }), leafIndex: 1 },
    ]);
    expect(importer.verdicts.map((x) => x.status)).toEqual(['accepted', 'accepted']);
    expect(importer.state.certificate(idOf())).toMatchObject({
      issuer: REGISTRY,
      status: 'cancelled',
      cancelled: 1234,
    });
  });

  it('a certificate that comes back can be imported again', () => {
    const v = verdicts([
      ISSUED,
      exportTo(),
      importFrom({ registry: REGISTRY, exportingRegistry: OTHER, account: 'producer' }),
      transfer(),
    ]);
    expect(v.map((x) => x.status)).toEqual(['accepted', 'accepted', 'accepted', 'accepted']);
  });
});
