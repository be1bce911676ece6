/**
 * API bearer tokens (RFC 6750), stored hashed (DESIGN.md decision 11; docs/registry.md §Tokens).
 *
 * A token is `wpt_<id>_<secret>`: `id` 16 lowercase hex digits (8 random bytes, public: it
 * names the token in listings), `secret` 43 base64url characters (32 random bytes, RFC 4648
 * §5, no padding). The node keeps only SHA-256 of the whole token string, with the role, label,
 * creation and revocation times, under `KeyPrefix.token` (0x50) keyed by id; a presented
 * token is looked up by id and its hash compared in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { decodeCbor, encodeCbor } from '../../core/cbor/index.ts';
import type { CborMap, CborValue } from '../../core/cbor/index.ts';
import { StorageError } from '../../storage/index.ts';
import { compositeKey, KeyPrefix, prefixEnd, prefixStart } from '../../storage/index.ts';
import type { LevelStore } from '../../storage/index.ts';
import { ApiError } from '../errors.ts';
import { AuthError } from './errors.ts';

/** What a token may do: `operator` (registry, tokens, admin) or `issuer` (bundles, readings). */
export type TokenRole = 'operator' | 'issuer';

/** The roles, in documentation order. */
export const TOKEN_ROLES: readonly TokenRole[] = ['operator', 'issuer'];

/** Prefix of every token, so that leaked tokens are recognisable (secret scanners). */
export const TOKEN_PREFIX = 'wpt_';

/** Longest label, in characters. */
export const MAX_LABEL_LENGTH = 100;

const TOKEN_RE = /^wpt_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
const ID_RE = /^[0-9a-f]{16}$/;
const SECRET_BYTES = 32;
const ID_BYTES = 8;

/** A token as listed: never its secret, nor its hash. */
export interface TokenInfo {
  readonly id: string;
  readonly role: TokenRole;
  readonly label: string;
  /** ms since the Unix epoch. */
  readonly createdAt: number;
  /** ms since the Unix epoch, if revoked. */
  readonly revokedAt?: number;
}

/** A new token: its listing and the token itself, shown once. */
export interface CreatedToken {
  readonly info: TokenInfo;
  readonly token: string;
}

interface StoredToken extends TokenInfo {
  readonly hash: Uint8Array;
}

const K = { hash: 1, role: 2, label: 3, createdAt: 4, revokedAt: 5 } as const;

function tokenKey(id: string): Uint8Array {
  return compositeKey(KeyPrefix.token, id);
}

function sha256(s: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(s, 'utf8').digest());
}

function encode(t: StoredToken): Uint8Array {
  const m: CborMap = new Map<number, CborValue>([
    [K.hash, t.hash],
    [K.role, t.role],
    [K.label, t.label],
    [K.createdAt, t.createdAt],
  ]);
  if (t.revokedAt !== undefined) m.set(K.revokedAt, t.revokedAt);
  return encodeCbor(m);
}

function decode(id: string, b: Uint8Array): StoredToken {
  let m: CborValue;
  try {
    m = decodeCbor(b);
  } catch (e) {
    throw new StorageError('STORE_CORRUPT', `token record ${id} is not CBOR`, { cause: e });
  }
  const hash = m instanceof Map ? m.get(K.hash) : undefined;
  const role = m instanceof Map ? m.get(K.role) : undefined;
  const label = m instanceof Map ? m.get(K.label) : undefined;
  const createdAt = m instanceof Map ? m.get(K.createdAt) : undefined;
  const revokedAt = m instanceof Map ? m.get(K.revokedAt) : undefined;
  if (
    !(hash instanceof Uint8Array) ||
    hash.length !== 32 ||
    !TOKEN_ROLES.includes(role as TokenRole) ||
    typeof label !== 'string' ||
    typeof createdAt !== 'number' ||
    (revokedAt !== undefined && typeof revokedAt !== 'number')
  ) {
    throw new StorageError('STORE_CORRUPT', `token record ${id} is malformed`);
  }
  return {
    id,
    hash,
    role: role as TokenRole,
    label,
    createdAt,
    ...(revokedAt === undefined ? {} : { revokedAt }),
  };
}

function publicInfo(t: StoredToken): TokenInfo {
  const { hash: _hash, ...info } = t;
  return info;
}

function checkLabel(label: unknown): asserts label is string {
  if (
    typeof label !== 'string' ||
    label.length === 0 ||
    label.length > MAX_LABEL_LENGTH ||
    [...label].some((c) => c.charCodeAt(0) < 0x20 || c === '\u007f')
  ) {
    throw new ApiError(
      'INVALID_REQUEST',
      `label: 1-${MAX_LABEL_LENGTH} characters without control characters`,
    );
  }
}

/** The node's API tokens, in memory and in the store. */
export class TokenStore {
  private readonly tokens = new Map<string, StoredToken>();

  private constructor(
    private readonly store: LevelStore,
    private readonly now: () => number,
  ) {}

  /** Loads every token record (prefix 0x50). */
  static async load(store: LevelStore, now: () => number = Date.now): Promise<TokenStore> {
    const t = new TokenStore(store, now);
    const prefixLen = compositeKey(KeyPrefix.token).length;
    for await (const [k, v] of store.range({
      gte: prefixStart(KeyPrefix.token),
      lt: prefixEnd(KeyPrefix.token),
    })) {
      const id = new TextDecoder().decode(k.subarray(prefixLen + 1));
      t.tokens.set(id, decode(id, v));
    }
    return t;
  }

  /**
   * Creates a token and commits its hash (fsynced). `beforeCommit`, if given, runs with the
   * token before the commit (the bootstrap writes the token file there, so that a crash never
   * leaves a token nobody has). The token is returned once and never stored.
   */
  async createToken(
    role: TokenRole,
    label: string,
    beforeCommit?: (token: string) => Promise<void>,
  ): Promise<CreatedToken> {
    if (!TOKEN_ROLES.includes(role)) {
      throw new ApiError('INVALID_REQUEST', 'role: must be "operator" or "issuer"');
    }
    checkLabel(label);
    let id: string;
    do id = randomBytes(ID_BYTES).toString('hex');
    while (this.tokens.has(id));
    const token = `${TOKEN_PREFIX}${id}_${randomBytes(SECRET_BYTES).toString('base64url')}`;
    const stored: StoredToken = { id, hash: sha256(token), role, label, createdAt: this.now() };
    if (beforeCommit !== undefined) await beforeCommit(token);
    await this.store.commit([this.store.putOp(tokenKey(id), encode(stored))], true);
    this.tokens.set(id, stored);
    return { info: publicInfo(stored), token };
  }

  /** Every token, oldest first, without secrets or hashes. */
  listTokens(): TokenInfo[] {
    return [...this.tokens.values()].sort((a, b) => a.createdAt - b.createdAt).map(publicInfo);
  }

  /** One token's listing, if it exists. */
  getToken(id: string): TokenInfo | undefined {
    const t = this.tokens.get(id);
    return t === undefined ? undefined : publicInfo(t);
  }

  /**
   * Revokes a token: it stops working at once, and the revocation is committed before this
   * resolves. Throws `TOKEN_NOT_FOUND`, `TOKEN_REVOKED`, or `LAST_OPERATOR_TOKEN` (the last
   * active operator token cannot be revoked: nobody could create another).
   */
  async revokeToken(id: string): Promise<TokenInfo> {
    const t = ID_RE.test(id) ? this.tokens.get(id) : undefined;
    if (t === undefined) throw new AuthError('TOKEN_NOT_FOUND', `no token with id "${id}"`);
    if (t.revokedAt !== undefined) {
      throw new AuthError('TOKEN_REVOKED', `token ${id} is revoked already`);
    }
    if (
      t.role === 'operator' &&
      ![...this.tokens.values()].some(
        (o) => o.id !== id && o.role === 'operator' && o.revokedAt === undefined,
      )
    ) {
      throw new AuthError(
        'LAST_OPERATOR_TOKEN',
        'this is the last active operator token; create another one before revoking it',
      );
    }
    const revoked: StoredToken = { ...t, revokedAt: this.now() };
    this.tokens.set(id, revoked);
    await this.store.commit([this.store.putOp(tokenKey(id), encode(revoked))], true);
    return publicInfo(revoked);
  }

  /**
   * The active token `token` is, or undefined for a malformed, unknown or revoked one. The
   * SHA-256 of the presented token is compared with the stored one in constant time.
   */
  authenticate(token: string): TokenInfo | undefined {
    const m = TOKEN_RE.exec(token);
    if (m === null) return undefined;
    const t = this.tokens.get(m[1]!);
    if (t === undefined) return undefined;
    if (!timingSafeEqual(sha256(token), t.hash)) return undefined;
    return t.revokedAt === undefined ? publicInfo(t) : undefined;
  }
}
