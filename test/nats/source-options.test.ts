import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkJetStreamOptions, JetStreamSource, NatsError } from '../../src/nats/index.ts';

const base = {
  servers: 'nats://127.0.0.1:4222',
  stream: 'READINGS',
  durable: 'ingest',
  topicFilters: ['wattproof/v1/meters/+/readings'],
};

describe('when checking JetStream source options', () => {
  it('derives the stream subjects and strips credentials from the description', () => {
    const c = checkJetStreamOptions({ ...base, servers: ['nats://u:p@h1:4222', 'tls://h2'] });
    expect(c.subjects).toEqual(['wattproof.v1.meters.*.readings']);
    expect(c.display).toBe('nats://h1:4222,tls://h2');
    expect(c.servers).toEqual(['nats://u:p@h1:4222', 'tls://h2']);
  });

  it('rejects a URL that is not nats:// or tls:// with INVALID_URL', () => {
    for (const servers of ['mqtt://h:1883', 'not a url', 'nats://h:4222/path']) {
      try {
        new JetStreamSource({ ...base, servers });
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(NatsError);
        expect((e as NatsError).code).toBe('INVALID_URL');
      }
    }
  });

  it('rejects bad names, filters and numbers with RangeError', () => {
    expect(() => checkJetStreamOptions({ ...base, stream: 'a.b' })).toThrow(RangeError);
    expect(() => checkJetStreamOptions({ ...base, durable: '' })).toThrow(RangeError);
    expect(() => checkJetStreamOptions({ ...base, topicFilters: [] })).toThrow(RangeError);
    expect(() => checkJetStreamOptions({ ...base, topicFilters: ['a/#/b'] })).toThrow(RangeError);
    expect(() => checkJetStreamOptions({ ...base, ackWaitMs: 10 })).toThrow(RangeError);
    expect(() => checkJetStreamOptions({ ...base, maxInFlight: 0 })).toThrow(RangeError);
  });
});

describe('the NATS client packages', () => {
  it('are pinned to exact versions and load on this Node', async () => {
    const pkg = JSON.parse(
      readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
    ) as {
      dependencies: Record<string, string>;
    };
    for (const name of ['@nats-io/transport-node', '@nats-io/jetstream']) {
      expect(pkg.dependencies[name]).toMatch(/^\d+\.\d+\.\d+$/);
    }
    const transport = await import('@nats-io/transport-node');
    const js = await import('@nats-io/jetstream');
    expect(typeof transport.connect).toBe('function');
    expect(typeof js.jetstreamManager).toBe('function');
  });
});
