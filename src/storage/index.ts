/** The public face of src/storage/: what other parts import from it. */
export { StorageError } from './errors.ts';
export { KeyPrefix, compositeKey, prefixEnd, prefixStart } from './key-layout.ts';
export { LevelStore } from './level-store.ts';
export type { StoreOp } from './level-store.ts';
export type { TreeState } from './tree-state.ts';
