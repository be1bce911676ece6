import { describe, expect, it } from 'vitest';
import { acceptsGzip } from '../../src/api/accept-encoding.ts';

describe('when Accept-Encoding accepts gzip', () => {
  it.each([
    'gzip',
    'GZIP',
    'gzip, identity',
    'br;q=1.0, gzip;q=0.5',
    'x-gzip',
    '*',
    'identity, *;q=0.1',
    ' deflate , gzip ;q=1',
  ])('accepts %j', (h) => expect(acceptsGzip(h)).toBe(true));

  it('accepts a header given as several values', () => {
    expect(acceptsGzip(['identity', 'gzip'])).toBe(true);
  });
});

describe('when Accept-Encoding does not accept gzip', () => {
  it.each([
    undefined,
    '',
    'identity',
    'br',
    'gzip;q=0',
    'gzip;q=0.000',
    '*;q=0',
    'gzip;q=0, *',
    'gzip;q=2',
    'gzip;q=abc',
    'gzipx',
  ])('rejects %j', (h) => expect(acceptsGzip(h)).toBe(false));
});
