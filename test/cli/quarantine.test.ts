import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/node-client.ts';
import { runQuarantine } from '../../src/cli/quarantine.ts';
import { meterTopic, Publisher, waitFor } from '../e2e/node-harness.ts';
import { readingsNode, run, type ReadingsNode } from './role-cli-harness.ts';

let n: ReadingsNode;

beforeAll(async () => {
  n = await readingsNode('qu', 1);
  const pub = await Publisher.connect(n.t.brokerUrl, n.t.topicRoot);
  try {
    const topic = meterTopic(n.t.topicRoot, n.meter);
    // Junk: not CBOR at all.
    await pub.publish(topic, 'not a reading');
    // Signed, then refused by a later rule: an interval that ends a day from now.
    const future = Math.floor(Date.now() / 1000) + 86_400;
    await pub.publish(
      topic,
      n.device.sign(
        n.device.reading(n.meter, 2, 0, { intervalStart: future - 900, intervalEnd: future }),
      ),
    );
  } finally {
    await pub.close();
  }
  await waitFor(async () => n.t.node.quarantine.counts().records >= 2, 'two quarantined records');
});
afterAll(async () => {
  await n?.close();
});

const quarantine = (args: string[], token = n.operator) =>
  run(runQuarantine, [...args, ...n.at, '--token', token]);

describe('when an operator looks at the quarantine', () => {
  it('lists records newest first with code, class, tier and source', async () => {
    const r = await quarantine([]);
    expect(r.code).toBe(EXIT.ok);
    const lines = r.out.trim().split('\n');
    expect(lines[0]).toMatch(
      /^ID\s+RECEIVED\s+CODE\s+CLASS\s+TIER\s+SOURCE\s+EVIDENCE\s+TOPIC\s+MESSAGE$/,
    );
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/FUTURE_TIMESTAMP\s+FUTURE_TIMESTAMP\s+signed\s+signer:qu-dev/);
    expect(lines[2]).toMatch(/\sMALFORMED_COSE\s+junk\s/);
  });

  it('filters by class with --code, limits with --limit, and prints JSON', async () => {
    const r = await quarantine(['--code', 'FUTURE_TIMESTAMP', '--json']);
    expect(r.code).toBe(EXIT.ok);
    const body = JSON.parse(r.out);
    expect(body.records).toHaveLength(1);
    expect(body.records[0]).toMatchObject({
      code: 'FUTURE_TIMESTAMP',
      class: 'FUTURE_TIMESTAMP',
      tier: 'signed',
      source: 'signer:qu-dev',
    });
    const one = JSON.parse((await quarantine(['--limit', '1', '--json'])).out);
    expect(one.records).toHaveLength(1);
    expect(one.next).toBe(one.records[0].id);
    expect((await quarantine(['--limit', '1'])).out).toContain('raise --limit');
  });

  it('counts records per class', async () => {
    const r = await quarantine(['counts']);
    expect(r.code).toBe(EXIT.ok);
    expect(r.out).toMatch(/^records: 2 held of \d+/);
    expect(r.out).toMatch(/FUTURE_TIMESTAMP\s+1\s+1/);
    expect(r.out).toMatch(/MALFORMED_COSE\s+1\s+1/);
    const json = JSON.parse((await quarantine(['counts', '--json'])).out);
    expect(json.recordsByCode).toEqual({ FUTURE_TIMESTAMP: 1, MALFORMED_COSE: 1 });
  });
});

describe('when the input or the token is wrong', () => {
  it('refuses a malformed --code, naming the classes', async () => {
    const r = await quarantine(['--code', 'bad-code']);
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toContain('one of the classes OVERSIZE, UNKNOWN_TOPIC');
  });

  it('refuses an unknown subcommand and a bad --limit', async () => {
    const sub = await quarantine(['list']);
    expect(sub.code).toBe(EXIT.usage);
    expect(sub.err).toContain('must be one of counts');
    expect((await quarantine(['--limit', '0'])).code).toBe(EXIT.usage);
  });

  it('fails with 403 for an issuer token', async () => {
    const r = await quarantine(['counts'], n.issuer);
    expect(r.code).toBe(EXIT.failed);
    expect(r.err).toContain('(403)');
  });
});
