/**
 * Submitting a checkpoint to one witness (c2sp.org/tlog-witness §add-checkpoint, client side)
 * and checking the cosignature it returns (c2sp.org/tlog-cosignature). Pure `fetch`, injected.
 */
import { isWattproofError } from '../../src/core/errors.ts';
import { parseCanonicalDecimal } from '../../src/core/note/index.ts';
import { parseVerifierKey } from '../../src/core/note/index.ts';
import { openNote, splitNote } from '../../src/core/note/index.ts';
import { WitnessClientError } from './errors.ts';
import { formatAddCheckpointRequest } from './request.ts';
import { TLOG_SIZE_CONTENT_TYPE } from './witness.ts';

/** The `fetch` the client uses (the global one, or a test double). */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

/** One add-checkpoint submission. */
export interface SubmitCheckpointOptions {
  /** Witness submission prefix, e.g. `https://witness.example/` (`add-checkpoint` is appended). */
  readonly witnessUrl: string;
  /** The witness's cosigner vkey (`<name>+<keyid>+base64(0x04 ‖ pub)`). */
  readonly witnessVkey: string;
  /** The log's signed checkpoint note. */
  readonly signedCheckpoint: string;
  /** Size the witness last cosigned (0 when unknown). */
  readonly oldSize: number;
  /** RFC 9162 §2.1.4 consistency proof from `oldSize` to the checkpoint size. */
  readonly consistencyProof: readonly Uint8Array[];
  readonly fetch: FetchLike;
  /** Time allowed for the whole exchange, in ms (default 10 000). */
  readonly timeoutMs?: number;
}

/** A verified cosignature. */
export interface Cosignature {
  /** The note signature line, without its newline. */
  readonly line: string;
  /** Witness name (key name of the line). */
  readonly name: string;
  /** The cosignature's POSIX timestamp. */
  readonly timestamp: number;
}

function addCheckpointUrl(prefix: string): string {
  return `${prefix.replace(/\/+$/, '')}/add-checkpoint`;
}

/**
 * Sends one add-checkpoint request and returns the witness's cosignature, verified against
 * `witnessVkey` over the checkpoint text (tlog-witness: "the client MAY concatenate it to the
 * checkpoint, and use a note verification function"). Lines from other keys are ignored.
 * Throws {@link WitnessClientError}: `CONFLICT` (409, with `witnessSize`), `INCONSISTENT`
 * (422), `FORBIDDEN` (403), `UNKNOWN_LOG` (404), `BAD_REQUEST` (400), `UNEXPECTED_STATUS`,
 * `UNREACHABLE`, `TIMEOUT`, `BAD_COSIGNATURE`.
 */
export async function submitCheckpoint(options: SubmitCheckpointOptions): Promise<Cosignature> {
  const verifier = parseVerifierKey(options.witnessVkey);
  const { text } = splitNote(options.signedCheckpoint);
  const body = formatAddCheckpointRequest({
    oldSize: options.oldSize,
    proof: options.consistencyProof,
    checkpoint: options.signedCheckpoint,
  });
  const url = addCheckpointUrl(options.witnessUrl);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  let status: number;
  let contentType: string;
  let answer: string;
  try {
    const res = await options.fetch(url, {
      method: 'POST',
      body,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      signal: controller.signal,
    });
    status = res.status;
    contentType = res.headers.get('content-type') ?? '';
    answer = await res.text();
  } catch (cause) {
    if (controller.signal.aborted) {
      throw new WitnessClientError('TIMEOUT', `witness ${url} gave no answer in ${timeoutMs} ms`, {
        cause,
      });
    }
    throw new WitnessClientError('UNREACHABLE', `witness ${url} is unreachable`, { cause });
  } finally {
    clearTimeout(timer);
  }
  const evidence = { url, status, body: answer.slice(0, 200) };
  switch (status) {
    case 200:
      break;
    case 409: {
      const size = answer.endsWith('\n') ? parseCanonicalDecimal(answer.slice(0, -1)) : undefined;
      if (!contentType.startsWith(TLOG_SIZE_CONTENT_TYPE) || size === undefined) {
        throw new WitnessClientError('UNEXPECTED_STATUS', `witness ${url}: 409 without a size`, {
          evidence,
        });
      }
      throw new WitnessClientError(
        'CONFLICT',
        `witness ${url} last cosigned size ${size}, not ${options.oldSize}`,
        { evidence, witnessSize: size },
      );
    }
    case 422:
      throw new WitnessClientError('INCONSISTENT', `witness ${url} refused the proof`, {
        evidence,
      });
    case 403:
      throw new WitnessClientError('FORBIDDEN', `witness ${url} does not trust the log key`, {
        evidence,
      });
    case 404:
      throw new WitnessClientError('UNKNOWN_LOG', `witness ${url} does not know the log`, {
        evidence,
      });
    case 400:
      throw new WitnessClientError('BAD_REQUEST', `witness ${url} found the request malformed`, {
        evidence,
      });
    default:
      throw new WitnessClientError('UNEXPECTED_STATUS', `witness ${url} answered ${status}`, {
        evidence,
      });
  }
  try {
    const opened = openNote(`${text}\n${answer}`, [verifier]);
    const sig = opened.verified[0]!;
    const prefix = `\u2014 ${verifier.name} `;
    const line = answer
      .split('\n')
      .filter((l) => l.startsWith(prefix))
      .find((l) => {
        try {
          return splitNote(`${text}\n${l}\n`).signatures[0]!.keyId === verifier.keyId;
        } catch {
          return false;
        }
      });
    if (line === undefined || sig.timestamp === undefined) throw new RangeError('no cosignature');
    return { line, name: verifier.name, timestamp: sig.timestamp };
  } catch (cause) {
    throw new WitnessClientError(
      'BAD_COSIGNATURE',
      `witness ${url} answered 200 without a valid cosignature from ${verifier.name}`,
      { cause, evidence: { ...evidence, reason: isWattproofError(cause) ? cause.code : 'none' } },
    );
  }
}
