/**
 * API authentication: bearer tokens stored hashed, roles `operator` and `issuer`, the
 * `requireRole` hook, and the first operator token (DESIGN.md decision 11; RFC 6750).
 */
export { bootstrapOperatorToken } from './bootstrap.ts';
export type { BootstrapResult } from './bootstrap.ts';
export { AuthError } from './errors.ts';
export type { AuthErrorCode } from './errors.ts';
export { AUTH_REALM, authenticatedToken, bearerToken, requireRole } from './require-role.ts';
export type { AuthHook } from './require-role.ts';
export { MAX_LABEL_LENGTH, TOKEN_PREFIX, TOKEN_ROLES, TokenStore } from './token-store.ts';
export type { CreatedToken, TokenInfo, TokenRole } from './token-store.ts';
