/**
 * Gathering cosignatures from several witnesses at once (c2sp.org/tlog-witness, client side).
 * Each witness has its own worker: it holds only the newest checkpoint still to submit, sends it
 * with the consistency proof from the size that witness last cosigned, follows a 409 to the
 * witness's real size, and retries failures with capped exponential back-off. A slow or dead
 * witness delays only its own cosignature; the cosignatures merge into the checkpoint note
 * (signed-note §Format, `addSignatures`).
 */
import { fromBase64 } from '../../src/core/bytes.ts';
import { parseCheckpoint } from '../../src/core/note/index.ts';
import { readU32be } from '../../src/core/note/index.ts';
import type { NoteSigner } from '../../src/core/note/index.ts';
import { addSignatures, splitNote } from '../../src/core/note/index.ts';
import { isWattproofError } from '../../src/core/errors.ts';
import { submitCheckpoint, type Cosignature, type FetchLike } from './client.ts';
import { WitnessClientError } from './errors.ts';

/** One witness: its submission prefix and cosigner vkey. */
export interface WitnessEndpoint {
  readonly url: string;
  readonly vkey: string;
}

/** How to build a {@link WitnessSet}. */
export interface WitnessSetOptions {
  readonly witnesses: readonly WitnessEndpoint[];
  /** RFC 9162 consistency proof between two sizes of the log (e.g. `MerkleLog.consistencyProof`). */
  readonly proof: (size1: number, size2: number) => Promise<Uint8Array[]>;
  readonly fetch: FetchLike;
  /** Per-request timeout in ms (default 10 000). */
  readonly timeoutMs?: number;
  /** First retry delay in ms (default 500); doubles up to `maxBackoffMs`. */
  readonly initialBackoffMs?: number;
  /** Longest retry delay in ms (default 30 000). */
  readonly maxBackoffMs?: number;
}

/** Health of one witness, for metrics. */
export interface WitnessHealth {
  readonly url: string;
  readonly name: string;
  /** Size the witness last cosigned, as far as this client knows (0 when unknown). */
  readonly lastSize: number;
  /** Failures since the last success. */
  readonly consecutiveFailures: number;
  /**
   * Code of the last failure, if any: a {@link WitnessClientError} code, `WITNESS_AHEAD` when
   * the witness already cosigned a larger size than the checkpoint, or another error's code.
   */
  readonly lastError: string | undefined;
}

/** A checkpoint with the cosignatures gathered so far. */
export interface CosignedCheckpoint {
  /** The checkpoint note with every gathered cosignature line added. */
  readonly note: string;
  /** Names of the witnesses that cosigned it. */
  readonly cosigners: string[];
}

interface Worker {
  readonly endpoint: WitnessEndpoint;
  readonly name: string;
  lastSize: number;
  failures: number;
  lastError: string | undefined;
  pending: string | undefined;
  running: boolean;
  wake: (() => void) | undefined;
}

interface Gathered {
  readonly note: string;
  readonly size: number;
  readonly lines: Map<string, string>;
  /** Witnesses that answered it at least once, or moved on to a newer checkpoint. */
  readonly settled: Set<string>;
  readonly waiters: (() => void)[];
}

const MAX_CONFLICT_HOPS = 3;
const KEEP_CHECKPOINTS = 16;

/** A line's signer for `addSignatures`: it "signs" by returning the line's signature bytes. */
function lineSigner(line: string): NoteSigner {
  const space = line.indexOf(' ', 2);
  const raw = fromBase64(line.slice(space + 1));
  return { name: line.slice(2, space), keyId: readU32be(raw), sign: () => raw.slice(4) };
}

/**
 * Submits checkpoints to a set of witnesses in parallel and merges their cosignatures.
 * `submit` never throws for a witness's failure; see {@link WitnessSet.health}.
 */
export class WitnessSet {
  private readonly workers: Worker[];
  private readonly gathered = new Map<string, Gathered>();
  private newest: Gathered | undefined;
  private closed = false;

  constructor(private readonly options: WitnessSetOptions) {
    this.workers = options.witnesses.map((endpoint) => ({
      endpoint,
      name: endpoint.vkey.slice(0, endpoint.vkey.indexOf('+')),
      lastSize: 0,
      failures: 0,
      lastError: undefined,
      pending: undefined,
      running: false,
      wake: undefined,
    }));
  }

  /**
   * Queues `signedCheckpoint` (a log-signed note) for every witness and resolves once every
   * witness has answered it once (cosigned, refused, failed, or superseded by a newer
   * checkpoint) or after `waitMs` (default 0: at once), with the cosignatures gathered by then.
   * Failed witnesses are retried in the background; their cosignatures arrive through
   * {@link WitnessSet.latest}.
   */
  async submit(signedCheckpoint: string, waitMs = 0): Promise<CosignedCheckpoint> {
    const { text } = splitNote(signedCheckpoint);
    const size = parseCheckpoint(text).size;
    let g = this.gathered.get(text);
    if (g === undefined) {
      g = { note: signedCheckpoint, size, lines: new Map(), settled: new Set(), waiters: [] };
      this.gathered.set(text, g);
      for (const old of [...this.gathered.keys()].slice(0, -KEEP_CHECKPOINTS)) {
        this.gathered.delete(old);
      }
    }
    if (this.newest === undefined || size >= this.newest.size) this.newest = g;
    for (const w of this.workers) {
      const queued = w.pending === undefined ? undefined : this.gathered.get(w.pending);
      if (queued !== undefined && queued.size > size) {
        // Submitted out of order: the witness already has a newer checkpoint to cosign.
        this.settle(text, w.name);
        continue;
      }
      if (w.pending !== undefined && w.pending !== text) this.settle(w.pending, w.name);
      w.pending = text;
      if (!w.running) void this.run(w);
    }
    const done = g;
    if (waitMs > 0 && done.settled.size < this.workers.length) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, waitMs);
        done.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.merged(done);
  }

  /** The newest submitted checkpoint with every cosignature gathered for it so far. */
  latest(): CosignedCheckpoint | undefined {
    return this.newest === undefined ? undefined : this.merged(this.newest);
  }

  /** Health of every witness. */
  health(): WitnessHealth[] {
    return this.workers.map((w) => ({
      url: w.endpoint.url,
      name: w.name,
      lastSize: w.lastSize,
      consecutiveFailures: w.failures,
      lastError: w.lastError,
    }));
  }

  /** Stops retrying; in-flight requests finish or time out on their own. */
  close(): void {
    this.closed = true;
    for (const w of this.workers) w.wake?.();
  }

  private merged(g: Gathered): CosignedCheckpoint {
    const lines = [...g.lines.values()];
    const note = lines.length === 0 ? g.note : addSignatures(g.note, lines.map(lineSigner));
    return { note, cosigners: [...g.lines.keys()] };
  }

  private settle(text: string, witness: string): void {
    const g = this.gathered.get(text);
    if (g === undefined || g.settled.has(witness)) return;
    g.settled.add(witness);
    if (g.settled.size >= this.workers.length) for (const f of g.waiters.splice(0)) f();
  }

  private async sleep(w: Worker, ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        w.wake = undefined;
        resolve();
      }
      w.wake = done;
    });
  }

  private async run(w: Worker): Promise<void> {
    w.running = true;
    try {
      while (!this.closed && w.pending !== undefined) {
        const text = w.pending;
        const g = this.gathered.get(text);
        if (g === undefined) {
          w.pending = undefined;
          break;
        }
        const outcome = await this.attempt(w, g);
        if (w.pending === text && outcome !== 'retry') w.pending = undefined;
        // The first answer, even a failure, ends the wait; retries go on in the background.
        this.settle(text, w.name);
        if (outcome === 'retry' && !this.closed) {
          const base = this.options.initialBackoffMs ?? 500;
          const cap = this.options.maxBackoffMs ?? 30_000;
          await this.sleep(w, Math.min(cap, base * 2 ** Math.min(w.failures - 1, 30)));
        }
      }
    } finally {
      w.running = false;
    }
  }

  /** One submission of `g` to `w`, following up to three 409s; 'retry' after a transient failure. */
  private async attempt(w: Worker, g: Gathered): Promise<'done' | 'refused' | 'retry'> {
    for (let hop = 0; hop <= MAX_CONFLICT_HOPS; hop++) {
      if (w.lastSize > g.size) {
        w.lastError = 'WITNESS_AHEAD';
        return 'refused';
      }
      let cosig: Cosignature;
      try {
        const oldSize = w.lastSize;
        const proof =
          oldSize === 0 || oldSize === g.size ? [] : await this.options.proof(oldSize, g.size);
        cosig = await submitCheckpoint({
          witnessUrl: w.endpoint.url,
          witnessVkey: w.endpoint.vkey,
          signedCheckpoint: g.note,
          oldSize,
          consistencyProof: proof,
          fetch: this.options.fetch,
          ...(this.options.timeoutMs === undefined ? {} : { timeoutMs: this.options.timeoutMs }),
        });
      } catch (e) {
        const code = isWattproofError(e) ? e.code : 'UNEXPECTED';
        w.lastError = code;
        if (e instanceof WitnessClientError && e.code === 'CONFLICT') {
          const size = e.witnessSize!;
          if (size !== w.lastSize) {
            w.lastSize = size;
            continue;
          }
          // Same old size yet a conflict: the witness holds another root at this size.
          w.failures++;
          return 'refused';
        }
        w.failures++;
        const transient =
          code === 'UNREACHABLE' || code === 'TIMEOUT' || code === 'UNEXPECTED_STATUS';
        return transient ? 'retry' : 'refused';
      }
      w.lastSize = g.size;
      w.failures = 0;
      w.lastError = undefined;
      g.lines.set(w.name, cosig.line);
      return 'done';
    }
    w.failures++;
    return 'retry';
  }
}
