import { describe, expect, it } from 'vitest';
import { WattproofError } from '../../src/core/errors.ts';
import { buildApp } from '../../src/api/app.ts';
import { ApiError, errorResponseFor, HTTP_STATUS_BY_CODE } from '../../src/api/errors.ts';
import type { LogReadModel } from '../../src/log/read-model.ts';
import { memoryLog } from './memory-log.ts';

const SECRET = '/var/lib/wattproof/secret-db-path';

describe('when a route is unknown', () => {
  it('answers 404 JSON naming the method and path', async () => {
    const app = await buildApp({ log: memoryLog(3) });
    try {
      const res = await app.inject({ method: 'GET', url: '/nope?x=1' });
      expect(res.statusCode).toBe(404);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(res.json()).toEqual({
        error: { code: 'NOT_FOUND', message: 'no route for GET /nope' },
      });
    } finally {
      await app.close();
    }
  });

  it('does not echo a very long path in full', async () => {
    const app = await buildApp({ log: memoryLog(3) });
    try {
      const res = await app.inject({ method: 'GET', url: `/${'a'.repeat(10_000)}` });
      expect(res.statusCode).toBe(404);
      expect(res.json().error.message.length).toBeLessThan(300);
    } finally {
      await app.close();
    }
  });
});

describe('when a route throws an internal error', () => {
  async function failingApp(error: unknown) {
    const lines: string[] = [];
    const base = memoryLog(300);
    const log: LogReadModel = {
      ...base,
      readHashTile: async () => {
        throw error;
      },
    };
    const app = await buildApp({
      log,
      logger: { level: 'error', stream: { write: (s: string) => lines.push(s) } },
    });
    return { app, lines };
  }

  it('answers 500 without details and logs them', async () => {
    const { app, lines } = await failingApp(new Error(`LevelDB read failed at ${SECRET}`));
    try {
      const res = await app.inject({ method: 'GET', url: '/log/tile/0/000' });
      expect(res.statusCode).toBe(500);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.json()).toEqual({
        error: { code: 'INTERNAL_ERROR', message: 'internal server error' },
      });
      expect(res.body).not.toContain('secret');
      expect(lines.join('')).toContain(SECRET);
    } finally {
      await app.close();
    }
  });

  it('hides a typed error whose code has no HTTP status', async () => {
    const { app } = await failingApp(new WattproofError('LOG_CLOSED', `closed: ${SECRET}`));
    try {
      const res = await app.inject({ method: 'GET', url: '/log/tile/0/000' });
      expect(res.statusCode).toBe(500);
      expect(res.body).not.toContain('secret');
    } finally {
      await app.close();
    }
  });

  it('hides a thrown non-Error value', async () => {
    const { app } = await failingApp(SECRET);
    try {
      const res = await app.inject({ method: 'GET', url: '/log/tile/0/000' });
      expect(res.statusCode).toBe(500);
      expect(res.body).not.toContain('secret');
    } finally {
      await app.close();
    }
  });

  it('answers 500 when the read model returns a tile shorter than asked', async () => {
    const base = memoryLog(300);
    const app = await buildApp({ log: { ...base, readHashTile: async () => new Uint8Array(31) } });
    try {
      const res = await app.inject({ method: 'GET', url: '/log/tile/0/000' });
      expect(res.statusCode).toBe(500);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(res.headers['cache-control']).toBe('no-store');
    } finally {
      await app.close();
    }
  });
});

describe('when errors are mapped to statuses', () => {
  it('maps each listed code to its status and keeps the message', () => {
    for (const [code, status] of Object.entries(HTTP_STATUS_BY_CODE)) {
      expect(errorResponseFor(new WattproofError(code, 'why'))).toEqual({
        status,
        code,
        message: 'why',
      });
    }
  });

  it('maps MALFORMED_PATH to 400 and NOT_FOUND to 404', () => {
    expect(errorResponseFor(new WattproofError('MALFORMED_PATH', 'x')).status).toBe(400);
    expect(errorResponseFor(new ApiError('NOT_FOUND', 'x')).status).toBe(404);
  });

  it('maps PORT_IN_USE and INTERNAL_ERROR to a hidden 500', () => {
    for (const code of ['PORT_IN_USE', 'INTERNAL_ERROR'] as const) {
      expect(errorResponseFor(new ApiError(code, 'detail'))).toEqual({
        status: 500,
        code: 'INTERNAL_ERROR',
        message: 'internal server error',
      });
    }
  });

  it('maps a fastify validation error to 400 INVALID_REQUEST with its message', () => {
    const e = Object.assign(new Error('params/* must NOT have fewer than 1 characters'), {
      code: 'FST_ERR_VALIDATION',
      statusCode: 400,
      validation: [],
    });
    expect(errorResponseFor(e)).toEqual({
      status: 400,
      code: 'INVALID_REQUEST',
      message: e.message,
    });
  });

  it('keeps the status of fastify 4xx errors and hides fastify 5xx ones', () => {
    const tooLarge = Object.assign(new Error('Request body is too large'), {
      code: 'FST_ERR_CTP_BODY_TOO_LARGE',
      statusCode: 413,
    });
    expect(errorResponseFor(tooLarge)).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
    const server = Object.assign(new Error('detail'), { code: 'FST_ERR_X', statusCode: 503 });
    expect(errorResponseFor(server)).toMatchObject({ status: 500, code: 'INTERNAL_ERROR' });
  });
});
