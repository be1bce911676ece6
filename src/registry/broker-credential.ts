/**
 * Broker credentials of registered signers (docs/registry.md §Broker credentials): a random
 * secret per signer, issued when its key is registered and again on an operator's request,
 * shown once and stored only as a Mosquitto type-7 hash (`src/mqtt/mosquitto-password.ts`), so
 * that the same record checks the embedded broker's logins and fills an external Mosquitto's
 * password file. The MQTT user name is the signer id.
 *
 * Stored under `KeyPrefix.registry` (0x30), beside the signer records:
 *
 * | key | value |
 * |---|---|
 * | `0x30 ‖ 0x03 ‖ len ‖ signer id` | deterministic CBOR map `{1: hash text, 2: issued-at, Unix seconds}` |
 */
import { randomBytes } from 'node:crypto';
import { decodeCbor, encodeCbor } from '../core/cbor/index.ts';
import type { CborMap, CborValue } from '../core/cbor/index.ts';
import { parseMosquittoHash } from '../mqtt/index.ts';
import { StorageError } from '../storage/index.ts';
import { compositeKey, KeyPrefix } from '../storage/index.ts';

/** A signer's stored broker credential: never the secret, only its hash. */
export interface BrokerCredential {
  /** The signer id, which is the MQTT user name. */
  readonly signerId: string;
  /** `$7$<iterations>$<salt>$<hash>`, as in a Mosquitto password file. */
  readonly passwordHash: string;
  /** When it was issued, Unix seconds. */
  readonly issuedAt: number;
}

/** A credential as issued: the only moment its secret exists outside the client. */
export interface IssuedBrokerCredential {
  /** MQTT user name: the signer id. */
  readonly username: string;
  /** MQTT password: `wpm_` and 43 base64url characters (256 random bits). */
  readonly password: string;
  /** When it was issued, Unix seconds. */
  readonly issuedAt: number;
}

/** Prefix of broker secrets, so that secret scanners and people can tell what one is. */
export const BROKER_SECRET_PREFIX = 'wpm_';

/** A fresh broker secret: {@link BROKER_SECRET_PREFIX} and 32 random bytes in base64url. */
export function newBrokerSecret(): string {
  return `${BROKER_SECRET_PREFIX}${randomBytes(32).toString('base64url')}`;
}

const CREDENTIAL_TAG = 0x03;

/** Key of a signer's credential record. */
export function credentialKey(signerId: string): Uint8Array {
  return compositeKey(KeyPrefix.registry, Uint8Array.of(CREDENTIAL_TAG), signerId);
}

/** Range of all credential records. */
export const CREDENTIAL_RANGE = {
  gte: compositeKey(KeyPrefix.registry, Uint8Array.of(CREDENTIAL_TAG)),
  lt: compositeKey(KeyPrefix.registry, Uint8Array.of(CREDENTIAL_TAG + 1)),
} as const;

/** Encodes a credential record (the signer id is in the key). */
export function encodeCredentialRecord(c: BrokerCredential): Uint8Array {
  const m: CborMap = new Map();
  m.set(1, c.passwordHash);
  m.set(2, c.issuedAt);
  return encodeCbor(m);
}

/** Decodes a credential record stored under `key`. Throws `STORE_CORRUPT`. */
export function decodeCredentialRecord(key: Uint8Array, value: Uint8Array): BrokerCredential {
  const corrupt = (why: string, cause?: unknown): never => {
    throw new StorageError('STORE_CORRUPT', `broker credential record: ${why}`, { cause });
  };
  // Key: prefix, tag, length byte, UTF-8 id.
  const signerId = new TextDecoder().decode(key.subarray(3));
  let m: CborValue;
  try {
    m = decodeCbor(value);
  } catch (e) {
    return corrupt('not CBOR', e);
  }
  if (!(m instanceof Map)) return corrupt('not a map');
  const passwordHash = m.get(1);
  const issuedAt = m.get(2);
  if (typeof passwordHash !== 'string' || parseMosquittoHash(passwordHash) === undefined) {
    return corrupt(`signer "${signerId}": not a $7$ hash`);
  }
  if (typeof issuedAt !== 'number') return corrupt(`signer "${signerId}": no issued-at time`);
  return { signerId, passwordHash, issuedAt };
}
