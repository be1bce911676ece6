/**
 * The record of an EVM anchor, as stored and carried in bundles (JSON only), and its strict
 * parser: a record comes from a bundle, so every field is checked before use.
 */
import { getAddress, isAddress, isHex, type Address, type Hex } from 'viem';
import { fromBase64 } from '../../src/core/bytes.ts';
import { AnchorError, type AnchoredCheckpoint, type AnchorRecordJson } from '../anchor.ts';
import type { EvmAnchorMode } from './payload.ts';

/** The record `type` of EVM anchors. */
export const EVM_ANCHOR_TYPE = 'evm';

/** Largest signed transaction a record may carry, in bytes (a real one is a few hundred). */
export const MAX_RAW_TX_BYTES = 64 * 1024;

/**
 * An EVM anchor record. `time` is the timestamp of the block that includes the transaction;
 * `rawTx` is the signed transaction (EIP-2718 envelope, or RLP for a legacy transaction), from
 * which a verifier recovers the sender and reads the digest without any network.
 */
export interface EvmAnchorRecord extends AnchorRecordJson {
  readonly type: typeof EVM_ANCHOR_TYPE;
  /** EIP-155 chain id. */
  readonly chainId: number;
  readonly mode: EvmAnchorMode;
  /** The anchor contract (contract mode only), EIP-55 checksummed. */
  readonly contract?: Address;
  /** keccak-256 of `rawTx`. */
  readonly txHash: Hex;
  readonly blockNumber: number;
  readonly blockHash: Hex;
  /** The signing account, EIP-55 checksummed. */
  readonly sender: Address;
  readonly rawTx: Hex;
  /** Index of the `Anchored` log in the block (contract mode only). */
  readonly logIndex?: number;
}

function malformed(message: string): AnchorError {
  return new AnchorError('ANCHOR_MALFORMED', `EVM anchor record: ${message}`);
}

function isUint(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function hash32(v: unknown, field: string): Hex {
  if (typeof v !== 'string' || !isHex(v, { strict: true }) || v.length !== 66) {
    throw malformed(`${field} is not a 32-byte 0x hex string`);
  }
  return v.toLowerCase() as Hex;
}

function address(v: unknown, field: string): Address {
  if (typeof v !== 'string' || !isAddress(v, { strict: false })) {
    throw malformed(`${field} is not an address`);
  }
  return getAddress(v);
}

/**
 * Checks the shape of `json` as an {@link EvmAnchorRecord} and returns it with hashes in
 * lowercase and addresses checksummed, together with the checkpoint it names. Throws
 * `ANCHOR_MALFORMED` on any missing or ill-typed field.
 */
export function parseEvmRecord(json: AnchorRecordJson): {
  record: EvmAnchorRecord;
  checkpoint: AnchoredCheckpoint;
} {
  if (typeof json !== 'object' || json === null) throw malformed('not an object');
  if (json.type !== EVM_ANCHOR_TYPE) throw malformed(`type is not "${EVM_ANCHOR_TYPE}"`);
  if (typeof json.origin !== 'string' || json.origin.length === 0) throw malformed('no origin');
  if (!isUint(json.size)) throw malformed('size is not a non-negative integer');
  let root: Uint8Array;
  try {
    root = fromBase64(String(json.root));
  } catch {
    throw malformed('root is not base64');
  }
  if (root.length !== 32) throw malformed('root is not 32 bytes');
  if (!isUint(json.time)) throw malformed('time is not a non-negative integer');
  if (!isUint(json.chainId) || json.chainId === 0)
    throw malformed('chainId is not a positive integer');
  if (json.mode !== 'contract' && json.mode !== 'data') {
    throw malformed('mode is neither "contract" nor "data"');
  }
  const contract = json.mode === 'contract' ? address(json.contract, 'contract') : undefined;
  if (json.mode === 'data' && json.contract !== undefined) {
    throw malformed('a data-mode record has no contract');
  }
  const logIndex = json.mode === 'contract' ? json.logIndex : undefined;
  if (json.mode === 'contract' && !isUint(logIndex)) throw malformed('logIndex is not an integer');
  if (json.mode === 'data' && json.logIndex !== undefined) {
    throw malformed('a data-mode record has no logIndex');
  }
  if (!isUint(json.blockNumber)) throw malformed('blockNumber is not a non-negative integer');
  const rawTx = json.rawTx;
  if (typeof rawTx !== 'string' || !isHex(rawTx, { strict: true }) || rawTx.length % 2 !== 0) {
    throw malformed('rawTx is not 0x hex');
  }
  if (rawTx.length > 2 + 2 * MAX_RAW_TX_BYTES) throw malformed('rawTx is too long');
  const record: EvmAnchorRecord = {
    type: EVM_ANCHOR_TYPE,
    origin: json.origin,
    size: json.size,
    root: json.root as string,
    time: json.time,
    chainId: json.chainId,
    mode: json.mode,
    ...(contract === undefined ? {} : { contract }),
    txHash: hash32(json.txHash, 'txHash'),
    blockNumber: json.blockNumber,
    blockHash: hash32(json.blockHash, 'blockHash'),
    sender: address(json.sender, 'sender'),
    rawTx: rawTx.toLowerCase() as Hex,
    ...(logIndex === undefined ? {} : { logIndex: logIndex as number }),
  };
  return { record, checkpoint: { origin: json.origin, size: json.size, root } };
}
