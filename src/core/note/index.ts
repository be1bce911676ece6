/**
 * Signed notes, checkpoints and cosignatures: c2sp.org/signed-note, c2sp.org/tlog-checkpoint
 * and c2sp.org/tlog-cosignature (Ed25519, cosignature/v1).
 */
export { MAX_SIGNATURES, NoteError } from './errors.ts';
export type { NoteErrorCode } from './errors.ts';
export {
  SignatureType,
  decodeSignerKey,
  decodeVerifierKey,
  formatKeyId,
  isValidKeyName,
  keyId,
} from './key-format.ts';
export type { EncodedKey } from './key-format.ts';
export { ed25519Signer, ed25519Verifier, generateEd25519Key, vkeyOf } from './ed25519.ts';
export { ecdsaKeyId, ecdsaP256Verifier } from './ecdsa-p256.ts';
export { parseVerifierKey } from './keys.ts';
export type { NoteSigner, NoteVerifier } from './signer-types.ts';
export { addSignatures, openNote, signNote, splitNote } from './note.ts';
export type {
  NoteSignatureLine,
  OpenedNote,
  SplitNote,
  UnverifiedSignature,
  VerifiedSignature,
} from './note.ts';
export { formatCheckpoint, parseCanonicalDecimal, parseCheckpoint } from './checkpoint.ts';
export type { Checkpoint, ParseCheckpointOptions } from './checkpoint.ts';
export {
  COSIGNATURE_V1_SIZE,
  cosignatureV1Message,
  cosignatureV1Signer,
  cosignatureV1Timestamp,
  cosignatureV1Verifier,
  cosignatureV1VkeyOf,
} from './cosignature.ts';
export { decodeEd25519SignerKey, ed25519Verify } from './ed25519.ts';
export { hasLoneSurrogate, readU32be, u32be, withType } from './key-format.ts';
