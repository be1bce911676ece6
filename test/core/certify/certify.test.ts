/**
 * `certify` and `certifyBundle`: figures from a valid verdict only (never from a bundle's own
 * summary), every output tied to the SHA-256 of the exact bundle bytes, typed refusals.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { utf8 } from '../../../src/core/bytes.ts';
import {
  verifyBundle,
  type Verdict,
  type VerifiedReading,
} from '../../../src/core/bundle/index.ts';
import {
  bundleSha256,
  certify,
  certifyBundle,
  CertifyError,
} from '../../../src/core/certify/index.ts';
import vector from '../bundle/bundle-v1.json' with { type: 'json' };
import { EXPORT, HASH, HOUR, IMPORT, reading, T0, validVerdict } from './verdict-fixture.ts';

const policy = { logVkey: vector.logVkey, witnessVkeys: [vector.witnessVkey], minWitnesses: 1 };
const bytes = utf8(JSON.stringify(vector.bundle));

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(CertifyError);
    return (e as CertifyError).code;
  }
  return undefined;
}

describe('when certifying the stored bundle', () => {
  it('derives hourly consumption records and carries the hash of the exact bytes everywhere', () => {
    const out = certifyBundle(bytes, policy, { emissionFactorGPerKWh: '200' });
    if (!out.valid) throw new Error(out.verdict.code);
    const c = out.certification;
    const hash = createHash('sha256').update(bytes).digest('hex');
    expect(c.evidenceSha256).toBe(hash);
    expect(c.log).toEqual({
      origin: 'wattproof.example/eu-central-1',
      treeSize: 18,
      root: 'Tu/qUhvZ4MV7cwtODbRxbVqCJh6Dyh+sV4xLfCvaX8M=',
      witnesses: ['witness.example/w1'],
    });
    expect(c.period).toEqual({ start: '2026-01-01T00:00:00Z', end: '2026-01-01T02:00:00Z' });
    expect(
      c.granularCertificates.map((g) => [
        g.direction,
        g.productionStartingInterval,
        g.bundleQuantity,
        g.entries,
      ]),
    ).toEqual([
      ['consumption', '2026-01-01T00:00:00Z', 1500, [3, 5, 8]],
      ['consumption', '2026-01-01T01:00:00Z', 2000, [10, 12, 14, 16]],
    ]);
    expect(c.guaranteesOfOrigin.map((g) => [g.productionWh, g.units])).toEqual([[0, 0]]);
    // 3500 Wh × 200 g/kWh = 700 g.
    expect(c.scope2?.total).toEqual({ consumptionWh: '3500', co2eG: '700', co2eGRoundedUp: 700 });
    const hashes = [
      ...c.granularCertificates.map((g) => g.evidenceSha256),
      ...c.guaranteesOfOrigin.map((g) => g.evidenceSha256),
      c.scope2!.evidenceSha256,
    ];
    expect(new Set(hashes)).toEqual(new Set([hash]));
  });

  it('gives another hash for the same bundle in other bytes (the hash is of the file)', () => {
    const pretty = utf8(JSON.stringify(vector.bundle, null, 2));
    const a = certifyBundle(bytes, policy);
    const b = certifyBundle(pretty, policy);
    if (!a.valid || !b.valid) throw new Error('refused');
    expect(b.certification.evidenceSha256).not.toBe(a.certification.evidenceSha256);
    expect(b.certification.granularCertificates.map((g) => g.bundleQuantity)).toEqual([1500, 2000]);
  });

  it('gives no figures for a refused bundle', () => {
    const tampered = structuredClone(vector.bundle) as {
      summary: { totals: { importWh: number } };
    };
    tampered.summary.totals.importWh = 9999;
    const out = certifyBundle(utf8(JSON.stringify(tampered)), policy);
    expect(out.valid).toBe(false);
    expect(out.verdict).toMatchObject({ valid: false, code: 'SUMMARY_MISMATCH' });
    expect('certification' in out).toBe(false);
  });
});

describe('when given a verdict', () => {
  it('uses the verified readings, not the summary figures', () => {
    const v = validVerdict([reading(1, { start: T0, end: T0 + HOUR, milliWh: 42_000 })]);
    const honest = certify(v, { evidenceSha256: HASH });
    const m = v.summary.meters[0]!;
    const lying = {
      ...v,
      summary: {
        ...v.summary,
        meters: [{ ...m, exportWh: 5e9, hours: [{ start: T0, importWh: 0, exportWh: 5e9 }] }],
      },
    };
    expect(certify(lying, { evidenceSha256: HASH })).toEqual(honest);
    expect(honest.granularCertificates[0]!.bundleQuantity).toBe(42);
  });

  it('refuses a refused verdict and hand-made readings no verifier would return', () => {
    const refused = verifyBundle('{}', policy);
    expect(refused.valid).toBe(false);
    expect(codeOf(() => certify(refused, { evidenceSha256: HASH }))).toBe('INVALID_VERDICT');
    const good = validVerdict([reading(1, { start: T0, end: T0 + HOUR, milliWh: 1 })]).readings[0]!;
    const channel = good.channels[0]!;
    const broken: Partial<typeof good>[] = [
      { meterId: 'meter-z' },
      { channels: [{ ...channel, energyMilliWh: -1 }] },
      { channels: [{ ...channel, energyMilliWh: 0.5 }] },
      { channels: [{ ...channel, energyMilliWh: Number.NaN }] },
      { channels: [{ ...channel, registerMilliWh: -1 }] },
      { channels: [{ ...channel, registerMilliWh: 2 ** 53 }] },
      { channels: [{ ...channel, intervalEnd: T0 - 1 }] },
      { channels: [{ ...channel, intervalEnd: T0 }] },
      { channels: [{ ...channel, intervalStart: 2 ** 53 }] },
      { channels: [{ ...channel, obis: 7 as unknown as string }] },
      { channels: [channel, channel] },
      { channels: null as unknown as [] },
      { trustMode: 'other' as 'device' },
      { index: -1 },
    ];
    for (const change of broken) {
      const v = validVerdict([good]);
      const bad = { ...v, readings: [{ ...good, ...change }] } as Verdict;
      expect(
        codeOf(() => certify(bad, { evidenceSha256: HASH })),
        JSON.stringify(change),
      ).toBe('INVALID_VERDICT');
    }
    const twice = validVerdict([good, good]);
    expect(codeOf(() => certify(twice, { evidenceSha256: HASH }))).toBe('INVALID_VERDICT');
    expect(codeOf(() => certify(null as unknown as Verdict, { evidenceSha256: HASH }))).toBe(
      'INVALID_VERDICT',
    );
  });

  it('refuses an evidence hash that is not 64 lowercase hex digits', () => {
    const v = validVerdict([]);
    for (const h of ['', 'AB'.repeat(32), 'ab'.repeat(31), 'ab'.repeat(33), 'zz'.repeat(32)]) {
      expect(codeOf(() => certify(v, { evidenceSha256: h }))).toBe('BAD_EVIDENCE_HASH');
    }
  });

  it('sums beyond 2^53 milli-Wh exactly, and refuses a whole-number figure beyond 2^53 − 1', () => {
    // A channel's energy never exceeds its register (≤ 2^53 − 1 milli-Wh), but meters add up.
    const big = Number.MAX_SAFE_INTEGER;
    const meters = { meters: ['meter-a', 'meter-b'] };
    const two = validVerdict(
      ['meter-a', 'meter-b'].map((meterId, i) =>
        reading(i + 1, {
          meterId,
          start: T0,
          end: T0 + 1,
          milliWh: big,
          register: big,
          obis: IMPORT,
        }),
      ),
      meters,
    );
    const c = certify(two, { evidenceSha256: HASH, emissionFactorGPerKWh: '1' });
    expect(c.scope2!.total.consumptionWh).toBe(formatMilli(2n * BigInt(big)));
    expect(c.granularCertificates.map((g) => g.bundleQuantity)).toEqual([
      Math.floor(big / 1000),
      Math.floor(big / 1000),
    ]);
    // 2^53 − 1 milli-Wh at 10^9 g/kWh: about 9 × 10^18 g, beyond 2^53 − 1 whole grams.
    expect(
      codeOf(() => certify(two, { evidenceSha256: HASH, emissionFactorGPerKWh: '999999999' })),
    ).toBe('FIGURE_TOO_LARGE');
  });
});

/** Exact milli-Wh as the decimal Wh text of the footprint. */
function formatMilli(milli: bigint): string {
  const frac = (milli % 1000n).toString().padStart(3, '0').replace(/0+$/, '');
  return frac === '' ? `${milli / 1000n}` : `${milli / 1000n}.${frac}`;
}

describe('when a hand-made verdict would count energy twice', () => {
  const Q = 900;
  // The overlap scenario of issue 17: quarter hours Q1–Q4 (sequences 1000–1003), then Q2–Q5
  // (2000–2003) with a higher register, 110 Wh each: 770 Wh for the first hour if both were
  // counted, where the meter's one timeline holds 440 Wh.
  function scenario(): VerifiedReading[] {
    const first = [0, 1, 2, 3].map((q) =>
      reading(10 + q, {
        sequence: 1000 + q,
        start: T0 + q * Q,
        end: T0 + (q + 1) * Q,
        milliWh: 110_000,
        register: 1_000_000 + (q + 1) * 110_000,
      }),
    );
    const second = [1, 2, 3, 4].map((q) =>
      reading(20 + q, {
        sequence: 2000 + q,
        start: T0 + q * Q,
        end: T0 + (q + 1) * Q,
        milliWh: 110_000,
        register: 2_000_000 + q * 110_000,
      }),
    );
    return [...first, ...second];
  }

  it('refuses overlapping readings of one meter and channel (INTERVAL_OVERLAP), naming both', () => {
    let err: unknown;
    try {
      certify(validVerdict(scenario()), { evidenceSha256: HASH });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CertifyError);
    const e = err as CertifyError;
    expect(e.code).toBe('INTERVAL_OVERLAP');
    expect(e.evidence).toMatchObject({
      meter: 'meter-a',
      obis: EXPORT,
      entries: [
        { index: 11, intervalStart: T0 + Q, intervalEnd: T0 + 2 * Q },
        { index: 21, intervalStart: T0 + Q, intervalEnd: T0 + 2 * Q },
      ],
    });
  });

  it('never gives 880 Wh for the hour: only the non-overlapping timeline is certified', () => {
    const honest = scenario().filter((r) => r.index < 20);
    const c = certify(validVerdict(honest), { evidenceSha256: HASH });
    expect(c.granularCertificates.map((g) => g.bundleQuantity)).toEqual([440]);
    // Any one reading of the second run is refused: Q2–Q4 overlap the first run; Q5 follows
    // Q4 directly, but its register moved 1000 Wh for an interval of 110 Wh.
    for (const [q, code] of [
      [1, 'INTERVAL_OVERLAP'],
      [2, 'INTERVAL_OVERLAP'],
      [3, 'INTERVAL_OVERLAP'],
      [4, 'REGISTER_MISMATCH'],
    ] as const) {
      const one = [...honest, scenario()[3 + q]!];
      expect(codeOf(() => certify(validVerdict(one), { evidenceSha256: HASH }))).toBe(code);
    }
  });

  it('allows the same interval on two channels or two meters', () => {
    const v = validVerdict(
      [
        reading(1, { start: T0, end: T0 + Q, milliWh: 1000 }),
        reading(2, { start: T0, end: T0 + Q, milliWh: 2000, obis: IMPORT }),
        reading(3, { start: T0, end: T0 + Q, milliWh: 4000, meterId: 'meter-b' }),
      ],
      { meters: ['meter-a', 'meter-b'] },
    );
    expect(
      certify(v, { evidenceSha256: HASH }).granularCertificates.map((g) => g.bundleQuantity),
    ).toEqual([1, 2, 4]);
  });

  it('refuses registers that disagree with the energies, with the verifier codes', () => {
    const cases: [VerifiedReading[], string][] = [
      [
        [
          reading(1, { start: T0, end: T0 + Q, milliWh: 500, register: 10_500 }),
          reading(2, { start: T0 + Q, end: T0 + 2 * Q, milliWh: 500, register: 11_200 }),
        ],
        'REGISTER_MISMATCH',
      ],
      [
        [
          reading(1, { start: T0, end: T0 + Q, milliWh: 500, register: 10_500 }),
          reading(2, { start: T0 + 2 * Q, end: T0 + 3 * Q, milliWh: 500, register: 10_900 }),
        ],
        'ENERGY_EXCEEDS_REGISTER',
      ],
      [
        [
          reading(1, { start: T0, end: T0 + Q, milliWh: 500, register: 10_500 }),
          reading(2, { start: T0 + 2 * Q, end: T0 + 3 * Q, milliWh: 0, register: 10_000 }),
        ],
        'REGISTER_BACKWARDS',
      ],
    ];
    for (const [readings, code] of cases) {
      expect(codeOf(() => certify(validVerdict(readings), { evidenceSha256: HASH }))).toBe(code);
    }
  });
});

describe('when hashing a bundle', () => {
  it('matches node:crypto SHA-256 on random inputs', () => {
    for (const n of [0, 1, 55, 56, 63, 64, 65, 1000, 65_537]) {
      const b = new Uint8Array(n).map((_, i) => (i * 131 + n) & 0xff);
      expect(bundleSha256(b)).toBe(createHash('sha256').update(b).digest('hex'));
    }
  });
});
