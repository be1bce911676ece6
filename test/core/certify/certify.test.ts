/**
 * `certify` and `certifyBundle`: figures from a valid verdict only (never from a bundle's own
 * summary), every output tied to the SHA-256 of the exact bundle bytes, typed refusals.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { utf8 } from '../../../src/core/bytes.ts';
import { verifyBundle, type Verdict } from '../../../src/core/bundle/index.ts';
import {
  bundleSha256,
  certify,
  certifyBundle,
  CertifyError,
} from '../../../src/core/certify/index.ts';
import vector from '../bundle/bundle-v1.json' with { type: 'json' };
import { HASH, HOUR, reading, T0, validVerdict } from './verdict-fixture.ts';

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
    const good = reading(1, { start: T0, end: T0 + HOUR, milliWh: 1 });
    const broken: Partial<typeof good>[] = [
      { meterId: 'meter-z' },
      { energyMilliWh: -1 },
      { energyMilliWh: 0.5 },
      { energyMilliWh: Number.NaN },
      { intervalEnd: T0 - 1 },
      { intervalStart: 1e16 },
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

  it('sums beyond 2^53 milli-Wh exactly, and refuses a whole-Wh figure beyond 2^53 − 1', () => {
    const big = Number.MAX_SAFE_INTEGER;
    const two = validVerdict([
      reading(1, { start: T0, end: T0 + 1, milliWh: big }),
      reading(2, { start: T0 + 1, end: T0 + 2, milliWh: big }),
    ]);
    expect(certify(two, { evidenceSha256: HASH }).granularCertificates[0]!.bundleQuantity).toBe(
      Number((2n * BigInt(big)) / 1000n),
    );
    // 1001 readings of 2^53 − 1 milli-Wh in one hour: more than 2^53 − 1 whole Wh.
    const many = validVerdict(
      Array.from({ length: 1001 }, (_, i) =>
        reading(i + 1, { start: T0, end: T0 + 1, milliWh: big }),
      ),
    );
    expect(codeOf(() => certify(many, { evidenceSha256: HASH }))).toBe('FIGURE_TOO_LARGE');
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
