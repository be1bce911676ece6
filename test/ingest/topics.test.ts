import { describe, expect, it } from 'vitest';
import {
  checkTopicRoot,
  meterReadingsTopic,
  meterReceiptsTopic,
  isReadingsTopic,
  parseTopic,
  platformReadingsTopic,
  platformReceiptsTopic,
  readingSubscriptions,
} from '../../src/ingest/topics.ts';

describe('when formatting topics', () => {
  it('builds the three layouts', () => {
    expect(meterReadingsTopic('mtr-0001')).toBe('wattproof/v1/meters/mtr-0001/readings');
    expect(platformReadingsTopic('hes.7')).toBe('wattproof/v1/platforms/hes.7/readings');
    expect(meterReceiptsTopic('mtr:1_a')).toBe('wattproof/v1/meters/mtr:1_a/receipts');
  });

  it.each(['', 'a/b', '+', '#', '-x', 'x'.repeat(65), 'ä'])('rejects the id %j', (id) => {
    expect(() => meterReadingsTopic(id)).toThrow(RangeError);
    expect(() => platformReadingsTopic(id)).toThrow(RangeError);
    expect(() => meterReceiptsTopic(id)).toThrow(RangeError);
    expect(() => platformReceiptsTopic(id)).toThrow(RangeError);
  });

  it('gives wildcard filters, optionally as shared subscriptions', () => {
    expect(readingSubscriptions()).toEqual([
      'wattproof/v1/meters/+/readings',
      'wattproof/v1/platforms/+/readings',
    ]);
    expect(readingSubscriptions('ingest')).toEqual([
      '$share/ingest/wattproof/v1/meters/+/readings',
      '$share/ingest/wattproof/v1/platforms/+/readings',
    ]);
    expect(() => readingSubscriptions('a/b')).toThrow(RangeError);
    expect(() => readingSubscriptions('')).toThrow(RangeError);
  });
});

describe('when parsing topics', () => {
  it('round-trips every layout', () => {
    expect(parseTopic(meterReadingsTopic('m.1'))).toEqual({
      kind: 'meterReadings',
      meterId: 'm.1',
    });
    expect(parseTopic(platformReadingsTopic('p-1'))).toEqual({
      kind: 'platformReadings',
      platformId: 'p-1',
    });
    expect(parseTopic(meterReceiptsTopic('m'))).toEqual({ kind: 'meterReceipts', meterId: 'm' });
    expect(parseTopic(platformReceiptsTopic('p'))).toEqual({
      kind: 'platformReceipts',
      platformId: 'p',
    });
  });

  it('tells the readings layouts from the receipts layouts', () => {
    expect(isReadingsTopic(parseTopic(meterReadingsTopic('m')))).toBe(true);
    expect(isReadingsTopic(parseTopic(platformReadingsTopic('p')))).toBe(true);
    expect(isReadingsTopic(parseTopic(meterReceiptsTopic('m')))).toBe(false);
    expect(isReadingsTopic(parseTopic(platformReceiptsTopic('p')))).toBe(false);
    expect(isReadingsTopic(undefined)).toBe(false);
  });

  it.each([
    '',
    'wattproof/v1/meters/m/readings/',
    'wattproof/v1/meters//readings',
    '/wattproof/v1/meters/m/readings',
    'wattproof/v2/meters/m/readings',
    'wattproof/v1/meters/m/reading',
    'wattproof/v1/platforms/p/receipt',
    'wattproof/v1/devices/m/readings',
    'wattproof/v1/meters/+/readings',
    'wattproof/v1/meters/#',
    '$share/g/wattproof/v1/meters/m/readings',
    `wattproof/v1/meters/${'m'.repeat(65)}/readings`,
    `wattproof/v1/meters/${'m'.repeat(300)}`,
  ])('refuses %j', (topic) => {
    expect(parseTopic(topic)).toBeUndefined();
  });
});

describe('when the node uses another topic root', () => {
  const root = 'site-7/ledger/v1';

  it('builds and parses topics under it, and nothing under the default root', () => {
    expect(meterReadingsTopic('m1', root)).toBe('site-7/ledger/v1/meters/m1/readings');
    expect(parseTopic('site-7/ledger/v1/meters/m1/readings', root)).toEqual({
      kind: 'meterReadings',
      meterId: 'm1',
    });
    expect(parseTopic('site-7/ledger/v1/platforms/p1/readings', root)).toEqual({
      kind: 'platformReadings',
      platformId: 'p1',
    });
    expect(parseTopic('wattproof/v1/meters/m1/readings', root)).toBeUndefined();
    expect(parseTopic('site-7/ledger/v1/meters/m1/readings/x', root)).toBeUndefined();
    expect(parseTopic('site-7/ledger/v1x/meters/m1/readings', root)).toBeUndefined();
    expect(readingSubscriptions(undefined, root)).toEqual([
      'site-7/ledger/v1/meters/+/readings',
      'site-7/ledger/v1/platforms/+/readings',
    ]);
  });

  it.each(['', '$SYS/x', 'a/+/b', 'a/#', 'a//b', '/a', 'a/'])('refuses the root %j', (bad) => {
    expect(() => checkTopicRoot(bad)).toThrow(RangeError);
  });
});
