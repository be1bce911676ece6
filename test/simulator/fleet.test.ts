/**
 * The fleet: readings signed so the core verifies them (Ed25519, ES256, OCMF), registers that
 * only go up by each interval's energy, ids and registrations, spec parsing, and the CLI's
 * refusals and printed registration commands.
 */
import { describe, expect, it } from 'vitest';
import { fromUtf8 } from '../../src/core/bytes.ts';
import { CoseAlg } from '../../src/core/cose/index.ts';
import { verifyOcmf } from '../../src/core/ocmf/index.ts';
import { verifySignedReading } from '../../src/core/reading/index.ts';
import { simMain } from '../../simulator/cli/main.ts';
import type { SimIo } from '../../simulator/cli/common.ts';
import { SimulatorError } from '../../simulator/errors.ts';
import { buildFleet, DEFAULT_FLEET, parseFleet } from '../../simulator/fleet/fleet.ts';
import { parseFaults } from '../../simulator/run/faults.ts';

const START = Date.parse('2026-06-10T00:00:00Z') / 1000;

function io(): SimIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    stderrIsTTY: false,
    env: {},
  };
}

describe('when the default fleet replays a day', () => {
  const fleet = buildFleet({
    seed: 5,
    prefix: 'tst',
    groups: parseFleet(DEFAULT_FLEET),
    runStart: START,
  });
  const keyOf = new Map(fleet.registrations.flatMap((r) => r.meters.map((m) => [m, r] as const)));
  const byMeter = new Map(
    fleet.meters.map((m) => [m.meterId, [] as ReturnType<typeof m.readingsFor>]),
  );
  for (let t = START; t < START + 86_400; t += 900) {
    for (const m of fleet.meters) byMeter.get(m.meterId)!.push(...m.readingsFor(t, t + 900, START));
  }

  it('signs every native reading so the core verifies it with the registered key and algorithm', () => {
    for (const m of fleet.meters.filter((x) => x.kind !== 'ev')) {
      const reg = keyOf.get(m.meterId)!;
      const alg = reg.keyType === 'P-256' ? CoseAlg.ES256 : CoseAlg.EdDSA;
      // A dozen per meter: the pure-JS verifier is slow on a busy machine.
      for (const r of byMeter.get(m.meterId)!.slice(40, 52)) {
        const { reading, sign1 } = verifySignedReading(r.bytes, reg.publicKey, alg);
        expect(reading.energyWh).toBe(r.energyWh);
        expect(sign1.iss).toBe(reg.signerId);
        expect(fromUtf8(sign1.kid!)).toBe(reg.signerId);
      }
    }
  });

  it('signs EV sessions as OCMF records the core verifies, with the session energy as register difference', () => {
    const ev = fleet.meters.find((m) => m.kind === 'ev')!;
    const records = byMeter.get(ev.meterId)!;
    expect(records.length).toBeGreaterThan(0);
    for (const r of records) {
      const v = verifyOcmf(r.bytes, keyOf.get(ev.meterId)!.publicKey);
      if (!v.valid) throw new Error(`${v.code}: ${v.error.message}`);
      expect(r.format).toBe('ocmf');
      expect(fromUtf8(r.bytes)).toContain(`"PG":"T${r.sequence}"`);
    }
  });

  it('keeps each register going up by exactly the interval energy, with increasing sequences', () => {
    for (const m of fleet.meters) {
      const rs = byMeter.get(m.meterId)!;
      for (let i = 1; i < rs.length; i++) {
        expect(rs[i]!.sequence).toBeGreaterThan(rs[i - 1]!.sequence);
        expect(rs[i]!.registerWh).toBe(rs[i - 1]!.registerWh + rs[i]!.energyWh);
        expect(rs[i]!.intervalStart).toBeGreaterThanOrEqual(rs[i - 1]!.intervalEnd);
      }
      // PV and wind export, households and chargers import.
      expect(m.obis).toBe(m.profile.direction === 'export' ? '1-0:2.8.0' : '1-0:1.8.0');
    }
  });

  it('registers each device for its meter and the platform for the legacy meters', () => {
    const platform = fleet.registrations.find((r) => r.mode === 'platform')!;
    expect(platform.signerId).toBe(fleet.platformId);
    expect(platform.meters).toEqual(
      fleet.meters.filter((m) => m.mode === 'platform').map((m) => m.meterId),
    );
    for (const m of fleet.meters.filter((x) => x.mode !== 'platform')) {
      expect(keyOf.get(m.meterId)!.signerId).toBe(m.meterId);
    }
    // The same seed gives the same keys; another gives other keys.
    const again = buildFleet({
      seed: 5,
      prefix: 'tst',
      groups: parseFleet(DEFAULT_FLEET),
      runStart: START,
    });
    const other = buildFleet({
      seed: 6,
      prefix: 'tst',
      groups: parseFleet(DEFAULT_FLEET),
      runStart: START,
    });
    expect(again.registrations.map((r) => r.publicKey)).toEqual(
      fleet.registrations.map((r) => r.publicKey),
    );
    expect(other.registrations[0]!.publicKey).not.toEqual(fleet.registrations[0]!.publicKey);
  });
});

describe('when specs are parsed', () => {
  it('reads kind, count and mode, and rejects what cannot be built', () => {
    expect(parseFleet('wind:3@relay,ev')).toEqual([
      { kind: 'wind', count: 3, mode: 'relay' },
      { kind: 'ev', count: 1, mode: 'device' },
    ]);
    for (const bad of ['solar:2', 'wind:0', 'wind@cloud', 'ev@platform', 'wind;2']) {
      expect(() => parseFleet(bad)).toThrow(SimulatorError);
    }
    expect(parseFaults(['bad-signature:2,replay', 'replay:3'])).toEqual([
      { kind: 'bad-signature', count: 2 },
      { kind: 'replay', count: 4 },
    ]);
    expect(parseFaults(['all']).length).toBe(8);
    expect(() => parseFaults(['meteor'])).toThrow(/--fault/);
  });
});

describe('when wattproof-sim run is misused', () => {
  it('refuses a period in the future, an unknown option and a bad fleet, with exit status and message', async () => {
    const a = io();
    const future = String(Math.floor(Date.now() / 1000) + 86_400);
    expect(await simMain(['run', '--no-register', '--start', future], a)).toBe(1);
    expect(a.err.join('')).toMatch(/FUTURE_RANGE/);
    const b = io();
    expect(await simMain(['run', '--frobnicate'], b)).toBe(2);
    const c = io();
    expect(await simMain(['run', '--fleet', 'solar:1'], c)).toBe(2);
    expect(c.err.join('')).toMatch(/unknown meter kind "solar"/);
  });

  it('prints registration commands with the fleet keys and the command that runs it afterwards', async () => {
    const a = io();
    expect(
      await simMain(
        ['run', '--print-commands', '--seed', '5', '--prefix', 'tst', '--node', 'http://n:1'],
        a,
      ),
    ).toBe(0);
    const text = a.out.join('');
    const fleet = buildFleet({
      seed: 5,
      prefix: 'tst',
      groups: parseFleet(DEFAULT_FLEET),
      runStart: START,
    });
    for (const r of fleet.registrations) {
      expect(text).toContain(
        `--signer-id ${r.signerId} --mode ${r.mode} --key-type ${r.keyType} --public-key ${Buffer.from(r.publicKey).toString('hex')}`,
      );
    }
    expect(text).toContain('--node http://n:1');
    expect(text).toMatch(/npm run sim -- run .*--no-register/);
  });
});
