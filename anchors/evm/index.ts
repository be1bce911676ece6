/**
 * EVM chain anchoring: checkpoint digests in transactions on Energy Web Chain, Ethereum or any
 * EVM network, over JSON-RPC; the minimal anchor contract; the offline and online verifier;
 * the key file loader.
 */
export { EvmAnchor } from './evm-anchor.ts';
export type { EvmAnchorOptions } from './evm-anchor.ts';
export { EvmVerifier } from './verifier.ts';
export type { EvmVerifierOptions } from './verifier.ts';
export { deployAnchorContract } from './deploy.ts';
export type { DeployAnchorContractOptions } from './deploy.ts';
export { EvmKeyError, loadEvmKey } from './key.ts';
export type { EvmKey, EvmKeyErrorCode } from './key.ts';
export { EVM_ANCHOR_TYPE, MAX_RAW_TX_BYTES, parseEvmRecord } from './record.ts';
export type { EvmAnchorRecord } from './record.ts';
export {
  DATA_MAGIC,
  EvmAnchorMode,
  decodePayload,
  encodeContractCall,
  encodeDataPayload,
  isAnchoredLogOf,
} from './payload.ts';
export type { DecodedPayload } from './payload.ts';
export {
  ANCHORED_TOPIC,
  ANCHOR_CONTRACT_ABI,
  ANCHOR_INIT_CODE,
  ANCHOR_INIT_CODE_HEX,
  ANCHOR_RUNTIME_CODE,
  ANCHOR_RUNTIME_CODE_HEX,
  ANCHOR_SELECTOR,
} from './contract.ts';
export { EVM_USAGE, runEvm } from './cli.ts';
