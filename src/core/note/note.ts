/**
 * Signed notes (c2sp.org/signed-note §Format and §Signatures): a UTF-8 text ending in a
 * newline, a blank line, then one or more lines `— <key name> base64(key ID ‖ signature)\n`
 * (U+2014 em dash). The signed message is the text including its final newline.
 */
import { concatBytes, fromBase64, toBase64, utf8 } from '../bytes.ts';
import { MAX_SIGNATURES, NoteError } from './errors.ts';
import { formatKeyId, hasLoneSurrogate, isValidKeyName, readU32be, u32be } from './key-format.ts';
import type { NoteSigner, NoteVerifier } from './signer-types.ts';

/** One parsed, not yet verified, signature line. */
export interface NoteSignatureLine {
  /** Key name from the line. */
  readonly name: string;
  /** Key ID: the first four bytes of the decoded signature, big-endian. */
  readonly keyId: number;
  /** Signature bytes after the key ID. */
  readonly signature: Uint8Array;
  /** The line as written, without its final newline. */
  readonly line: string;
}

/** A note split into its text and signature lines, nothing verified. */
export interface SplitNote {
  /** Note text, including its final newline, without the blank separator line. */
  readonly text: string;
  /** Signature lines in note order. */
  readonly signatures: readonly NoteSignatureLine[];
}

/** A signature from a known key that verified. */
export interface VerifiedSignature {
  name: string;
  keyId: number;
  /** POSIX seconds, for timestamped types such as tlog-cosignature/v1. */
  timestamp?: number;
}

/** A signature from a key the caller does not know; ignored for verification. */
export interface UnverifiedSignature {
  name: string;
  keyId: number;
}

/** Result of {@link openNote}. */
export interface OpenedNote {
  /** The note text, to be trusted only because at least one known key signed it. */
  text: string;
  verified: VerifiedSignature[];
  unverified: UnverifiedSignature[];
}

const EM_DASH_PREFIX = '\u2014 ';
const MIN_SIGNATURE_BYTES = 5; // key ID plus at least one byte, as Go's sumdb/note requires
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function hasForbiddenControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 && c !== 0x0a) return true;
  }
  return false;
}

function malformedNote(message: string, cause?: unknown): NoteError {
  return new NoteError('MALFORMED_NOTE', `note: ${message}`, { cause });
}

function decodeNote(note: string | Uint8Array): string {
  if (typeof note === 'string') {
    if (hasLoneSurrogate(note)) throw malformedNote('not valid UTF-8 (lone surrogate)');
    return note;
  }
  if (!(note instanceof Uint8Array)) throw new TypeError('note must be a string or Uint8Array');
  try {
    return strictUtf8.decode(note);
  } catch (cause) {
    throw malformedNote('not valid UTF-8', cause);
  }
}

function checkText(text: string): void {
  if (typeof text !== 'string' || text === '') throw malformedNote('empty text');
  if (!text.endsWith('\n')) throw malformedNote('text must end with a newline');
  if (hasLoneSurrogate(text)) throw malformedNote('text is not valid UTF-8 (lone surrogate)');
  if (hasForbiddenControl(text))
    throw malformedNote('text has a control character other than newline');
}

function parseSignatureLine(line: string): NoteSignatureLine {
  const bad = (why: string, cause?: unknown): NoteError =>
    new NoteError('MALFORMED_SIGNATURE', `note: signature line ${why}`, { cause });
  if (!line.startsWith(EM_DASH_PREFIX)) throw bad('does not start with U+2014 and a space');
  const body = line.slice(EM_DASH_PREFIX.length);
  const space = body.indexOf(' ');
  if (space < 0) throw bad('has no space between key name and signature');
  const name = body.slice(0, space);
  const b64 = body.slice(space + 1);
  if (!isValidKeyName(name)) throw bad('has an invalid key name');
  let raw: Uint8Array;
  try {
    raw = fromBase64(b64);
  } catch (cause) {
    throw bad('is not strict base64', cause);
  }
  if (raw.length < MIN_SIGNATURE_BYTES) throw bad('is shorter than a key ID and a signature');
  return { name, keyId: readU32be(raw), signature: raw.slice(4), line };
}

/**
 * Splits a signed note into its text and signature lines without verifying anything.
 * Strict (signed-note §Format): valid UTF-8, no control characters other than newline, a
 * blank line before the signatures (the last one in the note), a final newline, every
 * signature line `— <valid name> <strict base64 of ≥ 5 bytes>`, at most
 * {@link MAX_SIGNATURES} lines. Throws `NoteError` (`MALFORMED_NOTE`, `MALFORMED_SIGNATURE`,
 * `TOO_MANY_SIGNATURES`).
 */
export function splitNote(note: string | Uint8Array): SplitNote {
  const s = decodeNote(note);
  if (hasForbiddenControl(s)) throw malformedNote('control character other than newline');
  const split = s.lastIndexOf('\n\n');
  if (split < 0) throw malformedNote('no blank line before the signatures');
  const text = s.slice(0, split + 1);
  const block = s.slice(split + 2);
  if (block === '') throw malformedNote('no signature lines');
  if (!block.endsWith('\n')) throw malformedNote('missing final newline');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) {
    throw new NoteError('TOO_MANY_SIGNATURES', `note: more than ${MAX_SIGNATURES} signatures`, {
      evidence: { count: lines.length },
    });
  }
  return { text, signatures: lines.map(parseSignatureLine) };
}

/**
 * Opens a signed note against the caller's known keys (signed-note §Signatures). Signatures
 * whose (name, key ID) matches no verifier are listed in `unverified` and otherwise ignored.
 * Every signature line of a known key is verified ("If the key name and ID match a known key,
 * verifiers MUST verify the signature"), also a second, different line of a key that already
 * verified: a line repeated byte for byte is checked once, but a bad line under a trusted name
 * and key ID refuses the whole note wherever it stands ("If a signature from a known key fails
 * to verify, clients SHOULD reject the whole note"). A key that verifies is listed once in
 * `verified`, with the first line's timestamp. Throws `NoteError`: `INVALID_SIGNATURE` when a
 * known key's signature fails (evidence: name, key ID, and `line`, its 0-based position among
 * the signature lines), `NO_VERIFIED_SIGNATURE` when no known key signed, `AMBIGUOUS_KEY` when
 * two verifiers share a name and key ID, and the parse codes of {@link splitNote}.
 */
export function openNote(
  note: string | Uint8Array,
  verifiers: readonly NoteVerifier[],
): OpenedNote {
  const { text, signatures } = splitNote(note);
  const message = utf8(text);
  const verified: VerifiedSignature[] = [];
  const unverified: UnverifiedSignature[] = [];
  const verifiedKeys = new Set<string>();
  const seenLines = new Set<string>();
  for (const [position, sig] of signatures.entries()) {
    const id = `${sig.name}+${formatKeyId(sig.keyId)}`;
    const matches = verifiers.filter((v) => v.name === sig.name && v.keyId === sig.keyId);
    // A line repeated byte for byte has the verdict of its first copy.
    if (seenLines.has(sig.line)) continue;
    seenLines.add(sig.line);
    if (matches.length === 0) {
      unverified.push({ name: sig.name, keyId: sig.keyId });
      continue;
    }
    if (matches.length > 1) {
      throw new NoteError('AMBIGUOUS_KEY', `note: more than one verifier for ${id}`);
    }
    const v = matches[0]!;
    const evidence = { name: sig.name, keyId: sig.keyId, line: position };
    let ok: boolean;
    let timestamp: number | undefined;
    try {
      ok = v.verify(message, sig.signature) === true;
      if (ok && v.timestamp) timestamp = v.timestamp(sig.signature);
    } catch (cause) {
      throw new NoteError(
        'INVALID_SIGNATURE',
        `note: signature line ${position + 1} by ${id} could not be checked`,
        { cause, evidence },
      );
    }
    if (!ok) {
      throw new NoteError(
        'INVALID_SIGNATURE',
        `note: invalid signature by ${id} on signature line ${position + 1}` +
          (verifiedKeys.has(id) ? ' (after a valid one by the same key)' : ''),
        { evidence },
      );
    }
    if (verifiedKeys.has(id)) continue;
    verifiedKeys.add(id);
    verified.push(
      timestamp === undefined
        ? { name: sig.name, keyId: sig.keyId }
        : { name: sig.name, keyId: sig.keyId, timestamp },
    );
  }
  if (verified.length === 0) {
    throw new NoteError('NO_VERIFIED_SIGNATURE', 'note: no signature from a known key', {
      evidence: { unverified },
    });
  }
  return { text, verified, unverified };
}

function signatureLines(text: string, signers: readonly NoteSigner[]): string[] {
  const message = utf8(text);
  return signers.map((s) => {
    if (!isValidKeyName(s.name))
      throw new NoteError('MALFORMED_KEY', 'signer has an invalid key name');
    if (!Number.isInteger(s.keyId) || s.keyId < 0 || s.keyId > 0xffffffff) {
      throw new RangeError('signer key ID must be a uint32');
    }
    const sig = s.sign(message);
    if (!(sig instanceof Uint8Array) || sig.length === 0) {
      throw new TypeError('signer returned no signature bytes');
    }
    return `${EM_DASH_PREFIX}${s.name} ${toBase64(concatBytes(u32be(s.keyId), sig))}`;
  });
}

/**
 * Signs `text` with every signer and returns the signed note: the text, a blank line, then one
 * line `— <name> base64(keyID ‖ sig)` per signer in order (signed-note §Format). `text` must be
 * non-empty valid UTF-8 ending in a newline with no other control characters (`NoteError`
 * `MALFORMED_NOTE`).
 */
export function signNote(text: string, signers: readonly NoteSigner[]): string {
  checkText(text);
  if (signers.length === 0) throw new RangeError('signNote: at least one signer is needed');
  if (signers.length > MAX_SIGNATURES) {
    throw new RangeError(`signNote: at most ${MAX_SIGNATURES} signatures`);
  }
  return `${text}\n${signatureLines(text, signers).join('\n')}\n`;
}

/**
 * Adds signatures to an already signed note, as Go's `note.Sign` does: existing signature
 * lines stay in order (except those from a key that signs again, which are replaced) and the
 * new lines follow. Existing signatures are not verified.
 */
export function addSignatures(signedNote: string, signers: readonly NoteSigner[]): string {
  const { text, signatures } = splitNote(signedNote);
  const fresh = signatureLines(text, signers);
  const replaced = new Set(signers.map((s) => `${s.name}+${s.keyId}`));
  const kept = signatures.filter((s) => !replaced.has(`${s.name}+${s.keyId}`)).map((s) => s.line);
  const all = [...kept, ...fresh];
  if (all.length > MAX_SIGNATURES) {
    throw new NoteError('TOO_MANY_SIGNATURES', `note: more than ${MAX_SIGNATURES} signatures`);
  }
  return `${text}\n${all.join('\n')}\n`;
}
