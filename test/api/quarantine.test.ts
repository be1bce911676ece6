import { createHash } from 'node:crypto';
import { fastify, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installErrorHandling, sendError } from '../../src/api/errors.ts';
import { quarantineRoutes } from '../../src/api/routes/quarantine.ts';
import { toBase64 } from '../../src/core/bytes.ts';
import { Quarantine } from '../../src/ingest/quarantine.ts';
import { LevelStore } from '../../src/storage/level-store.ts';
import { tempDir } from '../helpers/tmp-dir.ts';

/** A stand-in for the operator check: `Bearer op` passes, `Bearer issuer` is 403, else 401. */
async function requireOperator(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const auth = request.headers.authorization;
  if (auth === 'Bearer op') return;
  if (auth === 'Bearer issuer') {
    await sendError(reply, { status: 403, code: 'FORBIDDEN', message: 'operator role required' });
    return;
  }
  await sendError(reply, { status: 401, code: 'UNAUTHORIZED', message: 'token required' });
}

const OP = { authorization: 'Bearer op' };

let dir: { path: string; remove: () => Promise<void> };
let store: LevelStore;
let app: FastifyInstance;
const big = new Uint8Array(70_000).map((_, i) => i % 251);

beforeAll(async () => {
  dir = await tempDir('wattproof-api-quarantine-');
  store = await LevelStore.open(`${dir.path}/db`);
  const quarantine = await Quarantine.open(store, { capacity: 10 });
  const ops = [
    quarantine.add({
      code: 'OVERSIZE',
      message: 'too big',
      topic: 't/1',
      receivedAt: 1,
      payload: big,
    }),
    quarantine.add({
      code: 'BAD_SIGNATURE',
      message: 'bad',
      topic: 't/2',
      receivedAt: 2,
      payload: Uint8Array.of(1, 2, 3),
      readingIndex: 4,
    }),
    quarantine.add({
      code: 'OVERSIZE',
      message: 'too big',
      topic: 't/3',
      receivedAt: 3,
      payload: Uint8Array.of(9),
    }),
  ].flatMap((r) => r.ops);
  await store.commit(ops, true);
  app = fastify();
  installErrorHandling(app);
  await app.register(quarantineRoutes, { prefix: '/v1', quarantine, requireOperator });
});
afterAll(async () => {
  await app.close();
  await store.close();
  await dir.remove();
});

describe('when an operator lists the quarantine', () => {
  it('returns records newest first without their bytes', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/quarantine', headers: OP });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.json()).toEqual({
      records: [
        {
          id: 3,
          code: 'OVERSIZE',
          class: 'OVERSIZE',
          message: 'too big',
          topic: 't/3',
          receivedAt: 3,
          payloadLength: 1,
          tier: 'junk',
          source: '',
        },
        {
          id: 2,
          code: 'BAD_SIGNATURE',
          class: 'BAD_SIGNATURE',
          message: 'bad',
          topic: 't/2',
          receivedAt: 2,
          payloadLength: 3,
          readingIndex: 4,
          tier: 'junk',
          source: '',
        },
        {
          id: 1,
          code: 'OVERSIZE',
          class: 'OVERSIZE',
          message: 'too big',
          topic: 't/1',
          receivedAt: 1,
          payloadLength: 70_000,
          tier: 'junk',
          source: '',
          sha256: toBase64(createHash('sha256').update(big).digest()),
        },
      ],
    });
  });

  it('returns the stored bytes in base64 with withPayload=1', async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/v1/quarantine?code=OVERSIZE&withPayload=1',
      headers: OP,
    });
    const body = res.json() as { records: { id: number; payload: string }[] };
    expect(body.records.map((r) => r.id)).toEqual([3, 1]);
    expect(body.records[0]!.payload).toBe(toBase64(Uint8Array.of(9)));
    // Junk keeps a 256-byte prefix beside the SHA-256 of the whole.
    expect(body.records[1]!.payload).toBe(toBase64(big.subarray(0, 256)));
  });

  it('pages with limit and before', async () => {
    const p1 = (
      await app.inject({ method: 'GET', url: '/v1/quarantine?limit=2', headers: OP })
    ).json();
    expect(p1.records.map((r: { id: number }) => r.id)).toEqual([3, 2]);
    expect(p1.next).toBe(2);
    const p2 = (
      await app.inject({
        method: 'GET',
        url: `/v1/quarantine?limit=2&before=${p1.next}`,
        headers: OP,
      })
    ).json();
    expect(p2).toMatchObject({ records: [{ id: 1 }] });
    expect(p2.next).toBeUndefined();
  });

  it.each(['limit=0', 'limit=1001', 'limit=x', 'before=0', 'code=bad-code', 'withPayload=yes'])(
    'answers 400 for %s',
    async (query) => {
      const res = await app.inject({ method: 'GET', url: `/v1/quarantine?${query}`, headers: OP });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('INVALID_REQUEST');
    },
  );

  it('counts records and rejections per code', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/quarantine/counts', headers: OP });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      records: 3,
      capacity: 10,
      tiers: { signed: { records: 0, bytes: 0 }, junk: { records: 3 } },
      evicted: { signed: 0, junk: 0 },
      recordsByCode: { BAD_SIGNATURE: 1, OVERSIZE: 2 },
      rejectedByCode: { BAD_SIGNATURE: 1, OVERSIZE: 2 },
    });
  });
});

describe('when the caller is not an operator', () => {
  it.each([
    ['no token', {}, 401],
    ['an issuer token', { authorization: 'Bearer issuer' }, 403],
  ])('refuses %s', async (_name, headers, status) => {
    for (const url of ['/v1/quarantine', '/v1/quarantine/counts']) {
      const res = await app.inject({ method: 'GET', url, headers });
      expect(res.statusCode).toBe(status);
      expect(JSON.stringify(res.json())).not.toContain('records');
    }
  });
});
