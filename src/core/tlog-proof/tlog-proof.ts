/**
 * Offline-verifiable inclusion proofs in the c2sp.org/tlog-proof@v1 text format:
 *
 * ```
 * c2sp.org/tlog-proof@v1
 * [extra <base64 opaque data>]
 * index <decimal>
 * <base64 hash>            (zero or more, leaf sibling first, RFC 6962 §2.1.1 order)
 *
 * <checkpoint note, verbatim>
 * ```
 *
 * Parsing checks the layout only; the caller verifies the checkpoint note's signatures and
 * the inclusion proof against its root.
 */
import { fromBase64, toBase64 } from '../bytes.ts';
import { HASH_SIZE } from '../merkle/index.ts';
import { TlogProofError } from './errors.ts';

/** A parsed tlog-proof. */
export interface TlogProof {
  /** Zero-based index of the entry in the log. */
  index: number;
  /** Inclusion proof hashes, each 32 bytes, from the leaf's sibling up to the root's child. */
  hashes: Uint8Array[];
  /** The signed checkpoint note, verbatim (ends with a newline). */
  checkpoint: string;
  /** Opaque, unauthenticated extra data; absent when the proof has no `extra` line. */
  extra?: Uint8Array;
}

/** Input of {@link formatTlogProof}. */
export interface TlogProofInput {
  index: number;
  hashes: readonly Uint8Array[];
  checkpoint: string;
  extra?: Uint8Array;
}

/** First line of every v1 proof (tlog-proof §Format). */
export const TLOG_PROOF_HEADER = 'c2sp.org/tlog-proof@v1';

/** More hashes than this cannot be an inclusion proof in a tree of at most 2^64 leaves. */
export const MAX_PROOF_HASHES = 64;

const CANONICAL_DECIMAL = /^(0|[1-9][0-9]*)$/;

function malformed(message: string, cause?: unknown): TlogProofError {
  return new TlogProofError('MALFORMED_PROOF', `tlog-proof: ${message}`, { cause });
}

function hasForbiddenText(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 && c !== 0x0a) return true;
    if (c >= 0xd800 && c <= 0xdfff) {
      const hi = c <= 0xdbff;
      const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (!hi || d < 0xdc00 || d > 0xdfff) return true;
      i++;
    }
  }
  return false;
}

function checkCheckpoint(checkpoint: string): void {
  if (typeof checkpoint !== 'string' || checkpoint === '' || !checkpoint.endsWith('\n')) {
    throw malformed('checkpoint must be non-empty and end with a newline');
  }
  if (checkpoint.startsWith('\n')) throw malformed('checkpoint must not start with a blank line');
  if (hasForbiddenText(checkpoint)) throw malformed('checkpoint has a control character');
}

/**
 * Serialises a tlog-proof (c2sp.org/tlog-proof §Format). Throws `TlogProofError`
 * `MALFORMED_PROOF` when the index is not a non-negative safe integer, a hash is not 32
 * bytes, `extra` is empty, or the checkpoint is not non-empty text ending with a newline.
 */
export function formatTlogProof(proof: TlogProofInput): string {
  const { index, hashes, checkpoint, extra } = proof;
  if (!Number.isSafeInteger(index) || index < 0) {
    throw malformed('index must be a non-negative safe integer');
  }
  if (hashes.length > MAX_PROOF_HASHES) throw malformed(`more than ${MAX_PROOF_HASHES} hashes`);
  if (hashes.some((h) => !(h instanceof Uint8Array) || h.length !== HASH_SIZE)) {
    throw malformed('every hash must be 32 bytes');
  }
  if (extra !== undefined && (!(extra instanceof Uint8Array) || extra.length === 0)) {
    throw malformed('extra data, when present, must be non-empty bytes');
  }
  checkCheckpoint(checkpoint);
  const lines = [TLOG_PROOF_HEADER];
  if (extra !== undefined) lines.push(`extra ${toBase64(extra)}`);
  lines.push(`index ${index}`);
  for (const h of hashes) lines.push(toBase64(h));
  return `${lines.join('\n')}\n\n${checkpoint}`;
}

/**
 * Parses a tlog-proof strictly: the exact header line; an optional `extra <non-empty strict
 * base64>` line; `index <canonical decimal ≤ 2^53 − 1>`; zero to {@link MAX_PROOF_HASHES}
 * lines of strict base64 32-byte hashes; a blank line; then the checkpoint note verbatim
 * (non-empty, ending with a newline). No control characters other than newline. Throws
 * `TlogProofError` `MALFORMED_PROOF`.
 */
export function parseTlogProof(text: string | Uint8Array): TlogProof {
  let s: string;
  if (typeof text === 'string') {
    s = text;
  } else if (text instanceof Uint8Array) {
    try {
      s = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(text);
    } catch (cause) {
      throw malformed('not valid UTF-8', cause);
    }
  } else {
    throw new TypeError('parseTlogProof: expected a string or Uint8Array');
  }
  const blank = s.indexOf('\n\n');
  if (blank < 0) throw malformed('no blank line before the checkpoint');
  const head = s.slice(0, blank).split('\n');
  const checkpoint = s.slice(blank + 2);
  if (hasForbiddenText(s.slice(0, blank))) throw malformed('control character or invalid UTF-16');
  checkCheckpoint(checkpoint);

  let i = 0;
  if (head[i++] !== TLOG_PROOF_HEADER) throw malformed(`first line must be ${TLOG_PROOF_HEADER}`);
  let extra: Uint8Array | undefined;
  if (head[i]?.startsWith('extra ')) {
    const b64 = head[i++]!.slice('extra '.length);
    try {
      extra = fromBase64(b64);
    } catch (cause) {
      throw malformed('extra data is not strict base64', cause);
    }
    if (extra.length === 0) throw malformed('extra data is empty');
  }
  const indexLine = head[i++];
  if (indexLine === undefined || !indexLine.startsWith('index ')) {
    throw malformed('missing index line');
  }
  const digits = indexLine.slice('index '.length);
  const index = Number(digits);
  if (!CANONICAL_DECIMAL.test(digits) || digits.length > 16 || !Number.isSafeInteger(index)) {
    throw malformed('index is not a canonical decimal ≤ 2^53 − 1');
  }
  const hashLines = head.slice(i);
  if (hashLines.length > MAX_PROOF_HASHES) throw malformed(`more than ${MAX_PROOF_HASHES} hashes`);
  const hashes = hashLines.map((line, k) => {
    let h: Uint8Array;
    try {
      h = fromBase64(line);
    } catch (cause) {
      throw malformed(`hash ${k} is not strict base64`, cause);
    }
    if (h.length !== HASH_SIZE) throw malformed(`hash ${k} is not 32 bytes`);
    return h;
  });
  return extra === undefined ? { index, hashes, checkpoint } : { index, hashes, checkpoint, extra };
}
