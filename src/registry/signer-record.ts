/**
 * The registry's stored records (docs/registry.md §Storage), under `KeyPrefix.registry`
 * (0x30): one per signer, and one per operator key declaration. They are an index of the log's
 * registry entries, committed in the same batch as the entry they describe.
 *
 * | key | value |
 * |---|---|
 * | `0x30 ‖ 0x01 ‖ len ‖ signer id` | signer record, deterministic CBOR map (table below) |
 * | `0x30 ‖ 0x02 ‖ u64(leaf index)` | operator key declaration payload (core format) |
 */
import { decodeCbor, encodeCbor } from '../core/cbor/index.ts';
import type { CborMap, CborValue } from '../core/cbor/index.ts';
import { decodeOperatorDeclaration, encodeOperatorDeclaration } from '../core/registry/index.ts';
import type { OperatorKeyDeclaration } from '../core/registry/index.ts';
import type { SignerRecord } from './signer.ts';
import { StorageError } from '../storage/index.ts';
import { compositeKey, KeyPrefix } from '../storage/index.ts';

/** A registered signer as the registry holds it: the ingest view plus the entries' details. */
export interface RegisteredSigner extends SignerRecord {
  /** Issued-at time of the registration, Unix seconds. */
  readonly issuedAt: number;
  /** Reason given in the revocation, if revoked. */
  readonly revocationReason?: string;
  /** Issued-at time of the revocation, Unix seconds, if revoked. */
  readonly revokedIssuedAt?: number;
}

const SIGNER_TAG = 0x01;
const DECLARATION_TAG = 0x02;

const K = {
  signerId: 1,
  mode: 2,
  keyType: 3,
  publicKey: 4,
  meters: 5,
  ratedCapacityW: 6,
  issuedAt: 7,
  registeredAt: 8,
  revokedAt: 9,
  revocationReason: 10,
  revokedIssuedAt: 11,
} as const satisfies Record<keyof RegisteredSigner, number>;

/** Key of a signer record. */
export function signerKey(signerId: string): Uint8Array {
  return compositeKey(KeyPrefix.registry, Uint8Array.of(SIGNER_TAG), signerId);
}

/** Range of all signer records. */
export const SIGNER_RANGE = {
  gte: compositeKey(KeyPrefix.registry, Uint8Array.of(SIGNER_TAG)),
  lt: compositeKey(KeyPrefix.registry, Uint8Array.of(SIGNER_TAG + 1)),
} as const;

/** Key of the declaration at leaf `index`. */
export function declarationKey(index: number): Uint8Array {
  return compositeKey(KeyPrefix.registry, Uint8Array.of(DECLARATION_TAG), index);
}

/** Range of all declaration records, in leaf order. */
export const DECLARATION_RANGE = {
  gte: compositeKey(KeyPrefix.registry, Uint8Array.of(DECLARATION_TAG)),
  lt: compositeKey(KeyPrefix.registry, Uint8Array.of(DECLARATION_TAG + 1)),
} as const;

/** Encodes a signer record. */
export function encodeSignerRecord(s: RegisteredSigner): Uint8Array {
  const m: CborMap = new Map();
  for (const [f, k] of Object.entries(K) as [keyof RegisteredSigner, number][]) {
    const v = s[f];
    if (v !== undefined) m.set(k, (f === 'meters' ? [...s.meters] : v) as CborValue);
  }
  return encodeCbor(m);
}

function corrupt(why: string, cause?: unknown): never {
  throw new StorageError('STORE_CORRUPT', `registry record: ${why}`, { cause });
}

/** Decodes a signer record written by {@link encodeSignerRecord}. */
export function decodeSignerRecord(b: Uint8Array): RegisteredSigner {
  let m: CborValue;
  try {
    m = decodeCbor(b);
  } catch (e) {
    corrupt('not CBOR', e);
  }
  if (!(m instanceof Map)) corrupt('not a map');
  const out: Record<string, unknown> = {};
  for (const [f, k] of Object.entries(K)) {
    const v = m.get(k);
    if (v !== undefined) out[f] = v;
  }
  if (
    typeof out.signerId !== 'string' ||
    !(out.publicKey instanceof Uint8Array) ||
    !Array.isArray(out.meters) ||
    typeof out.registeredAt !== 'number'
  ) {
    corrupt('missing fields');
  }
  return out as unknown as RegisteredSigner;
}

/** Encodes a declaration record (the declaration payload). */
export function encodeDeclarationRecord(d: OperatorKeyDeclaration): Uint8Array {
  return encodeOperatorDeclaration(d);
}

/** Decodes a declaration record and the leaf index in its key. */
export function decodeDeclarationRecord(
  key: Uint8Array,
  value: Uint8Array,
): { index: number; declaration: OperatorKeyDeclaration } {
  try {
    const view = new DataView(key.buffer, key.byteOffset, key.length);
    const index = view.getUint32(2) * 2 ** 32 + view.getUint32(6);
    return { index, declaration: decodeOperatorDeclaration(value) };
  } catch (e) {
    corrupt('bad operator declaration', e);
  }
}
