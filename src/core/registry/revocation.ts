/**
 * Key revocations (docs/registry.md §Key revocation): the operator withdraws a registered key;
 * readings at leaf indices after the revocation no longer verify under it (DESIGN.md decision
 * 6). The payload is a deterministic CBOR map:
 *
 * | key | field | value |
 * |---|---|---|
 * | 1 | signerId | tstr: the revoked signer |
 * | 2 | reason | tstr, 1–500 characters, no control characters |
 * | 3 | issuedAt | uint: when the operator signed it, Unix seconds |
 */
import type { CborValue } from '../cbor/index.ts';
import { RegistryContentType } from './content-types.ts';
import { signEntry, type EntrySigner } from './envelope.ts';
import {
  checkSignerId,
  checkText,
  checkUint,
  decodePayloadMap,
  encodePayloadMap,
} from './payload-map.ts';

/** The content of a key revocation. */
export interface KeyRevocation {
  readonly signerId: string;
  /** Why, for people: e.g. `key compromised`, `meter replaced`. */
  readonly reason: string;
  /** Unix seconds. */
  readonly issuedAt: number;
}

/** CBOR map keys of the key revocation payload. */
export const KeyRevocationKey = {
  signerId: 1,
  reason: 2,
  issuedAt: 3,
} as const satisfies Record<keyof KeyRevocation, number>;

/** Checks every field of a revocation, throwing `INVALID_FIELD` with `evidence.field`. */
export function validateKeyRevocation(r: {
  readonly [K in keyof KeyRevocation]: unknown;
}): asserts r is KeyRevocation {
  checkSignerId('signerId', r.signerId);
  checkText('reason', r.reason);
  checkUint('issuedAt', r.issuedAt);
}

/** Deterministic CBOR payload of a revocation (table above); validates it first. */
export function encodeKeyRevocation(r: KeyRevocation): Uint8Array {
  validateKeyRevocation(r);
  return encodePayloadMap(KeyRevocationKey, r as unknown as Record<keyof KeyRevocation, CborValue>);
}

/** Decodes and validates a revocation payload (`MALFORMED_ENTRY`, `INVALID_FIELD`). */
export function decodeKeyRevocation(payload: Uint8Array): KeyRevocation {
  const f = decodePayloadMap(payload, KeyRevocationKey);
  validateKeyRevocation(f);
  return { signerId: f.signerId, reason: f.reason, issuedAt: f.issuedAt };
}

/**
 * Signs a revocation with the operator key: content type
 * `application/vnd.wattproof.key-revocation+cbor`, `sub` the signer id.
 */
export function signKeyRevocation(r: KeyRevocation, operator: EntrySigner): Uint8Array {
  return signEntry(operator, RegistryContentType.keyRevocation, r.signerId, encodeKeyRevocation(r));
}
