/**
 * The public leaf of the wattproof log (DESIGN.md decision 4; docs/log-format.md §Leaf):
 * a fixed 34-byte record `version(1) ‖ kind(1) ‖ commitment(32)`, where
 * `commitment = SHA-256(COMMITMENT_TAG ‖ salt(32) ‖ entry bytes)`. The entry bytes (a signed
 * reading, a key registration, …) and the salt are kept privately and disclosed only in
 * evidence bundles; erasing them leaves the leaf, and so the log, verifiable.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesEqual, utf8 } from '../bytes.ts';
import { WattproofError } from '../errors.ts';

/** Leaf format version. */
export const LEAF_VERSION = 0x01;
/** Size in bytes of every leaf. */
export const LEAF_SIZE = 34;
/** Size in bytes of a commitment salt. */
export const SALT_SIZE = 32;
/** Domain separation tag of commitments: ASCII `wattproof/v1/commitment` and a zero byte. */
export const COMMITMENT_TAG: Uint8Array = Uint8Array.from([...utf8('wattproof/v1/commitment'), 0]);

/** What an entry is. Values are fixed forever; a verifier rejects kinds it does not know. */
export const EntryKind = {
  /** A reading as COSE_Sign1 (docs/formats.md). */
  readingCose: 0x01,
  /** A reading as an OCMF record (docs/ocmf.md). */
  readingOcmf: 0x02,
  /** An operator-signed key registration. */
  keyRegistration: 0x10,
  /** An operator-signed key revocation. */
  keyRevocation: 0x11,
  /** The declaration of the operator key, signed by the log key. */
  operatorKey: 0x12,
} as const;
/** One of {@link EntryKind}. */
export type EntryKind = (typeof EntryKind)[keyof typeof EntryKind];

const KNOWN_KINDS = new Set<number>(Object.values(EntryKind));

/** Reasons a leaf or a disclosed entry is refused. */
export type LeafErrorCode =
  'MALFORMED_LEAF' | 'UNKNOWN_ENTRY_KIND' | 'COMMITMENT_MISMATCH' | 'MALFORMED_SALT';

/** A leaf that is not a wattproof leaf, or a disclosure that does not match its leaf. */
export class LeafError extends WattproofError<LeafErrorCode> {}

/** A decoded public leaf. */
export interface Leaf {
  readonly kind: EntryKind;
  readonly commitment: Uint8Array;
}

/** SHA-256 over the concatenation of `parts` (FIPS 180-4). */
export type Sha256 = (...parts: Uint8Array[]) => Uint8Array;

/** The core's SHA-256 (@noble/hashes). Hosts may pass a faster equal one (node:crypto). */
export const nobleSha256: Sha256 = (...parts) => {
  const h = sha256.create();
  for (const p of parts) h.update(p);
  return h.digest();
};

/** `SHA-256(COMMITMENT_TAG ‖ salt ‖ entry)`. */
export function commitment(
  salt: Uint8Array,
  entry: Uint8Array,
  hash: Sha256 = nobleSha256,
): Uint8Array {
  if (salt.length !== SALT_SIZE)
    throw new LeafError('MALFORMED_SALT', `a salt is ${SALT_SIZE} bytes, got ${salt.length}`);
  return hash(COMMITMENT_TAG, salt, entry);
}

/** Encodes the public leaf of an entry. */
export function encodeLeaf(
  kind: EntryKind,
  salt: Uint8Array,
  entry: Uint8Array,
  hash: Sha256 = nobleSha256,
): Uint8Array {
  const out = new Uint8Array(LEAF_SIZE);
  out[0] = LEAF_VERSION;
  out[1] = kind;
  out.set(commitment(salt, entry, hash), 2);
  return out;
}

/** Decodes a public leaf; anything but a 34-byte version-1 leaf of a known kind is refused. */
export function decodeLeaf(leaf: Uint8Array): Leaf {
  if (leaf.length !== LEAF_SIZE || leaf[0] !== LEAF_VERSION) {
    throw new LeafError(
      'MALFORMED_LEAF',
      `a leaf is ${LEAF_SIZE} bytes starting with version ${LEAF_VERSION}`,
      {
        evidence: { length: leaf.length, version: leaf[0] },
      },
    );
  }
  const kind = leaf[1]!;
  if (!KNOWN_KINDS.has(kind)) {
    throw new LeafError(
      'UNKNOWN_ENTRY_KIND',
      `unknown entry kind 0x${kind.toString(16).padStart(2, '0')}`,
    );
  }
  return { kind: kind as EntryKind, commitment: leaf.slice(2) };
}

/** Checks that `entry` with `salt` is what `leaf` commits to; throws `COMMITMENT_MISMATCH` if not. */
export function checkDisclosure(leaf: Uint8Array, salt: Uint8Array, entry: Uint8Array): Leaf {
  const decoded = decodeLeaf(leaf);
  if (!bytesEqual(decoded.commitment, commitment(salt, entry))) {
    throw new LeafError(
      'COMMITMENT_MISMATCH',
      'the disclosed entry and salt do not match the leaf commitment',
    );
  }
  return decoded;
}
