/**
 * The witness of c2sp.org/tlog-witness §add-checkpoint: it checks a log's checkpoint against the
 * latest one it cosigned for that origin and, only if consistent, records it durably and returns
 * a c2sp.org/tlog-cosignature/v1 (Ed25519, type 0x04, timestamped) signature line. No HTTP here:
 * the server maps {@link WitnessResponse} onto the wire as is.
 */
import { bytesEqual } from '../../src/core/bytes.ts';
import { isWattproofError } from '../../src/core/errors.ts';
import { EMPTY_ROOT } from '../../src/core/merkle/index.ts';
import { verifyConsistency } from '../../src/core/merkle/index.ts';
import { parseCheckpoint, type Checkpoint } from '../../src/core/note/index.ts';
import { cosignatureV1Signer, cosignatureV1VkeyOf } from '../../src/core/note/index.ts';
import { SignatureType, decodeVerifierKey } from '../../src/core/note/index.ts';
import { parseVerifierKey, type NoteVerifier } from '../../src/core/note/index.ts';
import { openNote, signNote, splitNote } from '../../src/core/note/index.ts';
import { WitnessError, type WitnessErrorCode } from './errors.ts';
import { parseAddCheckpointRequest } from './request.ts';
import type { WitnessStateStore } from './state-store.ts';

/** Content type of a 409 body holding the witness's latest size (tlog-witness §add-checkpoint). */
export const TLOG_SIZE_CONTENT_TYPE = 'text/x.tlog.size';

/** An add-checkpoint answer: status, content type and body, as the spec prescribes them. */
export interface WitnessResponse {
  readonly status: 200 | 400 | 403 | 404 | 409 | 422;
  readonly contentType: string;
  readonly body: string;
  /** Why the checkpoint was refused; absent on 200. */
  readonly code?: WitnessErrorCode;
}

/** A refused add-checkpoint, reported to {@link WitnessOptions.onRefusal} (e.g. fork evidence). */
export interface WitnessRefusal {
  readonly code: WitnessErrorCode;
  readonly message: string;
  readonly origin?: string;
  readonly oldSize?: number;
  /** The checkpoint note as submitted, when it parsed. */
  readonly checkpoint?: string;
  readonly evidence?: Readonly<Record<string, unknown>>;
}

/** How to build a {@link Witness}. */
export interface WitnessOptions {
  /** The witness's Ed25519 signed-note private key; its key name is the witness name. */
  readonly skey: string;
  /** Verifier keys of the logs to witness (`<origin>+<keyid>+<base64>`, name = origin). */
  readonly logs: readonly string[];
  /** Durable per-origin state. */
  readonly store: WitnessStateStore;
  /** Called for every refused request with a known origin (tlog-witness: MAY log it). */
  readonly onRefusal?: (refusal: WitnessRefusal) => void;
}

const TEXT = 'text/plain; charset=utf-8';

function refuse(
  status: WitnessResponse['status'],
  code: WitnessErrorCode,
  message: string,
): WitnessResponse {
  return { status, code, contentType: TEXT, body: `${message}\n` };
}

/**
 * Groups log vkeys by origin (their key name). Only Ed25519 (0x01) and ECDSA P-256 (0x02) note
 * keys are log keys; a cosigner key (0x04) is refused. Throws {@link WitnessError} `BAD_CONFIG`.
 */
export function parseLogKeys(vkeys: readonly string[]): Map<string, NoteVerifier[]> {
  const logs = new Map<string, NoteVerifier[]>();
  for (const vkey of vkeys) {
    let verifier: NoteVerifier;
    try {
      const type = decodeVerifierKey(vkey).type;
      if (type !== SignatureType.ed25519 && type !== SignatureType.ecdsaSha256) {
        throw new WitnessError('BAD_CONFIG', `signature type 0x0${type} is not a log key type`);
      }
      verifier = parseVerifierKey(vkey);
    } catch (cause) {
      throw new WitnessError('BAD_CONFIG', `not a usable log verifier key: "${vkey}"`, { cause });
    }
    logs.set(verifier.name, [...(logs.get(verifier.name) ?? []), verifier]);
  }
  return logs;
}

/**
 * A C2SP tlog-witness witness. Requests for one origin are handled strictly one after another,
 * so checking `old` against the stored size and persisting the new state are atomic
 * (tlog-witness §add-checkpoint, the rollback race).
 */
export class Witness {
  /** The witness name: the key name of its cosignatures. */
  readonly name: string;
  /** Cosigner verifier key, `<name>+<keyid>+base64(0x04 ‖ pub)` (tlog-cosignature §Format). */
  readonly vkey: string;
  private readonly logs: Map<string, NoteVerifier[]>;
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(private readonly options: WitnessOptions) {
    try {
      this.vkey = cosignatureV1VkeyOf(options.skey);
    } catch (cause) {
      throw new WitnessError('BAD_CONFIG', 'the witness key is not an Ed25519 note key', { cause });
    }
    this.name = this.vkey.slice(0, this.vkey.indexOf('+'));
    this.logs = parseLogKeys(options.logs);
  }

  /** Origins of the configured logs. */
  get origins(): string[] {
    return [...this.logs.keys()];
  }

  /**
   * Handles one add-checkpoint request body (tlog-witness §add-checkpoint) at POSIX time `now`
   * (seconds): 400 malformed or `old` above the checkpoint size; 404 unknown origin; 403 no
   * signature from the origin's keys; 409 `text/x.tlog.size` when `old` is not the latest
   * cosigned size, or 409 when the size is the same and the root differs; 422 when the
   * consistency proof fails; else the state is persisted, then 200 with the cosignature line.
   */
  async addCheckpoint(requestBody: Uint8Array, now: number): Promise<WitnessResponse> {
    if (!Number.isSafeInteger(now) || now < 0) throw new RangeError('now must be POSIX seconds');
    let oldSize: number;
    let proof: readonly Uint8Array[];
    let note: string;
    let text: string;
    let cp: Checkpoint;
    try {
      ({ oldSize, proof, checkpoint: note } = parseAddCheckpointRequest(requestBody));
      text = splitNote(note).text;
      cp = parseCheckpoint(text);
    } catch (e) {
      return refuse(400, 'MALFORMED_REQUEST', isWattproofError(e) ? e.message : 'malformed');
    }
    const verifiers = this.logs.get(cp.origin);
    if (verifiers === undefined) return refuse(404, 'UNKNOWN_ORIGIN', 'unknown log origin');
    const report = (code: WitnessErrorCode, message: string, evidence?: Record<string, unknown>) =>
      this.options.onRefusal?.({
        code,
        message,
        origin: cp.origin,
        oldSize,
        checkpoint: note,
        evidence,
      });
    try {
      openNote(note, verifiers);
    } catch {
      report('UNTRUSTED_SIGNATURE', 'no valid signature from a trusted log key');
      return refuse(403, 'UNTRUSTED_SIGNATURE', 'no valid signature from a trusted log key');
    }
    if (oldSize > cp.size) {
      report('MALFORMED_REQUEST', 'old size above the checkpoint size');
      return refuse(400, 'MALFORMED_REQUEST', 'old size is above the checkpoint size');
    }
    return this.serialised(cp.origin, async () => {
      const stored = await this.options.store.get(cp.origin);
      const size = stored?.size ?? 0;
      const root = stored?.root ?? EMPTY_ROOT;
      if (oldSize !== size) {
        report('OLD_SIZE_MISMATCH', 'old size is not the latest cosigned size', { size });
        return {
          status: 409,
          code: 'OLD_SIZE_MISMATCH',
          contentType: TLOG_SIZE_CONTENT_TYPE,
          body: `${size}\n`,
        } as const;
      }
      if (cp.size === size) {
        if (!bytesEqual(cp.root, root)) {
          report('ROOT_CONFLICT', 'same size, different root: the log forked', { size });
          return {
            status: 409,
            code: 'ROOT_CONFLICT',
            contentType: TLOG_SIZE_CONTENT_TYPE,
            body: `${size}\n`,
          } as const;
        }
      } else {
        try {
          verifyConsistency(oldSize, cp.size, proof, root, cp.root);
        } catch (e) {
          const evidence = isWattproofError(e) ? { ...e.evidence } : undefined;
          report('INCONSISTENT_PROOF', 'the consistency proof does not verify', evidence);
          return refuse(422, 'INCONSISTENT_PROOF', 'the consistency proof does not verify');
        }
      }
      const signed = signNote(text, [cosignatureV1Signer(this.options.skey, () => now)]);
      const line = signed.slice(text.length + 1);
      await this.options.store.put(cp.origin, { size: cp.size, root: cp.root, checkpoint: note });
      return { status: 200, contentType: TEXT, body: line } as const;
    });
  }

  /** The latest cosigned size and root per configured origin (for the info route). */
  async latest(): Promise<{ origin: string; size: number }[]> {
    return Promise.all(
      this.origins.map(async (origin) => ({
        origin,
        size: (await this.options.store.get(origin))?.size ?? 0,
      })),
    );
  }

  private serialised<T>(origin: string, task: () => Promise<T>): Promise<T> {
    const prev = this.queues.get(origin) ?? Promise.resolve();
    const run = prev.then(task, task);
    const tail = run.catch(() => undefined);
    this.queues.set(origin, tail);
    void tail.then(() => {
      if (this.queues.get(origin) === tail) this.queues.delete(origin);
    });
    return run;
  }
}
