/**
 * The Web Worker (HTML Living Standard §10.2 "Web workers") of the WebCrypto checker
 * (`webcrypto-checker.ts`): it posts {@link WebCryptoWorkerReady} once loaded, then answers
 * each {@link WebCryptoWorkerRequest} (a packed piece of jobs) with one byte per job. Bundled
 * on its own as an IIFE and started from a Blob of that text, so a page built into one file
 * needs no second file and no network.
 */
import { SignatureEngine, type EngineStats } from './webcrypto-engine.ts';

/** A piece of jobs to check. */
export interface WebCryptoWorkerRequest {
  readonly id: number;
  /** The jobs, packed by `packJobs` (transferred). */
  readonly buffer: ArrayBuffer;
  /** Check with @noble only (the comparison path), never WebCrypto. */
  readonly nobleOnly: boolean;
}

/** The answer to the request of the same `id`: its verdicts, or why the piece failed. */
export type WebCryptoWorkerResponse =
  | {
      readonly id: number;
      /** One byte per job, 1 where the signature verifies (transferred). */
      readonly results: Uint8Array;
      /** Who answered this piece's checks. */
      readonly stats: EngineStats;
    }
  | { readonly id: number; readonly error: string };

/** The first message, once the worker's script has loaded. */
export interface WebCryptoWorkerReady {
  readonly ready: true;
}

/** The worker side of the messages (the DOM lib types `globalThis` as a window). */
interface WorkerScope {
  onmessage: ((e: MessageEvent<WebCryptoWorkerRequest>) => void) | null;
  postMessage(message: unknown, transfer?: Transferable[]): void;
}

const scope = globalThis as unknown as WorkerScope;
const engines = { web: new SignatureEngine(), noble: new SignatureEngine({ webCrypto: false }) };

scope.onmessage = (e) => {
  const { id, buffer, nobleOnly } = e.data;
  (nobleOnly ? engines.noble : engines.web).check(buffer).then(
    ({ results, stats }) => {
      const response: WebCryptoWorkerResponse = { id, results, stats };
      scope.postMessage(response, [results.buffer]);
    },
    (err: unknown) => {
      const response: WebCryptoWorkerResponse = { id, error: String(err) };
      scope.postMessage(response);
    },
  );
};
const ready: WebCryptoWorkerReady = { ready: true };
scope.postMessage(ready);
