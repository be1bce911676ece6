import { describe, expect, it } from 'vitest';
import { CliFailure } from '../../src/cli/devices.ts';
import { EXIT, oneOf, Progress, timeArgument } from '../../src/cli/node-client.ts';

const T = 1_764_460_800; // 2025-11-30T00:00:00Z

function exitOf(f: () => unknown): number | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    if (e instanceof CliFailure) return e.exitCode;
    throw e;
  }
}

describe('when a time argument is given', () => {
  it.each([
    [String(T), T],
    ['2025-11-30', T],
    ['2025-11-30T00:00Z', T],
    ['2025-11-30T00:00:00Z', T],
    ['2025-11-30T00:00:00.000Z', T],
    ['2025-11-30t00:00:00z', T],
    ['2025-11-30T01:00+01:00', T],
    ['2025-11-30T01:30+0130', T],
    ['2025-11-29T19:00:00-05:00', T],
    ['2024-02-29', 1_709_164_800],
    ['0', 0],
  ])('reads %s as Unix seconds', (text, seconds) => {
    expect(timeArgument('from', text, '')).toBe(seconds);
  });

  it.each([
    ['2025-02-29', 'a day that does not exist'],
    ['2025-13-01', 'a month that does not exist'],
    ['2025-11-30T24:00Z', 'hour 24'],
    ['2025-11-30T10:60Z', 'minute 60'],
    ['2025-11-30T10:00', 'a time of day without a zone'],
    ['2025-11-30T10:00:00.5Z', 'a fraction of a second'],
    ['2025-11-30T10:00+24:00', 'an offset that does not exist'],
    ['1969-12-31T23:59:59Z', 'a time before 1970'],
    ['-5', 'negative seconds'],
    ['1e9', 'an exponent'],
    ['99999999999999999999', 'more than 2^53 - 1'],
    ['30/11/2025', 'another date order'],
    ['', 'nothing'],
  ])('refuses %s (%s) as a usage error', (text) => {
    expect(exitOf(() => timeArgument('from', text, ''))).toBe(EXIT.usage);
  });
});

describe('when a value must be one of a few', () => {
  it('takes an allowed one and refuses any other, listing them', () => {
    expect(oneOf('role', 'issuer', ['issuer', 'operator'], '')).toBe('issuer');
    expect(exitOf(() => oneOf('role', 'Issuer', ['issuer', 'operator'], ''))).toBe(EXIT.usage);
    // The wording is the contract here: the error names every allowed value.
    expect(() => oneOf('role', 'x', ['issuer', 'operator'], '')).toThrowError(
      /^--role must be one of issuer, operator, got "x"/,
    );
  });
});

describe('when long work reports progress', () => {
  it('off a terminal, prints a line at most every interval, and always the last', () => {
    let err = '';
    let now = 0;
    const p = new Progress({ stderr: (t) => (err += t), stderrIsTTY: false, now: () => now });
    p.update('n: 1');
    now = Progress.intervalMs;
    p.update('n: 2');
    now += 10;
    p.update('n: 3');
    p.done('n: 4 in all');
    expect(err).toBe('n: 2\nn: 4 in all\n');
  });

  it('on a terminal, redraws one line and ends it', () => {
    let err = '';
    const p = new Progress({ stderr: (t) => (err += t), stderrIsTTY: true });
    p.update('n: 1');
    p.done('n: 1 in all');
    expect(err).toBe('\rn: 1\u001b[K\rn: 1 in all\u001b[K\n');
  });
});
