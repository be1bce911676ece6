import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/node-client.ts';
import { runReadings } from '../../src/cli/readings.ts';
import { readingsNode, run, T0, type ReadingsNode } from './role-cli-harness.ts';

const COUNT = 25;
let n: ReadingsNode;

beforeAll(async () => {
  n = await readingsNode('rd', COUNT);
});
afterAll(async () => {
  await n?.close();
});

const readings = (args: string[], token: string | null = n.issuer) =>
  run(runReadings, [...args, ...n.at, ...(token === null ? [] : ['--token', token])]);

const iso = (s: number) => new Date(s * 1000).toISOString().replace(':00.000Z', 'Z');

describe('when an issuer lists a meter’s readings', () => {
  it('follows the next cursor to the last page, counting on stderr, and prints JSON', async () => {
    const r = await readings([
      '--meter',
      n.meter,
      '--from',
      String(T0),
      '--to',
      String(T0 + 86_400),
      '--page-size',
      '10',
      '--json',
    ]);
    expect(r.code).toBe(EXIT.ok);
    expect(r.err).toContain(`readings: ${COUNT} in 3 pages`);
    const body = JSON.parse(r.out);
    expect(body.meterId).toBe(n.meter);
    expect(body.readings.map((x: { sequence: number }) => x.sequence)).toEqual(
      Array.from({ length: COUNT }, (_, i) => i + 1),
    );
    const indices = body.readings.map((x: { index: number }) => x.index);
    expect(new Set(indices).size).toBe(COUNT);
  });

  it('takes ISO 8601 times as well as Unix seconds, and prints a table', async () => {
    const r = await readings([
      '--meter',
      n.meter,
      '--from',
      iso(T0),
      '--to',
      new Date((T0 + 2 * 900) * 1000).toISOString().replace('Z', '+00:00'),
    ]);
    expect(r.code).toBe(EXIT.ok);
    const lines = r.out.trim().split('\n');
    expect(lines[0]).toMatch(/^INDEX\s+INTERVAL\s+SEQUENCE\s+TRUST\s+CHANNELS$/);
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(
      new RegExp(
        `^\\d+\\s+${iso(T0)} \\.\\. ${iso(T0 + 900)}\\s+1\\s+device\\s+1-0:1\\.8\\.0 register 10500 Wh energy 500 Wh$`,
      ),
    );
  });

  it('stops after --limit readings and says more are there', async () => {
    const r = await readings([
      '--meter',
      n.meter,
      '--from',
      String(T0),
      '--to',
      String(T0 + 86_400),
      '--limit',
      '7',
      '--json',
    ]);
    expect(r.code).toBe(EXIT.ok);
    expect(JSON.parse(r.out).readings).toHaveLength(7);
    expect(r.err).toContain('more after --limit');
  });
});

describe('when the input or the token is wrong', () => {
  it('refuses a bad date, naming the flag, before any request', async () => {
    const r = await readings(
      ['--meter', n.meter, '--from', '2026-02-30', '--to', String(T0)],
      null,
    );
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toContain('--from: "2026-02-30" is not a date and time that exists');
  });

  it('refuses a time of day without a zone and an empty period', async () => {
    const noZone = await readings([
      '--meter',
      n.meter,
      '--from',
      '2026-01-01T10:00',
      '--to',
      String(T0),
    ]);
    expect(noZone.code).toBe(EXIT.usage);
    expect(noZone.err).toContain('no zone');
    const empty = await readings(['--meter', n.meter, '--from', String(T0), '--to', String(T0)]);
    expect(empty.code).toBe(EXIT.usage);
    expect(empty.err).toContain('--to');
  });

  it('fails without an issuer token, and with 403 for an operator token', async () => {
    const none = await readings(
      ['--meter', n.meter, '--from', String(T0), '--to', String(T0 + 900)],
      null,
    );
    expect(none.code).toBe(EXIT.failed);
    expect(none.err).toContain('no issuer token');
    const op = await readings(
      ['--meter', n.meter, '--from', String(T0), '--to', String(T0 + 900)],
      n.operator,
    );
    expect(op.code).toBe(EXIT.failed);
    expect(op.err).toContain('(403)');
    expect(op.err).toContain('needs an issuer token');
  });

  it('fails for a meter no signer lists (404 METER_NOT_FOUND)', async () => {
    const r = await readings(['--meter', 'nobody', '--from', String(T0), '--to', String(T0 + 900)]);
    expect(r.code).toBe(EXIT.failed);
    expect(r.err).toContain('[METER_NOT_FOUND]');
  });
});
