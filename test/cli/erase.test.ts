import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runErase } from '../../src/cli/erase.ts';
import { EXIT } from '../../src/cli/node-client.ts';
import { runReadings } from '../../src/cli/readings.ts';
import { readingsNode, run, T0, type ReadingsNode } from './role-cli-harness.ts';

let n: ReadingsNode;

beforeAll(async () => {
  n = await readingsNode('er', 8);
});
afterAll(async () => {
  await n?.close();
});

/** Readings 1 and 2 of the meter. */
const PERIOD = () => ['--from', String(T0), '--to', new Date((T0 + 1800) * 1000).toISOString()];

const erase = (args: string[], over = {}) =>
  run(runErase, [...args, ...n.at, '--token', n.operator], over);

async function erasedCount(): Promise<number> {
  const r = await run(runReadings, [
    '--meter',
    n.meter,
    '--from',
    String(T0),
    '--to',
    String(T0 + 86_400),
    '--json',
    ...n.at,
    '--token',
    n.issuer,
  ]);
  return JSON.parse(r.out).readings.filter((x: { erased: boolean }) => x.erased).length;
}

describe('when an operator erases a meter’s readings', () => {
  it('refuses without --yes when standard input is not a terminal, erasing nothing', async () => {
    const r = await erase(['--meter', n.meter, ...PERIOD()], { stdinIsTTY: false });
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toContain('without --yes');
    expect(await erasedCount()).toBe(0);
  });

  it('asks on a terminal, and erases nothing unless the answer is yes', async () => {
    const questions: string[] = [];
    const r = await erase(['--meter', n.meter, ...PERIOD()], {
      stdinIsTTY: true,
      ask: async (q: string) => {
        questions.push(q);
        return 'no';
      },
    });
    expect(r.code).toBe(EXIT.failed);
    expect(questions[0]).toContain(`meter ${n.meter}`);
    expect(await erasedCount()).toBe(0);
  });

  it('erases after a yes on the terminal, and shows the audit record', async () => {
    const r = await erase(['--meter', n.meter, ...PERIOD(), '--reason', 'case 17'], {
      stdinIsTTY: true,
      ask: async () => 'yes',
    });
    expect(r.err).toBe('');
    expect(r.code).toBe(EXIT.ok);
    expect(r.out).toMatch(/^erased 2 readings of meter er-meter in \[/);
    expect(r.out).toContain('reason: case 17');
    expect(await erasedCount()).toBe(2);
  });

  it('with --yes asks nothing; a repeat erases nothing more (--json)', async () => {
    const r = await erase(['--meter', n.meter, ...PERIOD(), '--yes', '--json'], {
      ask: async () => {
        throw new Error('asked');
      },
    });
    expect(r.code).toBe(EXIT.ok);
    expect(JSON.parse(r.out)).toMatchObject({ meterId: n.meter, matched: 2, erased: 0 });
  });

  it('the readings table shows the erased readings', async () => {
    const r = await run(runReadings, [
      '--meter',
      n.meter,
      '--from',
      String(T0),
      '--to',
      String(T0 + 1800),
      ...n.at,
      '--token',
      n.issuer,
    ]);
    expect(r.code).toBe(EXIT.ok);
    expect(r.out.match(/ erased 20\d\d-/g)).toHaveLength(2);
  });
});

describe('when the input or the token is wrong', () => {
  it('refuses a reason longer than the route allows', async () => {
    const r = await erase(['--meter', n.meter, ...PERIOD(), '--yes', '--reason', 'x'.repeat(201)]);
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toContain('--reason must be 1 to 200 characters');
  });

  it('refuses a bad time before asking anything', async () => {
    const r = await erase(['--meter', n.meter, '--from', 'yesterday', '--to', String(T0), '--yes']);
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toContain('--from: "yesterday" is neither Unix seconds nor an ISO 8601 date');
  });

  it('fails with 403 for an issuer token', async () => {
    const r = await run(runErase, [
      '--meter',
      n.meter,
      ...PERIOD(),
      '--yes',
      ...n.at,
      '--token',
      n.issuer,
    ]);
    expect(r.code).toBe(EXIT.failed);
    expect(r.err).toContain('(403)');
    expect(r.err).toContain('needs an operator token');
  });
});
