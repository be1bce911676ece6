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
