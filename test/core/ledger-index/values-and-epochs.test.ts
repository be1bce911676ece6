import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encodeCbor } from '../../../src/core/cbor/index.ts';
import { toHex } from '../../../src/core/bytes.ts';
import { codeOf } from './code-of.ts';
import {
  decodeIndexEpoch,
  encodeIndexEpoch,
  IndexAccumulator,
  indexKeysOf,
  indexValue,
  readingsIndexKey,
  signerIndexKey,
  utcHourOf,
} from '../../../src/core/ledger-index/index.ts';

describe('index values', () => {
  it('chain the leaf indices from SHA-256 of the tag, computed independently', () => {
    const u64 = (n: bigint): Buffer => {
      const b = Buffer.alloc(8);
      b.writeBigUInt64BE(n);
      return b;
    };
    const link = (prev: Buffer, n: bigint): Buffer =>
      createHash('sha256')
        .update('wattproof/v1/index-value\0')
        .update(prev)
        .update(u64(n))
        .digest();
    const v0 = createHash('sha256').update('wattproof/v1/index-value\0').digest();
    const expected = link(link(v0, 3n), 2n ** 40n + 5n).toString('hex');
    expect(toHex(indexValue([3, 2 ** 40 + 5]))).toBe(expected);
    expect(toHex(indexValue([]))).toBe(v0.toString('hex'));
    expect(toHex(indexValue([3]))).not.toBe(toHex(indexValue([4])));
  });

  it('refuse indices out of order, repeated, negative or fractional', () => {
    for (const bad of [[2, 1], [1, 1], [-1], [0.5], [2 ** 53]]) {
      expect(codeOf(() => indexValue(bad))).toBe('INVALID_INDICES');
    }
  });
});

describe('index epochs', () => {
  const epoch = {
    epoch: 7,
    logSize: 12_345,
    mapRoot: new Uint8Array(32).fill(0xab),
    time: 1_790_000_000,
  };

  it('round-trip through deterministic CBOR', () => {
    const bytes = encodeIndexEpoch(epoch);
    expect(toHex(bytes.subarray(0, 5))).toBe('a501010207');
    expect(decodeIndexEpoch(bytes)).toEqual(epoch);
  });

  it('refuse other maps, versions, fields and non-canonical bytes', () => {
    const m = (entries: [number, unknown][]): Uint8Array => encodeCbor(new Map(entries) as never);
    const good: [number, unknown][] = [
      [1, 1],
      [2, 7],
      [3, 9],
      [4, new Uint8Array(32)],
      [5, 10],
    ];
    expect(codeOf(() => decodeIndexEpoch(m(good)))).toBeUndefined();
    expect(codeOf(() => decodeIndexEpoch(m([...good, [6, 0]])))).toBe('MALFORMED_EPOCH');
    expect(codeOf(() => decodeIndexEpoch(m(good.slice(0, 4))))).toBe('MALFORMED_EPOCH');
    expect(codeOf(() => decodeIndexEpoch(m(good.map(([k, v]) => [k, k === 1 ? 2 : v]))))).toBe(
      'MALFORMED_EPOCH',
    );
    expect(codeOf(() => decodeIndexEpoch(m(good.map(([k, v]) => [k, k === 2 ? 0 : v]))))).toBe(
      'MALFORMED_EPOCH',
    );
    expect(
      codeOf(() =>
        decodeIndexEpoch(m(good.map(([k, v]) => [k, k === 4 ? new Uint8Array(31) : v]))),
      ),
    ).toBe('MALFORMED_EPOCH');
    // 7 as a two-byte integer (0x18 0x07) is not the deterministic encoding.
    const bytes = encodeIndexEpoch(epoch);
    const loose = Uint8Array.from([...bytes.subarray(0, 4), 0x18, ...bytes.subarray(4)]);
    expect(codeOf(() => decodeIndexEpoch(loose))).toBe('MALFORMED_EPOCH');
    expect(codeOf(() => decodeIndexEpoch(new Uint8Array([0xff])))).toBe('MALFORMED_EPOCH');
    expect(codeOf(() => decodeIndexEpoch(encodeCbor([1, 2])))).toBe('MALFORMED_EPOCH');
    expect(codeOf(() => encodeIndexEpoch({ ...epoch, epoch: 0 }))).toBe('MALFORMED_EPOCH');
  });
});

describe('the index accumulator', () => {
  const hour = (t: number) => utcHourOf(t);

  it('file a reading under each channel hour once and a registration under its signer', () => {
    const reading = {
      type: 'reading' as const,
      index: 4,
      meterId: 'm1',
      channels: [
        { obis: '1-0:1.8.0', intervalStart: 3600 },
        { obis: '1-0:2.8.0', intervalStart: 3600 },
        { obis: '1-0:1.8.0', intervalStart: 3601 },
      ],
    };
    expect(indexKeysOf(reading).map(toHex)).toEqual(
      [
        readingsIndexKey('m1', '1-0:1.8.0', hour(3600)),
        readingsIndexKey('m1', '1-0:2.8.0', hour(3600)),
      ].map(toHex),
    );
    const acc = new IndexAccumulator();
    acc.add({ type: 'registry', index: 1, signerId: 'm1' });
    acc.add(reading);
    acc.add({ type: 'registry', index: 9, signerId: 'm1' });
    expect(toHex(acc.valueOf(signerIndexKey('m1'))!)).toBe(toHex(indexValue([1, 9])));
    expect(acc.size).toBe(3);
    for (const k of indexKeysOf(reading)) {
      expect(toHex(acc.valueOf(k)!)).toBe(toHex(indexValue([4])));
    }
    expect(acc.valueOf(signerIndexKey('m2'))).toBeUndefined();
    const changed = acc.takeChanged();
    expect(changed.map((c) => toHex(c.key)).sort()).toEqual(
      [signerIndexKey('m1'), ...indexKeysOf(reading)].map(toHex).sort(),
    );
    expect(acc.takeChanged()).toEqual([]);
    acc.add({ type: 'meter-flag', index: 10, meterId: 'm1' });
    expect(acc.takeChanged().map((c) => toHex(c.value))).toEqual([toHex(indexValue([10]))]);
    expect(acc.lastIndex).toBe(10);
  });

  it('continues a key unchanged since the last update from its committed value', () => {
    const committed = new Map<string, Uint8Array>();
    const acc = new IndexAccumulator(undefined, (k) => committed.get(toHex(k)));
    acc.add({ type: 'registry', index: 1, signerId: 'm1' });
    for (const c of acc.takeChanged()) committed.set(toHex(c.key), c.value);
    expect(acc.size).toBe(0);
    acc.add({ type: 'registry', index: 9, signerId: 'm1' });
    expect(toHex(acc.valueOf(signerIndexKey('m1'))!)).toBe(toHex(indexValue([1, 9])));
    expect(acc.takeChanged().map((c) => toHex(c.value))).toEqual([toHex(indexValue([1, 9]))]);
  });

  it('refuse an entry out of log order', () => {
    const acc = new IndexAccumulator();
    acc.add({ type: 'registry', index: 5, signerId: 'm1' });
    expect(codeOf(() => acc.add({ type: 'registry', index: 5, signerId: 'm2' }))).toBe(
      'INVALID_INDICES',
    );
  });
});
