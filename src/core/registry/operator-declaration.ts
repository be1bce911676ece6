/**
 * Operator key declarations (docs/registry.md §Operator key declaration): the log key vouches
 * for the operator key, so a verifier that trusts only the log's verifier key can check every
 * registration and revocation (DESIGN.md decision 6). The declaration is signed by the LOG key
 * (`kid` = the log's signed-note key ID, `iss` = the log origin, `sub` = the operator key name)
 * and takes effect for entries after its own leaf index; a later declaration supersedes it for
 * the entries after that one (key rotation). The payload is a deterministic CBOR map:
 *
 * | key | field | value |
 * |---|---|---|
 * | 1 | name | tstr: the operator key's signed-note key name (c2sp.org/signed-note) |
 * | 2 | keyId | bstr, 4 bytes: its signed-note key ID, `SHA-256(name ‖ 0x0A ‖ 0x01 ‖ key)[:4]` |
 * | 3 | publicKey | bstr, 32 bytes: the Ed25519 public key (RFC 8032 §5.1.5) |
 * | 4 | issuedAt | uint: when the log signed it, Unix seconds |
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesEqual } from '../bytes.ts';
import {
  decodeVerifierKey,
  isValidKeyName,
  readU32be,
  SignatureType,
  u32be,
} from '../note/index.ts';
import { RegistryContentType } from './content-types.ts';
import {
  checkEntrySignature,
  ed25519KeyId,
  openEntryEnvelope,
  signEntry,
  type EntrySigner,
} from './envelope.ts';
import { invalidField, RegistryError } from './errors.ts';
import { checkUint, decodePayloadMap, encodePayloadMap } from './payload-map.ts';

/** A declared operator key. */
export interface OperatorKeyDeclaration {
  /** The operator key's name (its entries' CWT `iss`). */
  readonly name: string;
  /** Its signed-note key ID (its entries' `kid`, big-endian). */
  readonly keyId: number;
  /** Ed25519 public key, 32 bytes. */
  readonly publicKey: Uint8Array;
  /** Unix seconds. */
  readonly issuedAt: number;
}

/** A verified declaration and the log that signed it. */
export interface VerifiedOperatorDeclaration extends OperatorKeyDeclaration {
  /** The log origin (the declaration's CWT `iss`, the log key's name). */
  readonly origin: string;
}

/** CBOR map keys of the operator key declaration payload. */
export const OperatorKeyDeclarationKey = {
  name: 1,
  keyId: 2,
  publicKey: 3,
  issuedAt: 4,
} as const satisfies Record<keyof OperatorKeyDeclaration, number>;

function validate(d: { readonly [K in keyof OperatorKeyDeclaration]: unknown }): void {
  if (typeof d.name !== 'string' || !isValidKeyName(d.name)) {
    invalidField('name', 'not a signed-note key name (non-empty, no spaces or "+")');
  }
  if (
    !(d.publicKey instanceof Uint8Array) ||
    d.publicKey.length !== 32 ||
    !ed25519.utils.isValidPublicKey(d.publicKey, false)
  ) {
    invalidField('publicKey', 'not a valid Ed25519 public key (32 bytes)');
  }
  if (d.keyId !== ed25519KeyId(d.name, d.publicKey)) {
    invalidField('keyId', 'not the signed-note key ID of the name and key');
  }
  checkUint('issuedAt', d.issuedAt);
}

/** Deterministic CBOR payload of a declaration (table above); validates it first. */
export function encodeOperatorDeclaration(d: OperatorKeyDeclaration): Uint8Array {
  validate(d);
  return encodePayloadMap(OperatorKeyDeclarationKey, {
    name: d.name,
    keyId: u32be(d.keyId),
    publicKey: d.publicKey,
    issuedAt: d.issuedAt,
  });
}

/** Decodes and validates a declaration payload (`MALFORMED_ENTRY`, `INVALID_FIELD`). */
export function decodeOperatorDeclaration(payload: Uint8Array): OperatorKeyDeclaration {
  const f = decodePayloadMap(payload, OperatorKeyDeclarationKey);
  if (!(f.keyId instanceof Uint8Array) || f.keyId.length !== 4) {
    invalidField('keyId', 'not a 4-byte byte string');
  }
  const d = {
    name: f.name,
    keyId: readU32be(f.keyId),
    publicKey: f.publicKey,
    issuedAt: f.issuedAt,
  };
  validate(d);
  return d as OperatorKeyDeclaration;
}

/**
 * Signs a declaration of `operator` with the log key `logSigner` (an Ed25519 signed-note
 * signer whose name is the log origin): content type
 * `application/vnd.wattproof.operator-key+cbor`, `sub` = the operator key name.
 */
export function signOperatorDeclaration(
  d: OperatorKeyDeclaration,
  logSigner: EntrySigner,
): Uint8Array {
  return signEntry(
    logSigner,
    RegistryContentType.operatorKey,
    d.name,
    encodeOperatorDeclaration(d),
  );
}

function logKeyOf(logKey: string | Uint8Array): { name?: string; publicKey: Uint8Array } {
  if (logKey instanceof Uint8Array) return { publicKey: logKey };
  let k;
  try {
    k = decodeVerifierKey(logKey);
  } catch (e) {
    throw new RegistryError('INVALID_KEY', `log vkey: ${(e as Error).message}`, { cause: e });
  }
  if (k.type !== SignatureType.ed25519 || k.key.length !== 32) {
    throw new RegistryError('INVALID_KEY', 'log vkey is not an Ed25519 (type 0x01) key');
  }
  if (!ed25519.utils.isValidPublicKey(k.key, false) || ed25519KeyId(k.name, k.key) !== k.keyId) {
    throw new RegistryError('INVALID_KEY', 'log vkey: key ID does not match the key');
  }
  return { name: k.name, publicKey: k.key.slice() };
}

/**
 * Verifies an operator key declaration against the log key: its verifier key in signed-note
 * form `origin+keyid+base64(0x01‖pub)` (then `iss` must be its name), or the raw 32-byte
 * Ed25519 key. Checks the envelope, `kid` (the log key ID), the signature (RFC 9052 §4.4),
 * the content type, the payload, and that `sub` is the declared key name. Throws
 * {@link RegistryError} only.
 */
export function verifyOperatorDeclaration(
  bytes: Uint8Array,
  logKey: string | Uint8Array,
): VerifiedOperatorDeclaration {
  const key = logKeyOf(logKey);
  const sign1 = openEntryEnvelope(bytes);
  if (sign1.contentType !== RegistryContentType.operatorKey) {
    throw new RegistryError('WRONG_CONTENT_TYPE', 'not an operator key declaration', {
      evidence: { contentType: sign1.contentType ?? null },
    });
  }
  checkEntrySignature(sign1, key.publicKey, key.name);
  const d = decodeOperatorDeclaration(sign1.payload);
  if (sign1.sub !== d.name) {
    throw new RegistryError('SUBJECT_MISMATCH', 'CWT sub differs from the declared key name', {
      evidence: { sub: sign1.sub, name: d.name },
    });
  }
  return { ...d, origin: sign1.iss };
}

/**
 * The operator key in force for an entry at leaf `index`: the declaration with the greatest
 * leaf index below `index` (DESIGN.md decision 6; a declaration takes effect after its own
 * entry). `declarations` are verified declarations with their leaf indices, in any order.
 */
export function operatorKeyAt<D extends OperatorKeyDeclaration>(
  declarations: readonly { readonly index: number; readonly declaration: D }[],
  index: number,
): D | undefined {
  let best: { index: number; declaration: D } | undefined;
  for (const d of declarations) {
    if (d.index < index && (best === undefined || d.index > best.index)) best = d;
  }
  return best?.declaration;
}

/** True when `a` and `b` declare the same key under the same name. */
export function sameOperatorKey(a: OperatorKeyDeclaration, b: OperatorKeyDeclaration): boolean {
  return a.name === b.name && a.keyId === b.keyId && bytesEqual(a.publicKey, b.publicKey);
}
