import { fastify } from 'fastify';
import { describe, expect, it } from 'vitest';
import { installErrorHandling } from '../../src/api/errors.ts';
import { metricsRoute } from '../../src/api/routes/metrics.ts';
import { MetricsRegistry } from '../../src/metrics/registry.ts';

describe('when /metrics is scraped', () => {
  it('serves the registry as text/plain; version=0.0.4', async () => {
    const registry = new MetricsRegistry();
    registry.counter('scrapes_total', 'Scrapes.').inc(2);
    const app = fastify();
    installErrorHandling(app);
    await app.register(metricsRoute, { registry });
    try {
      const res = await app.inject({ method: 'GET', url: '/metrics' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body).toBe(registry.render());
      expect(res.body).toContain('\nscrapes_total 2\n');
    } finally {
      await app.close();
    }
  });
});
