/**
 * Key registrations (docs/registry.md §Key registration): the operator declares that a device
 * or collection platform key may sign readings of the listed meters, from the registration's
 * leaf index on (DESIGN.md decision 6). The payload is a deterministic CBOR map:
 *
 * | key | field | value |
 * |---|---|---|
 * | 1 | signerId | tstr: the COSE `kid` (UTF-8) and CWT `iss` of its readings; for OCMF the meter serial |
 * | 2 | mode | tstr `device` or `platform` |
 * | 3 | keyType | tstr `Ed25519`, `P-256` or `OCMF` |
 * | 4 | publicKey | bstr: 32 raw bytes / 65-byte SEC 1 uncompressed point / DER SubjectPublicKeyInfo |
 * | 5 | meters | array of tstr meter ids: one for a device, one or more for a platform |
 * | 6 | ratedCapacityW | uint > 0: rated capacity of each meter, in watts |
 * | 7 | issuedAt | uint: when the operator signed it, Unix seconds |
 */
import type { CborValue } from '../cbor/index.ts';
import { isValidMeterId } from '../reading/index.ts';
import { RegistryContentType } from './content-types.ts';
import { signEntry, type EntrySigner } from './envelope.ts';
import { invalidField } from './errors.ts';
import {
  checkPositiveInt,
  checkSignerId,
  checkUint,
  decodePayloadMap,
  encodePayloadMap,
} from './payload-map.ts';
import { validateSignerPublicKey } from './public-key.ts';
import {
  SIGNER_KEY_TYPES,
  TRUST_MODES,
  type SignerKeyType,
  type TrustMode,
} from './signer-types.ts';

/** Most meters one platform registration may list. */
export const MAX_METERS = 10_000;

/** The content of a key registration. */
export interface KeyRegistration {
  readonly signerId: string;
  readonly mode: TrustMode;
  readonly keyType: SignerKeyType;
  /** In the form of {@link validateSignerPublicKey}. */
  readonly publicKey: Uint8Array;
  /** Meter ids, no duplicates; exactly one for a device. */
  readonly meters: readonly string[];
  /** Rated capacity per meter in watts, a positive integer. */
  readonly ratedCapacityW: number;
  /** Unix seconds. */
  readonly issuedAt: number;
}

/** CBOR map keys of the key registration payload. */
export const KeyRegistrationKey = {
  signerId: 1,
  mode: 2,
  keyType: 3,
  publicKey: 4,
  meters: 5,
  ratedCapacityW: 6,
  issuedAt: 7,
} as const satisfies Record<keyof KeyRegistration, number>;

/**
 * Checks every field of a registration, throwing `INVALID_FIELD` with the field name in
 * `evidence.field`: signer id syntax; a known mode and key type; an OCMF key only in device
 * mode (an OCMF record is signed by its meter); the public key in its registered form; one
 * meter for a device, 1–{@link MAX_METERS} distinct valid meter ids for a platform; a positive
 * capacity; a non-negative issued-at time.
 */
export function validateKeyRegistration(r: {
  readonly [K in keyof KeyRegistration]: unknown;
}): asserts r is KeyRegistration {
  checkSignerId('signerId', r.signerId);
  if (typeof r.mode !== 'string' || !(TRUST_MODES as readonly string[]).includes(r.mode)) {
    invalidField('mode', 'must be "device" or "platform"');
  }
  if (
    typeof r.keyType !== 'string' ||
    !(SIGNER_KEY_TYPES as readonly string[]).includes(r.keyType)
  ) {
    invalidField('keyType', 'must be "Ed25519", "P-256" or "OCMF"');
  }
  if (r.keyType === 'OCMF' && r.mode !== 'device') {
    invalidField('mode', 'an OCMF key is a meter key: its mode must be "device"');
  }
  if (!(r.publicKey instanceof Uint8Array)) invalidField('publicKey', 'not a byte string');
  validateSignerPublicKey(r.keyType as SignerKeyType, r.publicKey);
  if (!Array.isArray(r.meters)) invalidField('meters', 'not an array');
  if (r.meters.length === 0) invalidField('meters', 'empty: list the meters this key signs for');
  if (r.mode === 'device' && r.meters.length !== 1) {
    invalidField('meters', 'a device key signs for exactly one meter');
  }
  if (r.meters.length > MAX_METERS) invalidField('meters', `more than ${MAX_METERS} meters`);
  const seen = new Set<string>();
  for (const [i, m] of (r.meters as unknown[]).entries()) {
    if (!isValidMeterId(m)) {
      invalidField('meters', `item ${i} is not a meter id (1-64 characters of [A-Za-z0-9._:-])`);
    }
    if (seen.has(m)) invalidField('meters', `meter "${m}" is listed twice`);
    seen.add(m);
  }
  checkPositiveInt('ratedCapacityW', r.ratedCapacityW);
  checkUint('issuedAt', r.issuedAt);
}

/** Deterministic CBOR payload of a registration (table above); validates it first. */
export function encodeKeyRegistration(r: KeyRegistration): Uint8Array {
  validateKeyRegistration(r);
  return encodePayloadMap(KeyRegistrationKey, {
    ...r,
    meters: [...r.meters],
  } as Record<keyof KeyRegistration, CborValue>);
}

/** Decodes and validates a registration payload (`MALFORMED_ENTRY`, `INVALID_FIELD`). */
export function decodeKeyRegistration(payload: Uint8Array): KeyRegistration {
  const f = decodePayloadMap(payload, KeyRegistrationKey);
  validateKeyRegistration(f);
  return {
    signerId: f.signerId,
    mode: f.mode,
    keyType: f.keyType,
    publicKey: f.publicKey,
    meters: f.meters,
    ratedCapacityW: f.ratedCapacityW,
    issuedAt: f.issuedAt,
  };
}

/**
 * Signs a registration with the operator key: a COSE_Sign1 with content type
 * `application/vnd.wattproof.key-registration+cbor`, `kid` the operator key ID, `iss` the
 * operator key name and `sub` the signer id. Throws `INVALID_FIELD` for an invalid field.
 */
export function signKeyRegistration(r: KeyRegistration, operator: EntrySigner): Uint8Array {
  return signEntry(
    operator,
    RegistryContentType.keyRegistration,
    r.signerId,
    encodeKeyRegistration(r),
  );
}
