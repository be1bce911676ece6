/**
 * `npm run demo` end to end (its function, with the output captured): a node process with its
 * embedded broker, the demo fleet for a day, a bundle verified by the `wattproof verify` CLI, the
 * energy compared, and everything stopped and removed.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { SimIo } from '../../simulator/cli/common.ts';
import { runDemo } from '../../simulator/cli/demo.ts';

describe('when a newcomer runs the demo', () => {
  it('prints a valid verdict whose energy matches the simulator, then cleans up', async () => {
    const out: string[] = [];
    const io: SimIo = {
      stdout: (t) => out.push(t),
      stderr: () => {},
      stderrIsTTY: false,
      env: {},
    };
    const result = await runDemo(io);
    const text = out.join('');
    expect(result.valid).toBe(true);
    expect(result.ackedWh).toBeGreaterThan(0);
    expect(result.bundleWh).toBe(result.ackedWh);
    expect(result.verifyOutput).toMatch(/^OK bundle of log /);
    expect(text).toContain(`verdict: VALID. ${result.meterId} exported`);
    expect(text).toContain('they match');
    // The three demo faults were quarantined as expected.
    expect(text).toMatch(/BAD_SIGNATURE\s+1\s+1/);
    expect(text).toMatch(/EQUIVOCATION\s+1\s+1/);
    expect(text).toMatch(/FUTURE_TIMESTAMP\s+1\s+1/);
    const dir = /removing (\S+)/.exec(text)![1]!;
    expect(existsSync(dir)).toBe(false);
  }, 180_000);
});
