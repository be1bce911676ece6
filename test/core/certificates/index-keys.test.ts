import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../../src/core/bytes.ts';
import {
  certificateIndexEntries,
  certificateIndexKey,
  certificateIndexKeysOf,
  meterHourIndexKey,
  METER_HOUR_KEY_SIZE,
  replayRegistry,
} from '../../../src/core/certificates/index.ts';
import { indexValue, readingsIndexKey } from '../../../src/core/ledger-index/index.ts';
import { codeOf, HOUR, idOf, issue, transfer, REGISTRY } from './fixtures.ts';

const TAG = 'wattproof/v1/index-key\0';
const text = (s: string): Buffer => Buffer.concat([Buffer.of(0x60 + s.length), Buffer.from(s)]);
const sha256 = (...parts: Buffer[]): Buffer => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

describe('certificate index keys', () => {
  it('file a meter-hour under the channel hash and the UTC hour, computed independently', () => {
    // 2026-03-29T01:00:00Z: 07ea 03 1d 01.
    const head = sha256(
      Buffer.from(TAG),
      Buffer.of(0x83),
      text('certificate-issues'),
      text('m1'),
      text('1-0:2.8.0'),
    );
    const key = meterHourIndexKey('m1', '1-0:2.8.0', HOUR);
    expect(key.length).toBe(METER_HOUR_KEY_SIZE);
    expect(toHex(key)).toBe(`${head.toString('hex')}07ea031d01`);
    // Same layout as the readings key of that hour, another family.
    const readings = readingsIndexKey('m1', '1-0:2.8.0', {
      year: 2026,
      month: 3,
      day: 29,
      hour: 1,
    });
    expect(toHex(readings.subarray(32))).toBe(toHex(key.subarray(32)));
    expect(toHex(readings.subarray(0, 32))).not.toBe(toHex(key.subarray(0, 32)));
  });

  it('share a day prefix between the hours of one day, not with the next day', () => {
    const a = meterHourIndexKey('m1', '1-0:2.8.0', HOUR);
    const b = meterHourIndexKey('m1', '1-0:2.8.0', HOUR + 22 * 3600);
    const c = meterHourIndexKey('m1', '1-0:2.8.0', HOUR + 23 * 3600);
    expect(toHex(a.subarray(0, 36))).toBe(toHex(b.subarray(0, 36)));
    expect(toHex(a.subarray(0, 36))).not.toBe(toHex(c.subarray(0, 36)));
  });

  it('file a certificate under its id as hex text, computed independently', () => {
    const expected = sha256(
      Buffer.from(TAG),
      Buffer.of(0x82),
      text('certificate'),
      Buffer.of(0x78, 64),
      Buffer.from(toHex(idOf())),
    );
    expect(toHex(certificateIndexKey(idOf()))).toBe(expected.toString('hex'));
  });

  it('refuse names that are not canonical with INVALID_FIELD', () => {
    expect(codeOf(() => meterHourIndexKey('m1', '1-0:02.8.0', HOUR))).toBe('INVALID_FIELD');
    expect(codeOf(() => meterHourIndexKey('m1', '1-0:2.8.0', HOUR + 1))).toBe('INVALID_FIELD');
    expect(codeOf(() => certificateIndexKey(new Uint8Array(31)))).toBe('INVALID_FIELD');
  });

  it('file an issue under its meter-hour and certificate, other events under the certificate', () => {
    expect(certificateIndexKeysOf(issue()).map(toHex)).toEqual([
      toHex(meterHourIndexKey('m1', '1-0:2.8.0', HOUR)),
      toHex(certificateIndexKey(idOf())),
    ]);
    expect(certificateIndexKeysOf(transfer()).map(toHex)).toEqual([
      toHex(certificateIndexKey(idOf())),
    ]);
  });
});

describe('certificate index entries', () => {
  it('chain the leaf indices of every event filed, void ones included', () => {
    const { state, verdicts } = replayRegistry(REGISTRY, [
      { event: issue(), leafIndex: 3 },
      { event: issue({ energyWh: 1 }), leafIndex: 8 },
      { event: transfer(), leafIndex: 9 },
    ]);
    expect(verdicts[1]).toMatchObject({ status: 'void', code: 'ALREADY_ISSUED' });
    const entries = certificateIndexEntries(state.filings());
    expect(entries.map((e) => [e.family, toHex(e.key), toHex(e.value)])).toEqual([
      [
        'certificate-issues',
        toHex(meterHourIndexKey('m1', '1-0:2.8.0', HOUR)),
        toHex(indexValue([3, 8])),
      ],
      ['certificate', toHex(certificateIndexKey(idOf())), toHex(indexValue([3, 8, 9]))],
    ]);
    // The map function by content gives the same keys.
    const byContent = new Set(
      [issue(), issue({ energyWh: 1 }), transfer()].flatMap((e) =>
        certificateIndexKeysOf(e).map(toHex),
      ),
    );
    expect(new Set(entries.map((e) => toHex(e.key)))).toEqual(byContent);
  });
});

describe('the worked example of docs/registry-certificates.md', () => {
  it('gives the id and keys the page prints', () => {
    expect(toHex(idOf())).toBe('10fa33d61f184f7508412bc053cbf1c22f9aa648f6058642702a3e2b1ff26848');
    expect(toHex(meterHourIndexKey('m1', '1-0:2.8.0', HOUR))).toBe(
      'add6315567630ae1c73834d1037957815f8d9bfbaa7eb636463e63c519099c4c07ea031d01',
    );
    expect(toHex(certificateIndexKey(idOf()))).toBe(
      '31339a0d64c9509d7adca8829569dd898bc73781d58856f15eae9d1fa4f2c55b',
    );
  });
});
