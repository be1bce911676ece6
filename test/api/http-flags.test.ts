/**
 * The HTTP API's flags of `wattproof start` (docs/api.md §Transport, §Limits): TLS files in
 * pairs, `--trust-proxy` lists, the access log, the connection cap and the bundle limits, each
 * also from its environment variable.
 */
import { describe, expect, it } from 'vitest';
import { startConfig } from '../../src/cli/start.ts';
import { isWattproofError } from '../../src/core/errors.ts';

function code(args: string[], env: NodeJS.ProcessEnv = {}): string | undefined {
  try {
    startConfig(args, env);
    return undefined;
  } catch (e) {
    return isWattproofError(e) ? e.code : 'not a WattproofError';
  }
}

describe('when the HTTP API flags are given', () => {
  it('leaves them all unset by default', () => {
    const c = startConfig([], {})!;
    expect([c.httpTls, c.trustProxy, c.accessLog, c.maxConnections, c.bundleLimits]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('reads each flag, and the environment when the flag is absent', () => {
    const c = startConfig(
      [
        '--tls-cert=api.crt',
        '--tls-key=api.key',
        '--trust-proxy=10.0.0.5,192.168.0.0/16',
        '--access-log=-',
        '--max-connections=64',
        '--max-bundle-entries=1000',
      ],
      { WATTPROOF_MAX_BUNDLE_BYTES: '2048', WATTPROOF_TRUST_PROXY: 'loopback' },
    )!;
    expect(c.httpTls).toEqual({ certFile: 'api.crt', keyFile: 'api.key' });
    expect(c.trustProxy).toEqual(['10.0.0.5', '192.168.0.0/16']);
    expect(c.accessLog).toBe('-');
    expect(c.maxConnections).toBe(64);
    expect(c.bundleLimits).toEqual({ maxEntries: 1000, maxBytes: 2048 });
    expect(startConfig([], { WATTPROOF_TRUST_PROXY: 'loopback' })!.trustProxy).toEqual([
      'loopback',
    ]);
  });

  it('refuses half a TLS pair, a proxy that is not an address, and limits out of range', () => {
    expect(code(['--tls-cert=api.crt'])).toBe('INVALID_CONFIG');
    expect(code([], { WATTPROOF_TLS_KEY: 'api.key' })).toBe('INVALID_CONFIG');
    expect(code(['--trust-proxy=proxy.example'])).toBe('INVALID_CONFIG');
    expect(code(['--max-connections=0'])).toBe('INVALID_CONFIG');
    expect(code(['--max-bundle-entries=0'])).toBe('INVALID_CONFIG');
    expect(code(['--max-bundle-bytes=100'])).toBe('INVALID_CONFIG');
  });
});
