/**
 * Checkpoint note bodies (c2sp.org/tlog-checkpoint §Note text): origin, tree size, root hash,
 * then optional extension lines, each terminated by a newline.
 */
import { fromBase64, toBase64 } from '../bytes.ts';
import { NoteError } from './errors.ts';
import { hasLoneSurrogate } from './key-format.ts';

/** A parsed tlog-checkpoint body. */
export interface Checkpoint {
  /** Log identity, the first line; non-empty. */
  origin: string;
  /** Number of leaves in the tree (a safe integer). */
  size: number;
  /** RFC 6962 / RFC 9162 Merkle tree root hash at `size`. */
  root: Uint8Array;
  /** Opaque non-empty extension lines after the root, without their newlines. */
  extensions: string[];
}

/** Options for {@link parseCheckpoint}. */
export interface ParseCheckpointOptions {
  /** Required length of the root hash in bytes; 32 (SHA-256) unless a test says otherwise. */
  rootSize?: number;
}

const CANONICAL_DECIMAL = /^(0|[1-9][0-9]*)$/;

/**
 * Parses a canonical ASCII decimal (no sign, no leading zeros) up to 2^53 − 1, or returns
 * `undefined`.
 */
export function parseCanonicalDecimal(s: string): number | undefined {
  if (!CANONICAL_DECIMAL.test(s) || s.length > 16) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
}

function hasControlChar(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 && c !== 0x0a) return true;
  }
  return false;
}

function malformed(message: string, cause?: unknown): NoteError {
  return new NoteError('MALFORMED_CHECKPOINT', `checkpoint: ${message}`, { cause });
}

/**
 * Parses a checkpoint body (the note text, including its final newline, without signatures).
 * Strict: non-empty origin; size a canonical decimal ≤ 2^53 − 1; root strict base64 of exactly
 * `rootSize` (32) bytes; extension lines non-empty; final newline; no control characters other
 * than newline. Throws `NoteError` `MALFORMED_CHECKPOINT` otherwise.
 */
export function parseCheckpoint(text: string, options: ParseCheckpointOptions = {}): Checkpoint {
  const rootSize = options.rootSize ?? 32;
  if (typeof text !== 'string') throw malformed('not a string');
  if (!text.endsWith('\n')) throw malformed('missing final newline');
  if (hasControlChar(text) || hasLoneSurrogate(text)) {
    throw malformed('control character or invalid UTF-16');
  }
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) throw malformed('fewer than three lines');
  const [origin, sizeLine, rootLine, ...extensions] = lines as [
    string,
    string,
    string,
    ...string[],
  ];
  if (origin === '') throw malformed('empty origin');
  const size = parseCanonicalDecimal(sizeLine);
  if (size === undefined) throw malformed('tree size is not a canonical decimal ≤ 2^53 − 1');
  let root: Uint8Array;
  try {
    root = fromBase64(rootLine);
  } catch (cause) {
    throw malformed('root hash is not strict base64', cause);
  }
  if (root.length !== rootSize) throw malformed(`root hash is not ${rootSize} bytes`);
  if (extensions.some((e) => e === '')) throw malformed('empty extension line');
  return { origin, size, root, extensions };
}

/**
 * Formats a checkpoint body: `<origin>\n<size>\n<base64 root>\n` followed by one line per
 * extension (c2sp.org/tlog-checkpoint §Note text). Throws `NoteError` `MALFORMED_CHECKPOINT`
 * when a field cannot be written as its line (empty or multi-line origin or extension, size not
 * a non-negative safe integer, empty root). The root length is the caller's business.
 */
export function formatCheckpoint(cp: Checkpoint): string {
  const extensions = cp.extensions ?? [];
  const badLine = (s: string): boolean =>
    typeof s !== 'string' ||
    s === '' ||
    hasControlChar(s) ||
    hasLoneSurrogate(s) ||
    s.includes('\n');
  if (badLine(cp.origin)) throw malformed('origin must be one non-empty line');
  if (!Number.isSafeInteger(cp.size) || cp.size < 0) {
    throw malformed('size must be a non-negative safe integer');
  }
  if (!(cp.root instanceof Uint8Array) || cp.root.length === 0)
    throw malformed('root hash missing');
  if (extensions.some(badLine)) throw malformed('extension lines must be non-empty single lines');
  const ext = extensions.map((e) => `${e}\n`).join('');
  return `${cp.origin}\n${cp.size}\n${toBase64(cp.root)}\n${ext}`;
}
