/**
 * The public leaf of the wattproof log (DESIGN.md decision 4; docs/log-format.md §Leaf):
 * a fixed 34-byte record `version(1) ‖ kind(1) ‖ commitment(32)`, where
 * `commitment = SHA-256(COMMITMENT_TAG ‖ salt(32) ‖ entry bytes)`. The entry bytes (a signed
 * reading, a key registration, …) and the salt are kept privately and disclosed only in
 * evidence bundles; erasing them leaves the leaf, and so the log, verifiable.
 */
import { bytesEqual, utf8 } from '../bytes.ts';
import { WattproofError } from '../errors.ts';
import { nobleHasher, type LogHasher } from '../merkle/index.ts';

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
  /** A COSE_Sign1 reading chained to its meter's previous entry: `link(40) ‖ reading`. */
  readingCoseChained: 0x03,
  /** An OCMF reading chained to its meter's previous entry: `link(40) ‖ reading`. */
  readingOcmfChained: 0x04,
  /** An operator-signed key registration. */
  keyRegistration: 0x10,
  /** An operator-signed key revocation. */
  keyRevocation: 0x11,
  /** The declaration of the operator key, signed by the log key. */
  operatorKey: 0x12,
  /** A flag the node raised on a meter, with its evidence (docs/index.md §Meter flags). */
  meterFlag: 0x13,
  /** An index epoch: the verifiable map's root and the log size it reflects (docs/index.md). */
  indexEpoch: 0x20,
} as const;
/** One of {@link EntryKind}. */
export type EntryKind = (typeof EntryKind)[keyof typeof EntryKind];

const KNOWN_KINDS = new Set<number>(Object.values(EntryKind));

/** Reasons a leaf or a disclosed entry is refused. */
export type LeafErrorCode =
  | 'MALFORMED_LEAF'
  | 'UNKNOWN_ENTRY_KIND'
  | 'COMMITMENT_MISMATCH'
  | 'MALFORMED_SALT'
  | 'MALFORMED_LINK';

/** A leaf that is not a wattproof leaf, or a disclosure that does not match its leaf. */
export class LeafError extends WattproofError<LeafErrorCode> {}

/** A decoded public leaf. */
export interface Leaf {
  readonly kind: EntryKind;
  readonly commitment: Uint8Array;
}

/** `SHA-256(COMMITMENT_TAG ‖ salt ‖ entry)`. */
export function commitment(
  salt: Uint8Array,
  entry: Uint8Array,
  hasher: LogHasher = nobleHasher,
): Uint8Array {
  if (salt.length !== SALT_SIZE)
    throw new LeafError('MALFORMED_SALT', `a salt is ${SALT_SIZE} bytes, got ${salt.length}`);
  return hasher.sha256(COMMITMENT_TAG, salt, entry);
}

/** Encodes the public leaf of an entry. */
export function encodeLeaf(
  kind: EntryKind,
  salt: Uint8Array,
  entry: Uint8Array,
  hasher: LogHasher = nobleHasher,
): Uint8Array {
  const out = new Uint8Array(LEAF_SIZE);
  out[0] = LEAF_VERSION;
  out[1] = kind;
  out.set(commitment(salt, entry, hasher), 2);
  return out;
}

/**
 * The public leaf of a chained reading (docs/log-format.md §Chained readings) from its parts:
 * equal to `encodeLeaf(kind, salt, entryBytesOf(kind, signed, link), hasher)`, without putting
 * the entry bytes together first.
 */
export function encodeChainedLeaf(
  kind: EntryKind,
  salt: Uint8Array,
  link: Uint8Array,
  signed: Uint8Array,
  hasher: LogHasher = nobleHasher,
): Uint8Array {
  if (!isChainedKind(kind)) throw new LeafError('MALFORMED_LINK', `kind ${kind} is not chained`);
  if (link.length !== CHAIN_LINK_SIZE) {
    throw new LeafError('MALFORMED_LINK', `a chained entry needs a ${CHAIN_LINK_SIZE}-byte link`);
  }
  if (salt.length !== SALT_SIZE)
    throw new LeafError('MALFORMED_SALT', `a salt is ${SALT_SIZE} bytes, got ${salt.length}`);
  const out = new Uint8Array(LEAF_SIZE);
  out[0] = LEAF_VERSION;
  out[1] = kind;
  out.set(hasher.sha256(COMMITMENT_TAG, salt, link, signed), 2);
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

/** The kinds of readings, chained or not. */
export const READING_KINDS: ReadonlySet<number> = new Set<number>([
  EntryKind.readingCose,
  EntryKind.readingOcmf,
  EntryKind.readingCoseChained,
  EntryKind.readingOcmfChained,
]);

/** Whether entries of `kind` start with a {@link ChainLink}. */
export function isChainedKind(kind: number): boolean {
  return kind === EntryKind.readingCoseChained || kind === EntryKind.readingOcmfChained;
}

/** The kind of a reading's signed bytes alone: `readingCose` or `readingOcmf` (others as given). */
export function readingFormatKind(kind: number): number {
  if (kind === EntryKind.readingCoseChained) return EntryKind.readingCose;
  if (kind === EntryKind.readingOcmfChained) return EntryKind.readingOcmf;
  return kind;
}

/** The chained kind of an unchained reading kind (others as given). */
export function chainedKind(kind: EntryKind): EntryKind {
  if (kind === EntryKind.readingCose) return EntryKind.readingCoseChained;
  if (kind === EntryKind.readingOcmf) return EntryKind.readingOcmfChained;
  return kind;
}

/**
 * Where a chained reading points (docs/log-format.md §Chained readings): the leaf index and the
 * RFC 9162 leaf hash `SHA-256(0x00 ‖ leaf)` of its meter's previous reading in the log, or
 * `undefined` for the meter's first chained reading.
 */
export type ChainLink = { readonly index: number; readonly leafHash: Uint8Array } | undefined;

/** Size in bytes of an encoded {@link ChainLink}. */
export const CHAIN_LINK_SIZE = 40;

const NO_PREVIOUS_WORD = 0xffffffff;

/** Writes `v` (0 … 2^32 − 1) big-endian at `at`. */
function putUint32(out: Uint8Array, at: number, v: number): void {
  out[at] = v >>> 24;
  out[at + 1] = (v >>> 16) & 0xff;
  out[at + 2] = (v >>> 8) & 0xff;
  out[at + 3] = v & 0xff;
}

/**
 * Encodes a link as `leafHash(32) ‖ u64be(index)`; "no previous reading" is 32 zero bytes and
 * index 2^64 − 1.
 */
export function encodeChainLink(link: ChainLink): Uint8Array {
  const out = new Uint8Array(CHAIN_LINK_SIZE);
  if (link === undefined) {
    putUint32(out, 32, NO_PREVIOUS_WORD);
    putUint32(out, 36, NO_PREVIOUS_WORD);
    return out;
  }
  if (link.leafHash.length !== 32 || !Number.isSafeInteger(link.index) || link.index < 0) {
    throw new RangeError('a chain link is a 32-byte leaf hash and a leaf index');
  }
  out.set(link.leafHash, 0);
  putUint32(out, 32, Math.floor(link.index / 2 ** 32));
  putUint32(out, 36, link.index >>> 0);
  return out;
}

/** Decodes a link written by {@link encodeChainLink}; throws `MALFORMED_LINK` for anything else. */
export function decodeChainLink(bytes: Uint8Array): ChainLink {
  if (bytes.length !== CHAIN_LINK_SIZE) {
    throw new LeafError('MALFORMED_LINK', `a chain link is ${CHAIN_LINK_SIZE} bytes`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const hi = view.getUint32(32);
  const lo = view.getUint32(36);
  const leafHash = bytes.slice(0, 32);
  if (hi === NO_PREVIOUS_WORD && lo === NO_PREVIOUS_WORD) {
    if (leafHash.some((b) => b !== 0)) {
      throw new LeafError('MALFORMED_LINK', 'a link to no previous reading has a zero hash');
    }
    return undefined;
  }
  if (hi >= 2 ** 21) throw new LeafError('MALFORMED_LINK', 'the link index is too large');
  return { index: hi * 2 ** 32 + lo, leafHash };
}

/**
 * The entry bytes a leaf of `kind` commits to: the signed bytes themselves, or for a chained
 * kind the encoded `link` followed by them.
 */
export function entryBytesOf(kind: number, signed: Uint8Array, link?: Uint8Array): Uint8Array {
  if (!isChainedKind(kind)) return signed;
  if (link === undefined || link.length !== CHAIN_LINK_SIZE) {
    throw new LeafError('MALFORMED_LINK', `a chained entry needs a ${CHAIN_LINK_SIZE}-byte link`);
  }
  const out = new Uint8Array(CHAIN_LINK_SIZE + signed.length);
  out.set(link, 0);
  out.set(signed, CHAIN_LINK_SIZE);
  return out;
}

/** RFC 9162 §2.1.1 leaf hash of a public leaf: `SHA-256(0x00 ‖ leaf)` (`hasher.leafHash`). */
export function leafHashOf(leaf: Uint8Array, hasher: LogHasher = nobleHasher): Uint8Array {
  return hasher.leafHash(leaf);
}
