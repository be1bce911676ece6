/**
 * Provisioning without handing the simulator a token: `--print-commands` prints the
 * `wattproof devices register` commands; an operator runs them; the fleet then runs with
 * `--no-register` on the same seed and prefix, and the node accepts its readings.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDevices } from '../../src/cli/devices.ts';
import type { SimIo } from '../../simulator/cli/common.ts';
import { simMain } from '../../simulator/cli/main.ts';
import { startTestNode, type TestNode } from '../e2e/node-harness.ts';

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

describe('when the operator registers the printed commands', () => {
  let t: TestNode;
  beforeAll(async () => {
    t = await startTestNode('embedded');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('lets a --no-register run publish readings the node accepts', async () => {
    const token = (await t.node.tokens.createToken('operator', 'ops')).token;
    const fleet = [
      '--fleet',
      'pv-rooftop:1,household:2@platform,ev:1@relay',
      '--seed',
      '9',
      '--prefix',
      'pc',
    ];
    const printed = io();
    expect(
      await simMain(['run', '--print-commands', '--node', t.node.url, ...fleet], printed),
    ).toBe(0);
    const commands = printed.out
      .join('')
      .split('\n')
      .filter((l) => l.startsWith('wattproof devices register'));
    expect(commands).toHaveLength(3);
    for (const c of commands) {
      const argv = c.split(' ').slice(2);
      const status = await runDevices([...argv, '--token', token], {
        stdout: () => {},
        stderr: () => {},
        env: {},
      });
      expect(status).toBe(0);
    }
    const run = io();
    const args = [
      'run',
      '--no-register',
      // Its own (absent) token file: never the ./data/operator.token of a node started here.
      '--token-file',
      `${t.dir}/no-such.token`,
      '--node',
      t.node.url,
      '--mqtt-url',
      t.brokerUrl,
      '--topic-root',
      t.topicRoot,
    ];
    const status = await simMain(
      [...args, ...fleet, '--days', '0.25', '--json', '--start', '2026-01-05'],
      run,
    );
    expect(status).toBe(0);
    const summary = JSON.parse(run.out.join('')) as {
      readings: { published: number; acknowledged: number };
    };
    // Six hours of quarter hours for the PV meter and two households; no charging before 07:00.
    expect(summary.readings.published).toBe(3 * 24);
    expect(summary.readings.acknowledged).toBe(summary.readings.published);
  }, 60_000);
});
