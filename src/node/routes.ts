/**
 * The node's HTTP routes beyond `/log/` and `/v1/log` (DESIGN.md decision 11), the verifier page
 * at `/verify/` among them, in one place so that the node and the API tests mount exactly the
 * same routes under the same prefixes.
 */
import type { FastifyInstance } from 'fastify';
import type { TokenStore } from '../api/index.ts';
import { requireRole } from '../api/index.ts';
import { InFlightLimiter } from '../api/index.ts';
import { bundleRoutes, DEFAULT_BUNDLE_IN_FLIGHT, type BundleRoutesOptions } from '../api/index.ts';
import { erasureRoutes } from '../api/index.ts';
import { indexRoutes, type IndexSource } from '../api/index.ts';
import { exportRoutes } from '../api/index.ts';
import { metricsRoute } from '../api/index.ts';
import { proofRoutes } from '../api/index.ts';
import { quarantineRoutes } from '../api/index.ts';
import { DEFAULT_READINGS_IN_FLIGHT, readingRoutes } from '../api/index.ts';
import { registryRoutes } from '../api/index.ts';
import { tokenRoutes } from '../api/index.ts';
import { verifierRoutes } from '../api/index.ts';
import type { Quarantine } from '../ingest/index.ts';
import type { Ledger } from '../ledger/index.ts';
import type { MerkleLog } from '../log/index.ts';
import type { BundleLimits } from '../bundle/index.ts';
import type { MetricsRegistry } from '../metrics/index.ts';
import { registerHttpMetrics } from '../metrics/index.ts';
import type { Registry } from '../registry/index.ts';

/** What the routes serve. */
export interface NodeRouteParts {
  readonly log: MerkleLog;
  readonly ledger: Ledger;
  readonly registry: Registry;
  readonly tokens: TokenStore;
  readonly quarantine: Quarantine;
  readonly metrics: MetricsRegistry;
  /** What bundles are built from (with the anchor store when the node anchors). */
  readonly bundleSource: BundleRoutesOptions['source'];
  /** The checkpoint bundles are built at: the cosigned one when witnesses are configured. */
  readonly checkpoint: () => Promise<Uint8Array | undefined>;
  /** Key of the readings route's cursors (tests); fresh and random by default. */
  readonly cursorKey?: Uint8Array;
  /** What one bundle may hold (docs/bundle.md §Limits); the route's defaults when absent. */
  readonly bundleLimits?: BundleLimits;
  /** The verifiable index; its routes are served only when the node keeps one. */
  readonly index?: IndexSource;
}

/**
 * The `routes` option of `buildApp` for a node. The expensive routes (bundles, readings) share
 * one in-flight limiter each, counted in `/metrics` (`http_in_flight`, …).
 */
export function nodeRoutes(p: NodeRouteParts): (app: FastifyInstance) => Promise<void> {
  const { log, ledger, registry, tokens } = p;
  const bundles = new InFlightLimiter('bundle requests', DEFAULT_BUNDLE_IN_FLIGHT);
  const readings = new InFlightLimiter('readings pages', DEFAULT_READINGS_IN_FLIGHT);
  registerHttpMetrics(p.metrics, { bundle: bundles, readings });
  return async (a) => {
    await a.register(registryRoutes, { prefix: '/v1', registry, tokens });
    await a.register(tokenRoutes, { prefix: '/v1', tokens });
    await a.register(quarantineRoutes, {
      prefix: '/v1',
      quarantine: p.quarantine,
      requireOperator: requireRole(tokens, 'operator'),
    });
    await a.register(metricsRoute, { registry: p.metrics });
    await a.register(proofRoutes, { prefix: '/v1', log });
    await a.register(exportRoutes, {
      prefix: '/v1',
      tokens,
      records: (from, to) => ledger.records(from, to),
      publishedSize: () => log.publishedSize(),
    });
    if (p.index !== undefined) {
      await a.register(indexRoutes, {
        prefix: '/v1',
        index: p.index,
        tokens,
        entry: async (i) => {
          const r = await ledger.record(i);
          return r === undefined || r.erased ? undefined : { salt: r.salt, bytes: r.bytes };
        },
      });
    }
    await a.register(bundleRoutes, {
      prefix: '/v1',
      tokens,
      source: p.bundleSource,
      checkpoint: p.checkpoint,
      inFlight: bundles,
      ...(p.bundleLimits === undefined ? {} : { limits: p.bundleLimits }),
    });
    await a.register(readingRoutes, {
      prefix: '/v1',
      tokens,
      ledger,
      log,
      registry,
      inFlight: readings,
      ...(p.cursorKey === undefined ? {} : { cursorKey: p.cursorKey }),
    });
    await a.register(erasureRoutes, { prefix: '/v1', tokens, ledger, registry });
    await a.register(verifierRoutes);
  };
}
