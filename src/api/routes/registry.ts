/**
 * The key registry over HTTP (DESIGN.md decisions 6 and 11; docs/registry.md §API), operator
 * token only:
 * - `POST <prefix>/registry/signers`: register a device or platform key (201; 409 if the id is
 *   taken), answering with the signer's broker credential, shown this once;
 * - `POST <prefix>/registry/signers/:signerId/revoke`: revoke it (200; 404, 409), which also
 *   ends its broker access;
 * - `POST <prefix>/registry/signers/:signerId/broker-credential`: issue a new broker credential,
 *   the old one stops working (201; 404, 409 if revoked);
 * - `GET <prefix>/registry/signers`: list every signer;
 * - `GET <prefix>/registry/signers/:signerId`: one signer (404 if unknown);
 * - `GET <prefix>/registry/broker-credentials`: the credential hashes of every active signer,
 *   in Mosquitto's password-file format, for `wattproof broker-config`.
 * The app registers the plugin under `/v1`. Changes answer once their log entry is committed.
 */
import type { FastifyPluginAsync } from 'fastify';
import { fromBase64, toBase64 } from '../../core/bytes.ts';
import {
  MAX_METERS,
  MAX_REASON_LENGTH,
  normalizeSignerPublicKey,
  TRUST_MODES,
  SIGNER_KEY_TYPES,
  RegistryError,
} from '../../core/registry/index.ts';
import type { TrustMode, SignerKeyType } from '../../core/registry/index.ts';
import { SignerRegistryError } from '../../registry/index.ts';
import type {
  BrokerCredential,
  IssuedBrokerCredential,
  RegisteredSigner,
  Registry,
  RegistryChange,
} from '../../registry/index.ts';
import { requireRole } from '../auth/require-role.ts';
import type { TokenStore } from '../auth/token-store.ts';
import { bearerSecurity, errorBodySchema, tokenErrorResponses } from '../schemas/error.ts';

/** Options of {@link registryRoutes}. */
export interface RegistryRoutesOptions {
  readonly registry: Registry;
  readonly tokens: TokenStore;
}

/** A signer as the API shows it. */
export interface SignerJson {
  signerId: string;
  mode: TrustMode;
  keyType: SignerKeyType;
  /** Base64 (RFC 4648 §4) of the registered key bytes. */
  publicKey: string;
  meters: string[];
  ratedCapacityW: number;
  /** Leaf index of the registration entry. */
  registrationIndex: number;
  /** Issued-at time of the registration, ISO 8601 UTC. */
  registeredAt: string;
  revocationIndex?: number;
  revokedAt?: string;
  revocationReason?: string;
  /** When its current broker credential was issued, ISO 8601 UTC; absent: it has none. */
  brokerCredentialIssuedAt?: string;
}

/** A broker credential as issued: shown once, never stored in clear. */
export interface BrokerCredentialJson {
  /** MQTT user name: the signer id. */
  username: string;
  /** MQTT password. */
  password: string;
  /** ISO 8601 UTC. */
  issuedAt: string;
}

/** A stored broker credential: the hash only. */
export interface BrokerCredentialHashJson {
  signerId: string;
  /** `$7$<iterations>$<salt>$<hash>` (Mosquitto password file, PBKDF2-SHA512). */
  passwordHash: string;
  issuedAt: string;
}

const ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$';
const MAX_KEY_TEXT = 8192;

const idSchema = {
  type: 'string',
  pattern: ID_PATTERN,
  description: 'Signer or meter id.',
} as const;

const signerSchema = {
  type: 'object',
  required: [
    'signerId',
    'mode',
    'keyType',
    'publicKey',
    'meters',
    'ratedCapacityW',
    'registrationIndex',
    'registeredAt',
  ],
  properties: {
    signerId: { type: 'string' },
    mode: { type: 'string', enum: TRUST_MODES },
    keyType: { type: 'string', enum: SIGNER_KEY_TYPES },
    publicKey: { type: 'string', description: 'Base64 of the registered key bytes.' },
    meters: { type: 'array', items: { type: 'string' } },
    ratedCapacityW: { type: 'integer' },
    registrationIndex: { type: 'integer', description: 'Leaf index of the registration entry.' },
    registeredAt: { type: 'string', format: 'date-time' },
    revocationIndex: { type: 'integer', description: 'Leaf index of the revocation entry.' },
    revokedAt: { type: 'string', format: 'date-time' },
    revocationReason: { type: 'string' },
    brokerCredentialIssuedAt: {
      type: 'string',
      format: 'date-time',
      description: 'When its current broker credential was issued; absent: it has none.',
    },
  },
} as const;

const credentialSchema = {
  type: 'object',
  required: ['username', 'password', 'issuedAt'],
  description:
    'The MQTT login of the signer (docs/mqtt.md §Access control). Shown once: the node keeps only a hash.',
  properties: {
    username: { type: 'string', description: 'MQTT user name: the signer id.' },
    password: { type: 'string', description: 'MQTT password.' },
    issuedAt: { type: 'string', format: 'date-time' },
  },
} as const;

const changeSchema = {
  type: 'object',
  required: ['signer', 'entry'],
  properties: {
    signer: signerSchema,
    entry: {
      type: 'object',
      required: ['index', 'treeSize'],
      properties: {
        index: { type: 'integer', description: 'Leaf index of the new entry.' },
        treeSize: {
          type: 'integer',
          description: 'Size of the first checkpoint that includes it.',
        },
      },
    },
  },
} as const;

const registerSchema = {
  ...changeSchema,
  required: [...changeSchema.required, 'credential'],
  properties: { ...changeSchema.properties, credential: credentialSchema },
} as const;

const errors = {
  400: { ...errorBodySchema, description: 'Malformed request or invalid field.' },
  ...tokenErrorResponses('operator'),
  500: { ...errorBodySchema, description: 'Internal error; details are logged, not sent.' },
} as const;

const registerBody = {
  type: 'object',
  required: ['signerId', 'mode', 'keyType', 'publicKey', 'meters', 'ratedCapacityW'],
  additionalProperties: false,
  properties: {
    signerId: {
      ...idSchema,
      description: 'COSE kid and CWT iss of its readings; for OCMF, the meter serial.',
    },
    mode: { type: 'string', enum: TRUST_MODES },
    keyType: { type: 'string', enum: SIGNER_KEY_TYPES },
    publicKey: {
      type: 'string',
      minLength: 1,
      maxLength: MAX_KEY_TEXT,
      description:
        'Base64 (RFC 4648 §4) of the key bytes, or a PEM PUBLIC KEY block. Ed25519: 32 bytes or SPKI; P-256: 65/33-byte SEC 1 point or SPKI; OCMF: DER SPKI.',
    },
    meters: { type: 'array', minItems: 1, maxItems: MAX_METERS, items: idSchema },
    ratedCapacityW: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
  },
} as const;

const revokeBody = {
  type: 'object',
  required: ['reason'],
  additionalProperties: false,
  properties: { reason: { type: 'string', minLength: 1, maxLength: MAX_REASON_LENGTH } },
} as const;

const signerParams = {
  type: 'object',
  required: ['signerId'],
  additionalProperties: false,
  properties: { signerId: idSchema },
} as const;

const noParams = { type: 'object', additionalProperties: false, properties: {} } as const;

interface RegisterBody {
  signerId: string;
  mode: TrustMode;
  keyType: SignerKeyType;
  publicKey: string;
  meters: string[];
  ratedCapacityW: number;
}

const iso = (unixSeconds: number): string => new Date(unixSeconds * 1000).toISOString();

/** The API view of a signer, with when its broker credential was issued (if it has one). */
export function signerJson(s: RegisteredSigner, credential?: BrokerCredential): SignerJson {
  const out: SignerJson = {
    signerId: s.signerId,
    mode: s.mode,
    keyType: s.keyType,
    publicKey: toBase64(s.publicKey),
    meters: [...s.meters],
    ratedCapacityW: s.ratedCapacityW,
    registrationIndex: s.registeredAt,
    registeredAt: iso(s.issuedAt),
  };
  if (s.revokedAt !== undefined) out.revocationIndex = s.revokedAt;
  if (s.revokedIssuedAt !== undefined) out.revokedAt = iso(s.revokedIssuedAt);
  if (s.revocationReason !== undefined) out.revocationReason = s.revocationReason;
  if (credential !== undefined) out.brokerCredentialIssuedAt = iso(credential.issuedAt);
  return out;
}

function credentialJson(c: IssuedBrokerCredential): BrokerCredentialJson {
  return { username: c.username, password: c.password, issuedAt: iso(c.issuedAt) };
}

function changeJson(
  c: RegistryChange,
  registry: Registry,
): {
  signer: SignerJson;
  entry: { index: number; treeSize: number };
  credential?: BrokerCredentialJson;
} {
  return {
    signer: signerJson(c.signer, registry.brokerCredential(c.signer.signerId)),
    entry: { index: c.index, treeSize: c.size },
    ...(c.credential === undefined ? {} : { credential: credentialJson(c.credential) }),
  };
}

const PEM_RE = /^-----BEGIN PUBLIC KEY-----\s*([A-Za-z0-9+/=\s]+?)\s*-----END PUBLIC KEY-----\s*$/;

/**
 * Key bytes from the request text: a PEM `PUBLIC KEY` block (RFC 7468 §13) or strict base64
 * (RFC 4648 §4). Throws `INVALID_FIELD` (400) otherwise.
 */
export function keyBytesFromText(text: string): Uint8Array {
  const pem = PEM_RE.exec(text.trim());
  const b64 = pem === null ? text.trim() : pem[1]!.replace(/\s+/g, '');
  try {
    return fromBase64(b64);
  } catch {
    throw new RegistryError(
      'INVALID_FIELD',
      'publicKey: neither strict base64 (RFC 4648 §4, with padding) nor a PEM PUBLIC KEY block',
      { evidence: { field: 'publicKey' } },
    );
  }
}

/** Registers the registry routes (see the file comment); every route needs an operator token. */
export const registryRoutes: FastifyPluginAsync<RegistryRoutesOptions> = async (
  app,
  { registry, tokens },
) => {
  app.addHook('onRequest', requireRole(tokens, 'operator'));
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('cache-control', 'no-store');
    return payload;
  });

  app.post<{ Body: RegisterBody }>(
    '/registry/signers',
    {
      schema: {
        summary: 'Register a device or platform key',
        tags: ['operator'],
        security: bearerSecurity,
        params: noParams,
        querystring: noParams,
        body: registerBody,
        response: {
          201: registerSchema,
          ...errors,
          409: { ...errorBodySchema, description: 'The signer id is taken.' },
        },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const publicKey = normalizeSignerPublicKey(b.keyType, keyBytesFromText(b.publicKey));
      const change = await registry.register({ ...b, publicKey });
      return reply.code(201).send(changeJson(change, registry));
    },
  );

  app.post<{ Params: { signerId: string }; Body: { reason: string } }>(
    '/registry/signers/:signerId/revoke',
    {
      schema: {
        summary: 'Revoke a key',
        tags: ['operator'],
        security: bearerSecurity,
        params: signerParams,
        querystring: noParams,
        body: revokeBody,
        response: {
          200: changeSchema,
          ...errors,
          404: { ...errorBodySchema, description: 'No such signer.' },
          409: { ...errorBodySchema, description: 'The signer is revoked already.' },
        },
      },
    },
    async (request) =>
      changeJson(await registry.revoke(request.params.signerId, request.body.reason), registry),
  );

  app.post<{ Params: { signerId: string } }>(
    '/registry/signers/:signerId/broker-credential',
    {
      schema: {
        summary: 'Issue a new broker credential (the old one stops working)',
        tags: ['operator'],
        security: bearerSecurity,
        params: signerParams,
        querystring: noParams,
        response: {
          201: {
            type: 'object',
            required: ['credential'],
            properties: { credential: credentialSchema },
          },
          ...errors,
          404: { ...errorBodySchema, description: 'No such signer.' },
          409: { ...errorBodySchema, description: 'The signer is revoked.' },
        },
      },
    },
    async (request, reply) => {
      const c = await registry.issueBrokerCredential(request.params.signerId);
      return reply.code(201).send({ credential: credentialJson(c) });
    },
  );

  app.get(
    '/registry/broker-credentials',
    {
      schema: {
        summary: 'Broker credential hashes of every active signer (for wattproof broker-config)',
        tags: ['operator'],
        security: bearerSecurity,
        params: noParams,
        querystring: noParams,
        response: {
          200: {
            type: 'object',
            required: ['credentials'],
            properties: {
              credentials: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['signerId', 'passwordHash', 'issuedAt'],
                  properties: {
                    signerId: { type: 'string' },
                    passwordHash: {
                      type: 'string',
                      description: 'Mosquitto password-file hash, $7$ (PBKDF2-SHA512).',
                    },
                    issuedAt: { type: 'string', format: 'date-time' },
                  },
                },
              },
            },
          },
          ...errors,
        },
      },
    },
    async (): Promise<{ credentials: BrokerCredentialHashJson[] }> => ({
      credentials: registry.brokerCredentials().map((c) => ({
        signerId: c.signerId,
        passwordHash: c.passwordHash,
        issuedAt: iso(c.issuedAt),
      })),
    }),
  );

  app.get(
    '/registry/signers',
    {
      schema: {
        summary: 'Every registered signer',
        tags: ['operator'],
        security: bearerSecurity,
        params: noParams,
        querystring: noParams,
        response: {
          200: {
            type: 'object',
            required: ['signers'],
            properties: { signers: { type: 'array', items: signerSchema } },
          },
          ...errors,
        },
      },
    },
    async () => ({
      signers: registry.list().map((s) => signerJson(s, registry.brokerCredential(s.signerId))),
    }),
  );

  app.get<{ Params: { signerId: string } }>(
    '/registry/signers/:signerId',
    {
      schema: {
        summary: 'One signer',
        tags: ['operator'],
        security: bearerSecurity,
        params: signerParams,
        querystring: noParams,
        response: {
          200: signerSchema,
          ...errors,
          404: { ...errorBodySchema, description: 'No such signer.' },
        },
      },
    },
    async (request) => {
      const s = registry.get(request.params.signerId);
      if (s === undefined) {
        throw new SignerRegistryError(
          'SIGNER_NOT_FOUND',
          `no signer "${request.params.signerId}" is registered`,
        );
      }
      return signerJson(s, registry.brokerCredential(s.signerId));
    },
  );
};
