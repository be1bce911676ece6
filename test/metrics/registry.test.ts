import { describe, expect, it } from 'vitest';
import { escapeHelp, escapeLabelValue, formatValue } from '../../src/metrics/exposition.ts';
import { IngestMetrics } from '../../src/metrics/ingest-metrics.ts';
import { MetricsRegistry } from '../../src/metrics/registry.ts';

describe('when rendering the text exposition format 0.0.4', () => {
  it('matches the golden text for counters, gauges and histograms', () => {
    const r = new MetricsRegistry();
    const requests = r.counter('http_requests_total', 'Requests.\nBy "code" \\ method.', [
      'method',
      'code',
    ]);
    requests.inc({ method: 'post', code: '200' }, 1027);
    requests.inc({ method: 'post', code: '400' }, 3);
    requests.inc({ method: 'get', code: 'a"b\\c\nd' });
    r.counter('ticks_total', 'Ticks.');
    let temp = 0;
    r.gauge('temperature_celsius', 'Temperature.', [], (g) => g.set(temp));
    temp = -1.5;
    const up = r.gauge('up', 'Up by node.', ['node']);
    up.set({ node: 'a' }, 1);
    up.set({ node: 'b' }, NaN);
    const h = r.histogram('request_seconds', 'Latency.', { buckets: [0.05, 0.5, 1] });
    h.observe(0.05);
    h.observe(0.3);
    h.observe(7);
    const lh = r.histogram('size_bytes', 'Sizes.', { buckets: [10], labelNames: ['kind'] });
    lh.observe({ kind: 'x' }, Infinity);

    expect(r.render()).toBe(
      [
        '# HELP http_requests_total Requests.\\nBy "code" \\\\ method.',
        '# TYPE http_requests_total counter',
        'http_requests_total{method="post",code="200"} 1027',
        'http_requests_total{method="post",code="400"} 3',
        'http_requests_total{method="get",code="a\\"b\\\\c\\nd"} 1',
        '# HELP ticks_total Ticks.',
        '# TYPE ticks_total counter',
        'ticks_total 0',
        '# HELP temperature_celsius Temperature.',
        '# TYPE temperature_celsius gauge',
        'temperature_celsius -1.5',
        '# HELP up Up by node.',
        '# TYPE up gauge',
        'up{node="a"} 1',
        'up{node="b"} NaN',
        '# HELP request_seconds Latency.',
        '# TYPE request_seconds histogram',
        'request_seconds_bucket{le="0.05"} 1',
        'request_seconds_bucket{le="0.5"} 2',
        'request_seconds_bucket{le="1"} 2',
        'request_seconds_bucket{le="+Inf"} 3',
        'request_seconds_sum 7.35',
        'request_seconds_count 3',
        '# HELP size_bytes Sizes.',
        '# TYPE size_bytes histogram',
        'size_bytes_bucket{kind="x",le="10"} 0',
        'size_bytes_bucket{kind="x",le="+Inf"} 1',
        'size_bytes_sum{kind="x"} +Inf',
        'size_bytes_count{kind="x"} 1',
        '',
      ].join('\n'),
    );
  });

  it('escapes and formats like the Prometheus text parser expects', () => {
    expect(escapeHelp('a\\b\nc"')).toBe('a\\\\b\\nc"');
    expect(escapeLabelValue('a\\b\nc"')).toBe('a\\\\b\\nc\\"');
    expect([Infinity, -Infinity, NaN, 0.1, 1e-7, 12].map(formatValue)).toEqual([
      '+Inf',
      '-Inf',
      'NaN',
      '0.1',
      '1e-7',
      '12',
    ]);
  });
});

describe('when parts register metrics', () => {
  it('returns the same metric for the same definition and refuses a conflicting one', () => {
    const r = new MetricsRegistry();
    const a = r.counter('x_total', 'X.', ['k']);
    expect(r.counter('x_total', 'X.', ['k'])).toBe(a);
    expect(() => r.gauge('x_total', 'X.', ['k'])).toThrow(RangeError);
    expect(() => r.counter('x_total', 'X.', ['j'])).toThrow(RangeError);
  });

  it('refuses invalid names, reserved labels and bad buckets', () => {
    const r = new MetricsRegistry();
    expect(() => r.counter('1x', 'X.')).toThrow(RangeError);
    expect(() => r.counter('x', 'X.', ['__a'])).toThrow(RangeError);
    expect(() => r.counter('y', 'Y.', ['a', 'a'])).toThrow(RangeError);
    expect(() => r.histogram('h', 'H.', { labelNames: ['le'] })).toThrow(RangeError);
    expect(() => r.histogram('h2', 'H.', { buckets: [1, 1] })).toThrow(RangeError);
  });

  it('refuses missing or unknown labels and negative counter increments', () => {
    const r = new MetricsRegistry();
    const c = r.counter('c_total', 'C.', ['a']);
    expect(() => c.inc()).toThrow(TypeError);
    expect(() => c.inc({ a: 'x', b: 'y' } as never)).toThrow(TypeError);
    expect(() => c.inc({ a: 'x' }, -1)).toThrow(RangeError);
    const g = r.gauge('g', 'G.');
    g.inc(5);
    g.dec(2);
    expect(g.get()).toBe(3);
  });

  it('registers the ingest metrics with live gauges', () => {
    const r = new MetricsRegistry();
    let q = 4;
    const m = new IngestMetrics(r, { quarantineRecords: () => q, metersFlagged: () => 2 });
    m.rejections.inc({ code: 'BAD_SIGNATURE' });
    q = 5;
    const text = r.render();
    expect(text).toContain('\ningest_rejections_total{code="BAD_SIGNATURE"} 1\n');
    expect(text).toContain('\nquarantine_records 5\n');
    expect(text).toContain('\nmeters_flagged 2\n');
    expect(text).toContain('# TYPE ingest_check_duration_seconds histogram\n');
    expect(text).toContain('\ningest_batch_size_bucket{le="+Inf"} 0\n');
    expect(text).toContain('\ningest_duplicates_total 0\n');
  });
});
