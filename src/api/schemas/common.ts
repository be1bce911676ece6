/**
 * Schema pieces shared by the token routes: meter ids and periods of Unix seconds.
 */

/** Pattern of signer and meter ids (docs/registry.md). */
export const ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$';

/** A meter id. */
export const meterIdSchema = {
  type: 'string',
  pattern: ID_PATTERN,
  description: 'Meter id.',
} as const;

/** Start of a period: Unix seconds, inclusive (compared with interval starts). */
export const fromSchema = {
  type: 'integer',
  minimum: 0,
  maximum: Number.MAX_SAFE_INTEGER,
  description: 'Period start, Unix seconds, inclusive (interval starts).',
} as const;

/** End of a period: Unix seconds, exclusive. */
export const toSchema = {
  type: 'integer',
  minimum: 1,
  maximum: Number.MAX_SAFE_INTEGER,
  description: 'Period end, Unix seconds, exclusive.',
} as const;

/** No parameters (params or querystring of a route that takes none). */
export const emptyObjectSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {},
} as const;
