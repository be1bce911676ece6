/**
 * The HTTP API: C2SP tlog-tiles under `/log/`, the log description at `/v1/log`
 * (DESIGN.md decisions 3 and 11).
 */
export { acceptsGzip } from './accept-encoding.ts';
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
export { logInfoRoutes, type LogInfo, type LogInfoRoutesOptions } from './routes/log-info.ts';
export {
  CHECKPOINT_CACHE_CONTROL,
  logRoutes,
  type LogRoutesOptions,
  TILE_CACHE_CONTROL,
} from './routes/log.ts';
export { startServer, type ListenOptions, type RunningServer } from './server.ts';
export { exactEntryBundle, exactHashTile } from './tile-body.ts';
