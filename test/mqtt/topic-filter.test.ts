import { describe, expect, it } from 'vitest';
import { assertTopicFilter, parseBrokerUrl, topicMatches } from '../../src/mqtt/index.ts';

describe('when matching topics against filters (MQTT 5 §4.7)', () => {
  it.each([
    ['wattproof/v1/meters/+/readings', 'wattproof/v1/meters/m1/readings', true],
    ['wattproof/v1/meters/+/readings', 'wattproof/v1/meters/m1/receipts', false],
    ['wattproof/v1/meters/+/readings', 'wattproof/v1/meters/readings', false],
    ['wattproof/v1/meters/+/readings', 'wattproof/v1/meters/a/b/readings', false],
    ['wattproof/#', 'wattproof', true],
    ['wattproof/#', 'wattproof/v1/x', true],
    ['#', '$SYS/broker', false],
    ['+/x', '$SYS/x', false],
    ['$SYS/#', '$SYS/broker', true],
    ['a/+', 'a/', true],
    ['$share/g/a/+/r', 'a/m/r', true],
    ['a/b', 'a/b/c', false],
  ])('%s vs %s → %s', (filter, topic, expected) => {
    expect(topicMatches(filter, topic)).toBe(expected);
  });

  it.each(['', 'a/#/b', 'a/b#', 'a+/b'])('rejects the malformed filter "%s"', (f) => {
    expect(() => assertTopicFilter(f)).toThrow(RangeError);
  });
});

describe('when parsing broker URLs', () => {
  it('fills in the default ports and keeps credentials out of the display form', () => {
    expect(parseBrokerUrl('mqtt://broker.example')).toMatchObject({
      secure: false,
      host: 'broker.example',
      port: 1883,
      display: 'mqtt://broker.example:1883',
    });
    expect(parseBrokerUrl('mqtts://u%40x:p%2F@[::1]:9000/')).toMatchObject({
      secure: true,
      host: '::1',
      port: 9000,
      username: 'u@x',
      password: 'p/',
      display: 'mqtts://[::1]:9000',
    });
    expect(parseBrokerUrl('tls://b').port).toBe(8883);
  });
});
