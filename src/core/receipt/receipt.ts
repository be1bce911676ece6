/**
 * COSE Receipts (RFC 9942) for the RFC 9162 Merkle log: an inclusion receipt is a COSE_Sign1
 * (RFC 9052 §4.2) whose protected header names the verifiable data structure
 * `RFC9162_SHA256` (label 395 = 1), whose unprotected header carries the inclusion proof
 * (label 396, key −1: `bstr .cbor [tree-size, leaf-index, [+ hash]]`), and whose payload is
 * detached: it is the tree root, recomputed by the verifier from the leaf and the proof
 * (RFC 9942 §5.2, §5.3). One signature over a root serves every leaf of the batch that root
 * commits, so the log signs once per batch, not once per reading.
 */
import { CborTag, decodeCbor, encodeCbor, encodeCborView, type CborValue } from '../cbor/index.ts';
import { sigStructure1 } from '../cose/index.ts';
import { COSE_SIGN1_TAG } from '../cose/index.ts';
import { sign1Parts } from '../cose/index.ts';
import { WattproofError } from '../errors.ts';
import { leafHash } from '../merkle/index.ts';
import { rootFromInclusionProof } from '../merkle/index.ts';
import { ed25519Verify } from '../note/index.ts';
import { decodeVerifierKey, SignatureType } from '../note/index.ts';

/** COSE header labels of RFC 9942 §2 (IANA "COSE Header Parameters"). */
export const ReceiptLabel = {
  ALG: 1,
  KID: 4,
  CWT_CLAIMS: 15,
  VDS: 395,
  VDP: 396,
  INCLUSION_PROOFS: -1,
} as const;

/** `RFC9162_SHA256` in the COSE Verifiable Data Structures registry (RFC 9942 §5). */
export const VDS_RFC9162_SHA256 = 1;
const EDDSA = -8;

/** Reasons a receipt is refused. */
export type ReceiptErrorCode =
  'MALFORMED_RECEIPT' | 'UNSUPPORTED_RECEIPT' | 'BAD_RECEIPT_SIGNATURE' | 'WRONG_LOG';

/** A receipt that does not decode, names another structure or log, or whose signature fails. */
export class ReceiptError extends WattproofError<ReceiptErrorCode> {}

/** An inclusion proof as carried in a receipt. */
export interface InclusionProof {
  readonly treeSize: number;
  readonly leafIndex: number;
  readonly path: readonly Uint8Array[];
}

/**
 * The protected header of the log's receipts: EdDSA, the log's 4-byte signed-note key ID as
 * `kid`, RFC9162_SHA256, and the log origin as CWT `iss`. Deterministic CBOR, so it is the same
 * bytes for every receipt of the log.
 */
export function receiptProtectedHeader(origin: string, logKeyId: Uint8Array): Uint8Array {
  return encodeCbor(
    new Map<number, CborValue>([
      [ReceiptLabel.ALG, EDDSA],
      [ReceiptLabel.KID, logKeyId],
      [ReceiptLabel.CWT_CLAIMS, new Map<number, CborValue>([[1, origin]])],
      [ReceiptLabel.VDS, VDS_RFC9162_SHA256],
    ]),
  );
}

/** The bytes the log signs for a root: the COSE Sig_structure with the root as detached payload. */
export function receiptToBeSigned(protectedHeader: Uint8Array, root: Uint8Array): Uint8Array {
  return sigStructure1(protectedHeader, root);
}

/** Encodes a receipt from the shared protected header and signature and one leaf's proof. */
export function encodeReceipt(
  protectedHeader: Uint8Array,
  signature: Uint8Array,
  proof: InclusionProof,
): Uint8Array {
  const proofBytes = encodeCborView([proof.treeSize, proof.leafIndex, [...proof.path]]);
  const unprotected = new Map<number, CborValue>([
    [ReceiptLabel.VDP, new Map<number, CborValue>([[ReceiptLabel.INCLUSION_PROOFS, [proofBytes]]])],
  ]);
  return encodeCborView(
    new CborTag(COSE_SIGN1_TAG, [protectedHeader, unprotected, null, signature]),
  );
}

function malformed(why: string, cause?: unknown): never {
  throw new ReceiptError(
    'MALFORMED_RECEIPT',
    `receipt: ${why}`,
    cause === undefined ? {} : { cause },
  );
}

/** A decoded receipt. */
export interface DecodedReceipt {
  readonly protectedHeader: Uint8Array;
  readonly origin: string;
  readonly kid: Uint8Array;
  readonly proof: InclusionProof;
  readonly signature: Uint8Array;
}

/** Decodes a receipt strictly; anything but an EdDSA RFC9162_SHA256 inclusion receipt is refused. */
export function decodeReceipt(bytes: Uint8Array): DecodedReceipt {
  const [prot, unprot, payload, signature] = sign1Parts(bytes, malformed);
  if (
    !(prot instanceof Uint8Array) ||
    !(signature instanceof Uint8Array) ||
    !(unprot instanceof Map)
  ) {
    malformed('wrong COSE_Sign1 member types');
  }
  if (payload !== null) malformed('the payload must be detached (nil)');
  let header: CborValue;
  try {
    header = decodeCbor(prot);
  } catch (e) {
    malformed('protected header is not CBOR', e);
  }
  if (!(header instanceof Map)) malformed('protected header is not a map');
  if (header.get(ReceiptLabel.ALG) !== EDDSA) {
    throw new ReceiptError('UNSUPPORTED_RECEIPT', 'receipt: only EdDSA receipts are supported');
  }
  if (header.get(ReceiptLabel.VDS) !== VDS_RFC9162_SHA256) {
    throw new ReceiptError(
      'UNSUPPORTED_RECEIPT',
      'receipt: verifiable data structure is not RFC9162_SHA256',
    );
  }
  const kid = header.get(ReceiptLabel.KID);
  const claims = header.get(ReceiptLabel.CWT_CLAIMS);
  const origin = claims instanceof Map ? claims.get(1) : undefined;
  if (!(kid instanceof Uint8Array) || typeof origin !== 'string')
    malformed('kid or issuer missing');
  const vdp = unprot.get(ReceiptLabel.VDP);
  const proofs = vdp instanceof Map ? vdp.get(ReceiptLabel.INCLUSION_PROOFS) : undefined;
  if (!Array.isArray(proofs) || proofs.length !== 1 || !(proofs[0] instanceof Uint8Array)) {
    malformed('exactly one inclusion proof expected');
  }
  let p: CborValue;
  try {
    p = decodeCbor(proofs[0]);
  } catch (e) {
    malformed('inclusion proof is not CBOR', e);
  }
  if (!Array.isArray(p) || p.length !== 3) malformed('inclusion proof is not [size, index, path]');
  const [treeSize, leafIndex, path] = p as [CborValue, CborValue, CborValue];
  if (
    typeof treeSize !== 'number' ||
    typeof leafIndex !== 'number' ||
    !Array.isArray(path) ||
    !path.every((h) => h instanceof Uint8Array && h.length === 32)
  ) {
    malformed('inclusion proof fields have the wrong types');
  }
  return {
    protectedHeader: prot,
    origin,
    kid,
    proof: { treeSize, leafIndex, path: path as Uint8Array[] },
    signature,
  };
}

/**
 * Verifies a receipt for `leaf` (the 34-byte public leaf) against the log's verifier key:
 * recomputes the root from the leaf and the inclusion proof (RFC 9162 §2.1.3.2) and checks the
 * log's signature over it. Returns the proof; throws {@link ReceiptError} or a Merkle error.
 */
export function verifyReceipt(
  bytes: Uint8Array,
  leaf: Uint8Array,
  logVkey: string,
): InclusionProof {
  const r = decodeReceipt(bytes);
  const key = decodeVerifierKey(logVkey);
  if (key.type !== SignatureType.ed25519 || key.key.length !== 32) {
    throw new ReceiptError('WRONG_LOG', 'receipt: the log key is not an Ed25519 key');
  }
  if (r.origin !== key.name) {
    throw new ReceiptError('WRONG_LOG', `receipt is from log "${r.origin}", not "${key.name}"`);
  }
  const root = rootFromInclusionProof(
    leafHash(leaf),
    r.proof.leafIndex,
    r.proof.treeSize,
    r.proof.path,
  );
  if (!ed25519Verify(key.key, receiptToBeSigned(r.protectedHeader, root), r.signature)) {
    throw new ReceiptError('BAD_RECEIPT_SIGNATURE', 'receipt: the log signature does not verify');
  }
  return r.proof;
}
