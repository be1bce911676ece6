/**
 * `GET /metrics`: the node's metrics in the Prometheus text exposition format 0.0.4
 * (DESIGN.md decision 11).
 */
import type { FastifyPluginAsync } from 'fastify';
import { PROMETHEUS_CONTENT_TYPE } from '../../metrics/index.ts';
import type { MetricsRegistry } from '../../metrics/index.ts';
import { errorResponses } from '../schemas/error.ts';

/** Options of {@link metricsRoute}. */
export interface MetricsRouteOptions {
  /** The registry every part of the node registers its metrics on. */
  registry: MetricsRegistry;
}

const metricsResponses = {
  200: {
    description: 'Prometheus text exposition format 0.0.4.',
    headers: { 'cache-control': { type: 'string', description: 'no-store' } },
    content: { [PROMETHEUS_CONTENT_TYPE]: { schema: { type: 'string' } } },
  },
  500: errorResponses[500],
} as const;

const noQuerySchema = { type: 'object', additionalProperties: false, properties: {} } as const;

/** Registers `GET /metrics` (full path: register without a prefix). */
export const metricsRoute: FastifyPluginAsync<MetricsRouteOptions> = async (app, { registry }) => {
  app.get(
    '/metrics',
    {
      schema: {
        summary: 'Metrics, Prometheus text format 0.0.4',
        tags: ['operator'],
        params: noQuerySchema,
        querystring: noQuerySchema,
        response: metricsResponses,
      },
    },
    async (_request, reply) =>
      reply
        .header('content-type', PROMETHEUS_CONTENT_TYPE)
        .header('cache-control', 'no-store')
        .send(registry.render()),
  );
};
