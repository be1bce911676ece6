/**
 * What an EVM anchor transaction carries, in each of the two modes:
 *
 * - `data`: a transaction from the anchoring account to itself, value 0, whose data is exactly
 *   36 bytes: the magic `wpa1` (ASCII, 0x77706131: "wattproof anchor, version 1") followed by
 *   the 32-byte checkpoint digest ({@link checkpointDigest}).
 * - `contract`: a call of `anchor(bytes32 digest, uint64 size, bytes32 root, string origin)` on
 *   the anchor contract (`contract.ts`), canonical ABI encoding; the contract emits
 *   `Anchored(digest, size, root, origin)` with the digest as the indexed topic.
 */
import { decodeEventLog, decodeFunctionData, encodeFunctionData, type Hex } from 'viem';
import { bytesEqual, concatBytes, fromHex, toHex } from '../../src/core/bytes.ts';
import { AnchorError, checkpointDigest, type AnchoredCheckpoint } from '../anchor.ts';
import { ANCHOR_CONTRACT_ABI, ANCHORED_TOPIC } from './contract.ts';

/** The two ways of anchoring. */
export const EvmAnchorMode = { contract: 'contract', data: 'data' } as const;
/** `contract` or `data`. */
export type EvmAnchorMode = (typeof EvmAnchorMode)[keyof typeof EvmAnchorMode];

/** `wpa1` in ASCII: the first four bytes of a data-mode transaction's data. */
export const DATA_MAGIC: Uint8Array = Uint8Array.of(0x77, 0x70, 0x61, 0x31);

/** Data of a data-mode anchor transaction: `wpa1` ‖ checkpoint digest (36 bytes). */
export function encodeDataPayload(cp: AnchoredCheckpoint): Hex {
  return `0x${toHex(concatBytes(DATA_MAGIC, checkpointDigest(cp)))}`;
}

/** Call data of `anchor(digest, size, root, origin)` for `cp`. */
export function encodeContractCall(cp: AnchoredCheckpoint): Hex {
  return encodeFunctionData({
    abi: ANCHOR_CONTRACT_ABI,
    functionName: 'anchor',
    args: [`0x${toHex(checkpointDigest(cp))}`, BigInt(cp.size), `0x${toHex(cp.root)}`, cp.origin],
  });
}

/** What an anchor transaction's data commits to. */
export interface DecodedPayload {
  readonly digest: Uint8Array;
  /** The checkpoint the call names (contract mode only). */
  readonly checkpoint?: {
    readonly origin: string;
    readonly size: bigint;
    readonly root: Uint8Array;
  };
}

function hexBytes(h: Hex): Uint8Array {
  return fromHex(h.slice(2));
}

/**
 * Decodes the data of an anchor transaction in `mode`. Throws `ANCHOR_MALFORMED` when it is
 * not `wpa1` ‖ 32 bytes (data mode) or not the canonical encoding of an `anchor` call.
 */
export function decodePayload(mode: EvmAnchorMode, data: Hex): DecodedPayload {
  if (mode === 'data') {
    const bytes = hexBytes(data);
    if (bytes.length !== 36 || !bytesEqual(bytes.subarray(0, 4), DATA_MAGIC)) {
      throw new AnchorError(
        'ANCHOR_MALFORMED',
        'the transaction data is not the data-mode anchor "wpa1" followed by a 32-byte digest',
      );
    }
    return { digest: bytes.slice(4) };
  }
  let args: readonly [Hex, bigint, Hex, string];
  try {
    const decoded = decodeFunctionData({ abi: ANCHOR_CONTRACT_ABI, data });
    args = decoded.args;
  } catch (e) {
    throw new AnchorError('ANCHOR_MALFORMED', 'the transaction data is not an anchor() call', {
      cause: e,
    });
  }
  const [digest, size, root, origin] = args;
  // The contract accepts only the canonical encoding; so does the verifier.
  const canonical = encodeFunctionData({ abi: ANCHOR_CONTRACT_ABI, functionName: 'anchor', args });
  if (canonical !== data.toLowerCase()) {
    throw new AnchorError('ANCHOR_MALFORMED', 'the anchor() call data is not canonically encoded');
  }
  return { digest: hexBytes(digest), checkpoint: { origin, size, root: hexBytes(root) } };
}

/**
 * Checks that an `Anchored` log (topics and data as `eth_getTransactionReceipt` returns them)
 * names the checkpoint `cp`. Returns false for any other log.
 */
export function isAnchoredLogOf(
  log: { readonly topics: readonly Hex[]; readonly data: Hex },
  cp: AnchoredCheckpoint,
): boolean {
  if (log.topics.length !== 2 || log.topics[0]?.toLowerCase() !== ANCHORED_TOPIC) return false;
  try {
    const ev = decodeEventLog({
      abi: ANCHOR_CONTRACT_ABI,
      eventName: 'Anchored',
      topics: log.topics as [Hex, Hex],
      data: log.data,
      strict: true,
    });
    return (
      bytesEqual(hexBytes(ev.args.digest), checkpointDigest(cp)) &&
      ev.args.size === BigInt(cp.size) &&
      bytesEqual(hexBytes(ev.args.root), cp.root) &&
      ev.args.origin === cp.origin
    );
  } catch {
    return false;
  }
}
