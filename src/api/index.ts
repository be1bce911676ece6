/**
 * The HTTP API: C2SP tlog-tiles under `/log/`, the log description at `/v1/log`, proofs,
 * bundles, readings, erasure, registry, tokens and quarantine, the token rate limit and the
 * OpenAPI document at `/docs` (DESIGN.md decisions 3 and 11).
 */
export { acceptsGzip } from './accept-encoding.ts';
export {
  accessLogLine,
  installAccessLog,
  type AccessLogLine,
  type AccessLogSink,
} from './access-log.ts';
export { buildApp, type BuildAppOptions } from './app.ts';
export {
  ApiError,
  type ApiErrorCode,
  type ErrorBody,
  type ErrorResponse,
  errorResponseFor,
  frameworkErrorHandler,
  HTTP_STATUS_BY_CODE,
  installErrorHandling,
  sendError,
} from './errors.ts';
export {
  checkHttpSettings,
  DEFAULT_HTTP_SETTINGS,
  fastifyServerOptions,
  isLoopbackHost,
  parseTrustProxy,
  plaintextWarning,
  type HttpSettings,
  type TlsFiles,
} from './http-settings.ts';
export {
  IN_FLIGHT_RETRY_AFTER_SECONDS,
  InFlightLimiter,
  type InFlightLimits,
} from './in-flight.ts';
export { assertKnownMeters, type MeterDirectory } from './meters.ts';
export { DOCS_PREFIX, registerDocsUi, registerOpenApi } from './openapi.ts';
export {
  DEFAULT_RATE_LIMIT_PER_MINUTE,
  installTokenRateLimit,
  isTokenRoute,
  rateLimitKey,
  type TokenRateLimitOptions,
} from './rate-limit.ts';
export { ReadingsCursor, type CursorQuery } from './readings-cursor.ts';
export { listRoutes, recordRoutes, type CatalogRoute } from './route-catalog.ts';
export {
  erasureJson,
  erasureRoutes,
  MAX_ERASURE_REASON,
  MAX_ERASURES_PAGE,
  type ErasureJson,
  type ErasureRoutesOptions,
} from './routes/erasures.ts';
export {
  DEFAULT_READINGS_IN_FLIGHT,
  DEFAULT_READINGS_PAGE,
  MAX_READINGS_PAGE,
  MAX_READINGS_PAGE_BYTES,
  readingRoutes,
  type ErasedReadingJson,
  type ReadingJson,
  type ReadingRoutesOptions,
} from './routes/readings.ts';
export { logInfoRoutes, type LogInfo, type LogInfoRoutesOptions } from './routes/log-info.ts';
export {
  CHECKPOINT_CACHE_CONTROL,
  logRoutes,
  type LogRoutesOptions,
  TILE_CACHE_CONTROL,
} from './routes/log.ts';
export {
  bundleRoutes,
  DEFAULT_BUNDLE_IN_FLIGHT,
  MAX_BUNDLE_METERS,
  type BundleRoutesOptions,
} from './routes/bundles.ts';
export { startServer, type ListenOptions, type RunningServer } from './server.ts';
export { openApiTransport, type ApiTransport, type ApiTransportConfig } from './transport.ts';
export { exactEntryBundle, exactHashTile } from './tile-body.ts';
export { bootstrapOperatorToken } from './auth/bootstrap.ts';
export { requireRole } from './auth/require-role.ts';
export { MAX_LABEL_LENGTH, TOKEN_ROLES, TokenStore } from './auth/token-store.ts';
export type { TokenRole } from './auth/token-store.ts';
export { indexRoutes } from './routes/index-proofs.ts';
export { exportRoutes, MAX_EXPORT_PAGE, type ExportedEntryJson } from './routes/export-entries.ts';
export type { IndexEpochView, IndexRoutesOptions, IndexSource } from './routes/index-proofs.ts';
export { metricsRoute } from './routes/metrics.ts';
export { proofRoutes } from './routes/proofs.ts';
export { quarantineRoutes } from './routes/quarantine.ts';
export { registryRoutes } from './routes/registry.ts';
export type {
  BrokerCredentialHashJson,
  BrokerCredentialJson,
  SignerJson,
} from './routes/registry.ts';
export { tokenRoutes } from './routes/tokens.ts';
export type { TokenJson } from './routes/tokens.ts';
export { verifierRoutes } from './routes/verifier.ts';
