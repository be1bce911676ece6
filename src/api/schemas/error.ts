/**
 * JSON schema of the body of every error response: `{ error: { code, message } }`.
 */

/** Schema of `ErrorBody` (`../errors.ts`). */
export const errorBodySchema = {
  type: 'object',
  description: 'Error: a stable machine-readable code and a human message.',
  required: ['error'],
  additionalProperties: false,
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      additionalProperties: false,
      properties: {
        code: { type: 'string', description: 'Stable error code, e.g. NOT_FOUND, MALFORMED_PATH.' },
        message: { type: 'string' },
      },
    },
  },
} as const;

/** The error responses every route may give: 400, 404 and 500 (details hidden). */
export const errorResponses = {
  400: { ...errorBodySchema, description: 'Malformed request.' },
  404: { ...errorBodySchema, description: 'No such resource (yet).' },
  500: { ...errorBodySchema, description: 'Internal error; details are logged, not sent.' },
} as const;

/** Name of the bearer-token security scheme in the OpenAPI document (RFC 6750). */
export const BEARER_SCHEME = 'bearerToken';

/**
 * The `security` of a route that takes a bearer token (OpenAPI 3.1 §4.8.30). The token rate
 * limit (`../rate-limit.ts`) applies to exactly the routes that declare it.
 */
export const bearerSecurity = [{ [BEARER_SCHEME]: [] }] as const;

/** The error responses of a route that takes a token of `role`: 401, 403 and 429. */
export function tokenErrorResponses(role: string) {
  return {
    401: { ...errorBodySchema, description: 'No bearer token, or an unknown or revoked one.' },
    403: { ...errorBodySchema, description: `The token does not have the ${role} role.` },
    429: {
      ...errorBodySchema,
      description: 'Too many requests with this token (or from this address without one).',
      headers: {
        'retry-after': { type: 'integer', description: 'Seconds until the limit resets.' },
      },
    },
  } as const;
}
