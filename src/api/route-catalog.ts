/**
 * Every route an app registers, as registered (method, URL, schema), so tests and docs can
 * check that each one is described in the OpenAPI document, under its role tag.
 */
import type { FastifyInstance, FastifySchema } from 'fastify';

/** A registered route. */
export interface CatalogRoute {
  readonly method: string;
  readonly url: string;
  readonly schema:
    | (FastifySchema & {
        hide?: boolean;
        security?: unknown;
        /** The role the route is documented under (`openapi.ts` ROLE_TAGS). */
        tags?: readonly string[];
        description?: string;
      })
    | undefined;
}

const catalogs = new WeakMap<FastifyInstance, CatalogRoute[]>();

/** Starts recording routes of `app` (and of every plugin registered inside it). */
export function recordRoutes(app: FastifyInstance): void {
  const routes: CatalogRoute[] = [];
  catalogs.set(app, routes);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      routes.push({ method, url: route.url, schema: route.schema as CatalogRoute['schema'] });
    }
  });
}

/** The routes recorded for `app`, in registration order (empty if it was not recording). */
export function listRoutes(app: FastifyInstance): readonly CatalogRoute[] {
  return catalogs.get(app) ?? [];
}
