/**
 * The add-checkpoint request body (c2sp.org/tlog-witness §add-checkpoint): an `old <N>` line,
 * at most 63 consistency proof lines (one base64 hash each), an empty line, then the signed
 * checkpoint note. Every line ends in U+000A.
 */
import { fromBase64, toBase64 } from '../../src/core/bytes.ts';
import { HASH_SIZE } from '../../src/core/merkle/index.ts';
import { parseCanonicalDecimal } from '../../src/core/note/index.ts';
import { WitnessError } from './errors.ts';

/** Most consistency proof lines a request may carry (tlog-witness §add-checkpoint). */
export const MAX_PROOF_LINES = 63;

/** A parsed add-checkpoint request; the checkpoint note is not yet verified. */
export interface AddCheckpointRequest {
  /** Size of the previous checkpoint the proof starts from. */
  readonly oldSize: number;
  /** RFC 9162 §2.1.4 consistency proof from `oldSize` to the checkpoint size. */
  readonly proof: readonly Uint8Array[];
  /** The signed checkpoint note, verbatim. */
  readonly checkpoint: string;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function malformed(message: string, cause?: unknown): WitnessError {
  return new WitnessError('MALFORMED_REQUEST', `add-checkpoint: ${message}`, { cause });
}

/**
 * Parses an add-checkpoint body. Strict: valid UTF-8; `old ` and a canonical decimal; each proof
 * line strict base64 of a 32-byte hash; at most {@link MAX_PROOF_LINES}; no proof when `old`
 * is 0. Throws {@link WitnessError} `MALFORMED_REQUEST`. The checkpoint is checked later.
 */
export function parseAddCheckpointRequest(body: Uint8Array): AddCheckpointRequest {
  let text: string;
  try {
    text = strictUtf8.decode(body);
  } catch (cause) {
    throw malformed('body is not valid UTF-8', cause);
  }
  const blank = text.indexOf('\n\n');
  if (blank < 0) throw malformed('no empty line before the checkpoint');
  const head = text.slice(0, blank).split('\n');
  const checkpoint = text.slice(blank + 2);
  const oldLine = head[0]!;
  if (!oldLine.startsWith('old ')) throw malformed('the first line is not "old <size>"');
  const oldSize = parseCanonicalDecimal(oldLine.slice(4));
  if (oldSize === undefined) throw malformed('the old size is not a canonical decimal');
  const proofLines = head.slice(1);
  if (proofLines.length > MAX_PROOF_LINES) {
    throw malformed(`more than ${MAX_PROOF_LINES} consistency proof lines`);
  }
  if (oldSize === 0 && proofLines.length > 0) {
    throw malformed('the proof must be empty when the old size is 0');
  }
  const proof = proofLines.map((line, i) => {
    let hash: Uint8Array;
    try {
      hash = fromBase64(line);
    } catch (cause) {
      throw malformed(`proof line ${i + 1} is not base64`, cause);
    }
    if (hash.length !== HASH_SIZE) throw malformed(`proof line ${i + 1} is not a 32-byte hash`);
    return hash;
  });
  if (checkpoint === '') throw malformed('no checkpoint after the empty line');
  return { oldSize, proof, checkpoint };
}

/** Formats an add-checkpoint body (tlog-witness §add-checkpoint), the client side of the above. */
export function formatAddCheckpointRequest(req: AddCheckpointRequest): string {
  if (!Number.isSafeInteger(req.oldSize) || req.oldSize < 0) {
    throw new RangeError('oldSize must be a non-negative safe integer');
  }
  if (req.proof.length > MAX_PROOF_LINES) throw new RangeError('too many proof hashes');
  const proof = req.proof.map((h) => `${toBase64(h)}\n`).join('');
  return `old ${req.oldSize}\n${proof}\n${req.checkpoint}`;
}
