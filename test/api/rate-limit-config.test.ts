/**
 * The token rate limit as the node is configured: `--rate-limit N` or `WATTPROOF_RATE_LIMIT`
 * (default 600 a minute), wired through `startNode` to the API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConfig } from '../../src/cli/start.ts';
import { ConfigError, DEFAULT_CONFIG } from '../../src/node/config.ts';
import { startNode, type RunningNode } from '../../src/node/node.ts';
import { tempDir } from '../helpers/tmp-dir.ts';

describe('when the rate limit is configured', () => {
  it('reads --rate-limit over WATTPROOF_RATE_LIMIT over the default of 600', () => {
    expect(startConfig([], {})!.rateLimitPerMinute).toBe(600);
    expect(startConfig([], { WATTPROOF_RATE_LIMIT: '30' })!.rateLimitPerMinute).toBe(30);
    expect(
      startConfig(['--rate-limit', '5'], { WATTPROOF_RATE_LIMIT: '30' })!.rateLimitPerMinute,
    ).toBe(5);
  });

  it('refuses a limit that is not a whole number from 1 to 1,000,000', () => {
    for (const v of ['0', '-1', '1.5', 'many', '1000001']) {
      expect(() => startConfig([`--rate-limit=${v}`], {})).toThrow(ConfigError);
      expect(() => startConfig([`--rate-limit=${v}`], {})).toThrow(
        `--rate-limit must be a whole number from 1 to 1000000, got "${v}"`,
      );
    }
  });
});

describe('when a node runs with --rate-limit 2', () => {
  let tmp: { path: string; remove: () => Promise<void> };
  let node: RunningNode;

  beforeAll(async () => {
    tmp = await tempDir();
    node = await startNode({
      ...DEFAULT_CONFIG,
      dataDir: tmp.path,
      httpPort: 0,
      mqtt: { mode: 'embedded', host: '127.0.0.1', port: 0 },
      rateLimitPerMinute: 2,
    });
  });
  afterAll(async () => {
    await node?.close();
    await tmp?.remove();
  });

  it('answers the third request of a token with 429 and Retry-After', async () => {
    const { token } = await node.tokens.createToken('operator', 'limited');
    const get = () =>
      fetch(`${node.url}/v1/tokens`, { headers: { authorization: `Bearer ${token}` } });
    const first = await get();
    expect(first.status).toBe(200);
    expect(first.headers.get('x-ratelimit-limit')).toBe('2');
    expect((await get()).status).toBe(200);
    const third = await get();
    expect(third.status).toBe(429);
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await third.json()).error.code).toBe('RATE_LIMITED');
    expect((await fetch(`${node.url}/v1/log`)).status).toBe(200);
  });
});
