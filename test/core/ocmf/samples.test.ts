import { describe, expect, it } from 'vitest';
import { toHex, utf8 } from '../../../src/core/bytes.ts';
import { parseOcmf, verifyOcmf } from '../../../src/core/ocmf/index.ts';
import samples from '../../vectors/ocmf-samples.json' with { type: 'json' };

// Real records from the S.A.F.E. e.V. Transparenzsoftware test resources (see the README in
// shared/fixtures/ocmf): KEBA KCP30, ebee + DZG DVH4013, a secp256k1 test meter.
describe('when verifying the S.A.F.E. sample records', () => {
  it.each(samples.map((s, i) => [i, s.sample, s.valid, s] as const))(
    'gives sample %i (%s) the verdict valid=%s',
    (_i, _name, valid, s) => {
      const v = verifyOcmf(s.ocmf, s.publicKey);
      expect(v.valid).toBe(valid);
      if (!v.valid) expect(v.code).toBe('BAD_SIGNATURE');
    },
  );

  it('gives the same verdicts when the records arrive as UTF-8 bytes', () => {
    for (const s of samples) {
      expect(verifyOcmf(utf8(s.ocmf), s.publicKey).valid).toBe(s.valid);
    }
  });

  it('signs exactly the bytes between "OCMF|" and the last "|"', () => {
    for (const s of samples) {
      const r = parseOcmf(s.ocmf);
      const expected = s.ocmf.slice('OCMF|'.length, s.ocmf.lastIndexOf('|'));
      expect(toHex(r.payloadBytes)).toBe(toHex(utf8(expected)));
    }
  });

  it('rejects a valid sample once a payload byte changes', () => {
    for (const s of samples.filter((x) => x.valid)) {
      const tampered = s.ocmf.replace('"PG"', '"PG" ');
      expect(tampered).not.toBe(s.ocmf);
      const v = verifyOcmf(tampered, s.publicKey);
      expect(v.valid).toBe(false);
      if (!v.valid) expect(v.code).toBe('BAD_SIGNATURE');
    }
  });
});

describe('when reading the sample payloads', () => {
  const [keba, , ebee, , , , dzg, dzgEnd] = samples.map((s) => parseOcmf(s!.ocmf).payload);

  it('reads the KEBA readings in exact milli-Wh from JSON numbers', () => {
    expect(keba!.pagination).toEqual({ kind: 'T', number: 32 });
    expect(keba!.gatewaySerial).toBe('17619300');
    expect(keba!.meterSerial).toBeUndefined();
    expect(keba!.readings.map((r) => r.valueMilliWh)).toEqual([259_600n, 259_700n]);
    expect(keba!.readings.map((r) => r.transaction)).toEqual(['B', 'E']);
    expect(keba!.readings.map((r) => r.time.status)).toEqual(['I', 'R']);
    expect(keba!.readings[0]!.time.unixMs).toBe(Date.UTC(2019, 7, 13, 10, 3, 15));
  });

  it('reads the ebee reading in Wh with its +0200 offset', () => {
    expect(ebee!.meterSerial).toBe('000033022620');
    expect(ebee!.pagination).toEqual({ kind: 'T', number: 28 });
    const r = ebee!.readings[0]!;
    expect(r.valueMilliWh).toBe(7_753_000n);
    expect(r.register).toEqual({ kind: 'import', role: 'total', channel: '1-0:1.8.0' });
    expect(r.time.unixMs).toBe(Date.UTC(2021, 7, 25, 8, 1, 4));
    expect(r.time.offsetMinutes).toBe(120);
  });

  it('reads space-padded string values and keeps non-energy readings without milli-Wh', () => {
    expect(dzg!.readings[0]!.value!.text).toBe('       9.038');
    expect(dzg!.readings[0]!.valueMilliWh).toBe(9_038_000n);
    const duration = dzgEnd!.readings[1]!;
    expect(duration.unit).toBe('sec');
    expect(duration.value!.coefficient).toBe(30n);
    expect(duration.valueMilliWh).toBeUndefined();
    expect(duration.register).toBeNull();
  });
});
