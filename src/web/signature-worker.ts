/**
 * The Web Worker (HTML Living Standard §10.2, "Web workers") that checks reading signatures
 * for the page: it receives `{ id, jobs }` and answers `{ id, results }`, one boolean per job.
 * Bundled on its own and inlined into the page as text (`build-page.ts`), so that the page
 * needs no second file and no network.
 */
import { checkJobs, type JobData } from './check-jobs.ts';

/** A request to the worker. */
export interface WorkerRequest {
  readonly id: number;
  readonly jobs: readonly JobData[];
}

/** The worker's answer to the request of the same `id`. */
export interface WorkerResponse {
  readonly id: number;
  readonly results: readonly boolean[];
}

/** The worker side of the messages (the DOM lib types `globalThis` as a window). */
interface WorkerScope {
  onmessage: ((e: MessageEvent<WorkerRequest>) => void) | null;
  postMessage(message: WorkerResponse): void;
}

const scope = globalThis as unknown as WorkerScope;
scope.onmessage = (e) => {
  scope.postMessage({ id: e.data.id, results: checkJobs(e.data.jobs) });
};
