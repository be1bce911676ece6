/**
 * Errors of API authentication and token management (DESIGN.md decision 11; RFC 6750).
 */
import { WattproofError } from '../../core/errors.ts';

/**
 * Why a request or a token operation was refused:
 * - `UNAUTHORIZED`: no bearer token, or one that is unknown, malformed or revoked (401).
 * - `FORBIDDEN`: a valid token whose role may not use the route (403).
 * - `TOKEN_NOT_FOUND`: no token has this id (404).
 * - `TOKEN_REVOKED`: the token is revoked already (409).
 * - `LAST_OPERATOR_TOKEN`: revoking it would leave no operator token (409).
 */
export type AuthErrorCode =
  'UNAUTHORIZED' | 'FORBIDDEN' | 'TOKEN_NOT_FOUND' | 'TOKEN_REVOKED' | 'LAST_OPERATOR_TOKEN';

/** An authentication or token management failure. */
export class AuthError extends WattproofError<AuthErrorCode> {}
