/**
 * Timestamped Ed25519 witness cosignatures (c2sp.org/tlog-cosignature, signature type 0x04).
 *
 * The note signature is `keyID(4) ‖ u64be timestamp ‖ Ed25519 signature(64)`, 76 bytes, with
 * key ID = SHA-256(name ‖ 0x0A ‖ 0x04 ‖ public key)[:4]. The signed message is
 * `cosignature/v1\ntime <timestamp>\n` followed by the whole checkpoint note body, extension
 * lines included (tlog-cosignature §Ed25519 signed message).
 */
import { concatBytes, fromUtf8, readU64be, u64be, utf8 } from '../bytes.ts';
import { parseCheckpoint } from './checkpoint.ts';
import { ed25519Sign, ed25519Verifier, ed25519Verify, decodeEd25519SignerKey } from './ed25519.ts';
import { NoteError } from './errors.ts';
import { SignatureType, encodeVerifierKey, keyId, withType } from './key-format.ts';
import type { NoteSigner, NoteVerifier } from './signer-types.ts';

const KEY_ID_SIZE = 4;
const TIMESTAMP_SIZE = 8;
const ED25519_SIG_SIZE = 64;

/** Length of a full Ed25519 cosignature/v1 note signature: key ID ‖ timestamp ‖ signature. */
export const COSIGNATURE_V1_SIZE = KEY_ID_SIZE + TIMESTAMP_SIZE + ED25519_SIG_SIZE;

/**
 * The message an Ed25519 cosigner signs (tlog-cosignature §Ed25519 signed message):
 * `cosignature/v1\ntime <timestamp>\n` ‖ checkpoint body (with its final newline).
 */
export function cosignatureV1Message(timestamp: number, checkpointBody: Uint8Array): Uint8Array {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new RangeError('cosignature timestamp must be a non-negative safe integer');
  }
  return concatBytes(utf8(`cosignature/v1\ntime ${timestamp}\n`), checkpointBody);
}

function isCheckpointBody(body: Uint8Array): boolean {
  try {
    parseCheckpoint(fromUtf8(body));
    return true;
  } catch {
    return false;
  }
}

/**
 * Verifier for an Ed25519 cosigner key (type 0x04) under `name`. It accepts only 72-byte
 * signatures (timestamp ‖ Ed25519, after the key ID) over a well-formed checkpoint body, with
 * a timestamp of at most 2^53 − 1, and reports that timestamp through `timestamp(sig)`.
 */
export function cosignatureV1Verifier(name: string, publicKey: Uint8Array): NoteVerifier {
  // Reuse the point and name validation of the plain Ed25519 verifier.
  ed25519Verifier(name, publicKey);
  const key = publicKey.slice();
  const readTimestamp = (sig: Uint8Array): number | undefined => {
    if (sig.length !== TIMESTAMP_SIZE + ED25519_SIG_SIZE) return undefined;
    try {
      return readU64be(sig, 0);
    } catch {
      return undefined;
    }
  };
  return {
    name,
    keyId: keyId(name, withType(SignatureType.cosignatureV1, key)),
    verify(message, sig) {
      const t = readTimestamp(sig);
      if (t === undefined || !isCheckpointBody(message)) return false;
      return ed25519Verify(key, cosignatureV1Message(t, message), sig.subarray(TIMESTAMP_SIZE));
    },
    timestamp(sig) {
      const t = readTimestamp(sig);
      if (t === undefined) throw new NoteError('MALFORMED_COSIGNATURE', 'not a cosignature/v1');
      return t;
    },
  };
}

/**
 * Note signer producing Ed25519 cosignature/v1 signatures (tlog-cosignature §Format) from an
 * Ed25519 skey of type 0x01 (or 0x04). Its key ID is computed with type byte 0x04, so it
 * differs from the plain signer's. `sign` returns `u64be(timestamp) ‖ Ed25519 signature`
 * (signNote prepends the key ID) and refuses a message that is not a checkpoint body.
 * `now` returns the current POSIX time in seconds.
 */
export function cosignatureV1Signer(
  skey: string,
  now: () => number = () => Math.floor(Date.now() / 1000),
): NoteSigner {
  const { name, seed, publicKey } = decodeEd25519SignerKey(skey, [
    SignatureType.ed25519,
    SignatureType.cosignatureV1,
  ]);
  return {
    name,
    keyId: keyId(name, withType(SignatureType.cosignatureV1, publicKey)),
    sign(message) {
      if (!isCheckpointBody(message)) {
        throw new NoteError('MALFORMED_CHECKPOINT', 'cosignature/v1 signs checkpoints only');
      }
      const t = now();
      return concatBytes(u64be(t), ed25519Sign(seed, cosignatureV1Message(t, message)));
    },
  };
}

/** The cosigner vkey for an Ed25519 skey: `<name>+<keyid>+base64(0x04 ‖ pub)`. */
export function cosignatureV1VkeyOf(skey: string): string {
  const { name, publicKey } = decodeEd25519SignerKey(skey, [
    SignatureType.ed25519,
    SignatureType.cosignatureV1,
  ]);
  const pub = withType(SignatureType.cosignatureV1, publicKey);
  return encodeVerifierKey(name, keyId(name, pub), pub);
}

/**
 * Reads the timestamp of a full Ed25519 cosignature/v1 note signature (the decoded base64 of a
 * signature line: key ID ‖ u64be timestamp ‖ signature). Does not verify it. Throws `NoteError`
 * `MALFORMED_COSIGNATURE` unless it is exactly 76 bytes with a timestamp ≤ 2^53 − 1; a plain
 * 68-byte Ed25519 note signature is refused.
 */
export function cosignatureV1Timestamp(signature: Uint8Array): number {
  if (signature.length !== COSIGNATURE_V1_SIZE) {
    throw new NoteError(
      'MALFORMED_COSIGNATURE',
      `cosignature/v1 is ${COSIGNATURE_V1_SIZE} bytes, got ${signature.length}`,
    );
  }
  try {
    return readU64be(signature, KEY_ID_SIZE);
  } catch (cause) {
    throw new NoteError('MALFORMED_COSIGNATURE', 'cosignature timestamp above 2^53 − 1', { cause });
  }
}
