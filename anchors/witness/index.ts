/**
 * Witnessing (c2sp.org/tlog-witness, c2sp.org/tlog-cosignature): the witness, its durable
 * state and HTTP server, and the client a log uses to gather cosignatures.
 */
export { WitnessClientError, WitnessError } from './errors.ts';
export type { WitnessClientErrorCode, WitnessErrorCode } from './errors.ts';
export {
  MAX_PROOF_LINES,
  formatAddCheckpointRequest,
  parseAddCheckpointRequest,
} from './request.ts';
export type { AddCheckpointRequest } from './request.ts';
export { LevelWitnessStateStore, decodeWitnessState, encodeWitnessState } from './state-store.ts';
export type { WitnessLogState, WitnessStateStore } from './state-store.ts';
export { TLOG_SIZE_CONTENT_TYPE, Witness, parseLogKeys } from './witness.ts';
export type { WitnessOptions, WitnessRefusal, WitnessResponse } from './witness.ts';
export { MAX_REQUEST_BYTES, buildWitnessApp } from './server.ts';
export type { WitnessAppOptions } from './server.ts';
export { WITNESS_USAGE, runWitness, startWitness } from './cli.ts';
export type { RunningWitness, WitnessProcessOptions } from './cli.ts';
export { submitCheckpoint } from './client.ts';
export type { Cosignature, FetchLike, SubmitCheckpointOptions } from './client.ts';
export { WitnessSet } from './witness-set.ts';
export type {
  CosignedCheckpoint,
  WitnessEndpoint,
  WitnessHealth,
  WitnessSetOptions,
} from './witness-set.ts';
