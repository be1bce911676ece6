/** The public face of src/log/: what other parts import from it. */
export { loadOrCreateLogKey, loadOrCreateNoteKey } from './log-key.ts';
export { MerkleLog } from './merkle-log.ts';
export type { LogReadModel } from './read-model.ts';
