import { describe, expect, it } from 'vitest';
import { readingSubscriptions } from '../../src/ingest/index.ts';
import { filterToSubject, subjectToTopic, topicToSubject } from '../../src/nats/index.ts';

describe('when mapping MQTT topics to NATS subjects', () => {
  it('maps the readings filters of a root to subject filters', () => {
    expect(readingSubscriptions(undefined, 'wattproof/v1').map(filterToSubject)).toEqual([
      'wattproof.v1.meters.*.readings',
      'wattproof.v1.platforms.*.readings',
    ]);
    expect(filterToSubject('a/#')).toBe('a.>');
  });

  it('maps a dot inside a level to // and back', () => {
    expect(topicToSubject('wattproof/v1/meters/DE.1/readings')).toBe(
      'wattproof.v1.meters.DE//1.readings',
    );
    expect(subjectToTopic('wattproof.v1.meters.DE//1.readings')).toBe(
      'wattproof/v1/meters/DE.1/readings',
    );
  });

  it('maps empty levels to the token / and back', () => {
    expect(topicToSubject('/a//b/')).toBe('/.a./.b./');
    expect(subjectToTopic('/.a./.b./')).toBe('/a//b/');
  });

  it('is its own inverse on topics with ids of the meter-id alphabet', () => {
    for (const t of ['r/meters/a.b.c/receipts', 'r/meters/x:y_z-1/readings', 'r/p/../q', 'r/.']) {
      expect(subjectToTopic(topicToSubject(t))).toBe(t);
    }
  });

  it('rejects topics with wildcards or spaces and shared-subscription filters', () => {
    expect(() => topicToSubject('a/+/b')).toThrow(RangeError);
    expect(() => topicToSubject('a b')).toThrow(RangeError);
    expect(() => filterToSubject('$share/g/a/+/b')).toThrow(RangeError);
  });
});
