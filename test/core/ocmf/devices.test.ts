import { describe, expect, it } from 'vitest';
import {
  ocmfFigures,
  OcmfError,
  parseOcmf,
  verifyOcmf,
  type OcmfFigures,
} from '../../../src/core/ocmf/index.ts';
import devices from '../../vectors/ocmf-devices.json' with { type: 'json' };

// Real records of chargers and meters, copied byte for byte from the S.A.F.E. Transparenzsoftware
// test resources and pyocmf (provenance in test/vectors/README.md). `valid` in the fixture is
// OpenSSL's verdict (node:crypto, DER, the SA curve), computed independently of this code.

/** The verdict expected where the signature does not verify (`valid: false`). */
const REFUSED: Record<string, string> = {
  'ebz-ld3-t120': 'MALFORMED_SIGNATURE', // r, s are not minimal DER INTEGERs
  'isa-receipt-import-export-t1': 'MALFORMED_SIGNATURE', // raw r‖s, not DER
  'isa-receipt-t0': 'MALFORMED_SIGNATURE', // raw r‖s (valid as such), not DER
  'dzg-dvh4013-t1041-k1': 'CURVE_MISMATCH', // SA secp256k1, key on secp256r1
};

type Channel = [obis: string, seconds: number, energyMilliWh: number, registerMilliWh: number];

/** Expected figures: channels as [obis, length, energy, register], or the refusal code. */
const FIGURES: Record<string, Channel[] | string> = {
  'dzg-twincharger-t2': [['1-0:1.8.0', 699, 1_304_000, 1_304_000]],
  'lem-dcbm-vw-t144': [
    ['1-0:1.8.0', 77, 1_101_000, 58_685_000],
    ['1-0:2.8.0', 77, 0, 4_405_000],
  ],
  'ebz-ld3-t117': [['1-0:1.8.0', 286, 266_000, 2_850_951_000]],
  'example-obis-98-t76': [['1-0:2.8.0', 14, 1_000_000, 2_000_000]], // 98.8.0 is no register
  'bauer-bsm-t2': [], // begin-only, and `*198` is a transaction register
  'bauer-bsm-t3': [],
  'bauer-bsm-t504': [],
  'bauer-bsm-t503': [],
  'brainpool-t274': [],
  'brainpool-t275': [],
  'p384-t5': [],
  'p384-t6': [],
  'dzg-dvh4013-t6': [],
  'dzg-dvh4013-t7': [],
  'dzg-dvh4013-t1040': [],
  'dzg-dvh4013-t1041-k1': [],
  'htb-generated-t12345-a': 'INVALID_VALUE', // the register moves within one millisecond
  'htb-generated-t12345-b': 'INVALID_VALUE',
  'keba-kcp30-t46669': [], // B and E at one instant, same register
  'keba-kcp30-t46768': [['1-0:1.8.0', 9, 0, 1_234_560_000]],
  'keba-measurements-00': [['1-0:1.8.0', 8, 100, 62_500_127_100]],
  'keba-measurements-07': [['1-0:1.8.0', 32, 2_600, 62_500_129_700]],
  'keba-measurements-19': [['1-0:1.8.0', 190, 800, 62_500_139_300]],
  'keba-measurements-20': [],
  'enercharge-esy-t17': [['1-0:1.8.0', 15, 0, 1_709_539]], // 1709.539307 Wh, truncated
  'enercharge-isa-t51': [['1-0:1.8.0', 1_132, 17_796_000, 16_086_276_000]],
};

const byName = new Map(devices.map((d) => [d.name, d]));

function figuresOf(ocmf: string): OcmfFigures | string {
  try {
    return ocmfFigures(parseOcmf(ocmf));
  } catch (e) {
    return e instanceof OcmfError ? e.code : `not an OcmfError: ${String(e)}`;
  }
}

function channels(f: OcmfFigures): Channel[] {
  return f.channels.map((c) => [
    c.obis,
    c.intervalEnd - c.intervalStart,
    c.energyMilliWh,
    c.registerMilliWh,
  ]);
}

describe('when verifying real device records', () => {
  it.each(devices.filter((d) => d.publicKey !== null).map((d) => [d.name, d] as const))(
    'gives %s the verdict OpenSSL gives',
    (name, d) => {
      const v = verifyOcmf(d.ocmf, d.publicKey!);
      expect(v.valid).toBe(d.valid);
      if (!v.valid) expect(v.code).toBe(REFUSED[name] ?? 'BAD_SIGNATURE');
    },
  );

  it('accepts the DZG/TwinCharger record that writes FV and CT as numbers', () => {
    const d = byName.get('dzg-twincharger-t2')!;
    const v = verifyOcmf(d.ocmf, d.publicKey!);
    expect(v.valid).toBe(true);
    expect(v.record!.payload.formatVersion).toBe('1.0');
    expect(v.record!.payload.chargePointIdType).toBe('0');
    expect(v.record!.signature.encoding).toBe('base64');
  });

  it('refuses every fixture once one payload byte changes', () => {
    for (const d of devices.filter((x) => x.valid === true)) {
      const i = d.ocmf.indexOf('"PG"');
      const tampered = `${d.ocmf.slice(0, i)} ${d.ocmf.slice(i)}`;
      const v = verifyOcmf(tampered, d.publicKey!);
      expect([d.name, v.valid ? 'valid' : v.code]).toEqual([d.name, 'BAD_SIGNATURE']);
    }
  });
});

describe('when taking the figures of real device records', () => {
  it('parses every fixture whose signature section is DER', () => {
    for (const d of devices) {
      const want = REFUSED[d.name] === 'MALFORMED_SIGNATURE' ? 'MALFORMED_SIGNATURE' : 'ok';
      let got = 'ok';
      try {
        parseOcmf(d.ocmf);
      } catch (e) {
        got = e instanceof OcmfError ? e.code : String(e);
      }
      expect([d.name, got]).toEqual([d.name, want]);
    }
  });

  it.each(Object.entries(FIGURES))('gives %s its channels', (name, want) => {
    const f = figuresOf(byName.get(name)!.ocmf);
    expect(typeof f === 'string' ? f : channels(f)).toEqual(want);
  });

  it('gives no record a zero-length or inverted channel', () => {
    for (const d of devices) {
      const f = figuresOf(d.ocmf);
      if (typeof f === 'string') continue;
      for (const c of f.channels) expect(c.intervalEnd).toBeGreaterThan(c.intervalStart);
      expect(f.intervalEnd).toBeGreaterThanOrEqual(f.intervalStart);
    }
  });

  it('keeps both registers of the VW DC charger record, each with its own interval', () => {
    const f = figuresOf(byName.get('lem-dcbm-vw-t144')!.ocmf) as OcmfFigures;
    const start = Date.UTC(2021, 9, 6, 11, 13, 56) / 1000;
    expect(f.channels).toEqual([
      {
        obis: '1-0:1.8.0',
        intervalStart: start,
        intervalEnd: start + 77,
        registerMilliWh: 58_685_000,
        energyMilliWh: 1_101_000,
      },
      {
        obis: '1-0:2.8.0',
        intervalStart: start,
        intervalEnd: start + 77,
        registerMilliWh: 4_405_000,
        energyMilliWh: 0,
      },
    ]);
    expect([f.meterId, f.sequence, f.sequenceScope]).toEqual(['1211751603', 144, 'T']);
  });

  it('chains the KEBA records register to register: the energies sum to the register progress', () => {
    const chain = devices
      .filter((d) => /^keba-measurements-(0\d|1\d)$/.test(d.name))
      .map((d) => figuresOf(d.ocmf) as OcmfFigures);
    expect(chain.map((f) => f.sequence)).toEqual(Array.from({ length: 20 }, (_, i) => 70_172 + i));
    const c = chain.map((f) => f.channels[0]!);
    const energy = c.reduce((a, x) => a + x.energyMilliWh, 0);
    // 62500.127 kWh at the first begin, 62500.1393 kWh at the last end.
    expect(energy).toBe(62_500_139_300 - 62_500_127_000);
    for (let i = 1; i < c.length; i++) {
      expect(c[i]!.registerMilliWh - c[i]!.energyMilliWh).toBe(c[i - 1]!.registerMilliWh);
    }
  });
});
