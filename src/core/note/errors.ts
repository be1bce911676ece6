/**
 * Typed errors for signed notes (c2sp.org/signed-note), checkpoints (c2sp.org/tlog-checkpoint)
 * and cosignatures (c2sp.org/tlog-cosignature).
 */
import { WattproofError } from '../errors.ts';

/** Machine-readable reasons a note, key, checkpoint or cosignature was refused. */
export type NoteErrorCode =
  /** A vkey or skey string does not follow signed-note §Verifier keys. */
  | 'MALFORMED_KEY'
  /** The key's signature type byte is not one this implementation supports. */
  | 'UNKNOWN_KEY_TYPE'
  /** The note is not a well-formed signed note (signed-note §Format). */
  | 'MALFORMED_NOTE'
  /** A signature line is not `— <name> base64(keyID ‖ sig)`. */
  | 'MALFORMED_SIGNATURE'
  /** The note carries more signature lines than {@link MAX_SIGNATURES}. */
  | 'TOO_MANY_SIGNATURES'
  /** Two verifiers share a key name and key ID and one of them was needed. */
  | 'AMBIGUOUS_KEY'
  /** No signature from a known key was present (signed-note §Signatures: MUST reject). */
  | 'NO_VERIFIED_SIGNATURE'
  /**
   * A signature line from a known key failed to verify, wherever it stands, also after a valid
   * line of the same key (signed-note §Signatures: SHOULD reject the whole note).
   */
  | 'INVALID_SIGNATURE'
  /** The note text is not a tlog-checkpoint body. */
  | 'MALFORMED_CHECKPOINT'
  /** A signature is not a tlog-cosignature/v1 `timestamped_signature`. */
  | 'MALFORMED_COSIGNATURE';

/** Upper bound on signature lines in one note; signed-note §Format requires at least 16. */
export const MAX_SIGNATURES = 100;

/** Error thrown by `core/note` for malformed or unverifiable notes, keys and checkpoints. */
export class NoteError extends WattproofError<NoteErrorCode> {}
