/**
 * Verifies EVM anchor records. Offline, from the record alone: the signed transaction hashes
 * (keccak-256) to the recorded hash, is bound (EIP-155) to the recorded chain, is signed by the
 * recorded sender, goes where its mode says and carries the digest of the checkpoint. Online,
 * with a JSON-RPC endpoint: the chain holds that transaction in the recorded block with a
 * success receipt (and the `Anchored` log in contract mode), enough blocks on top, and the
 * block's timestamp is the record's `time`.
 */
import {
  getAddress,
  isAddress,
  isAddressEqual,
  keccak256,
  parseTransaction,
  recoverTransactionAddress,
  type Address,
  type Hex,
} from 'viem';
import { bytesEqual, toBase64 } from '../../src/core/bytes.ts';
import {
  AnchorError,
  checkpointDigest,
  type AnchorAttestation,
  type AnchoredCheckpoint,
  type AnchorRecordJson,
  type AnchorVerifier,
} from '../anchor.ts';
import { decodePayload, isAnchoredLogOf } from './payload.ts';
import { EVM_ANCHOR_TYPE, parseEvmRecord, type EvmAnchorRecord } from './record.ts';
import {
  checkChainIdOption,
  checkRemoteChainId,
  checkRpcUrl,
  confirmationsOf,
  evmChain,
  evmPublicClient,
  getReceipt,
  rpcStep,
} from './rpc.ts';

/** Options of {@link EvmVerifier}; every one narrows what is accepted. */
export interface EvmVerifierOptions {
  /** Accept only records of this chain. */
  readonly chainId?: number;
  /** Accept only transactions signed by this account (the log operator's anchoring key). */
  readonly sender?: string;
  /** Check inclusion on chain through this JSON-RPC endpoint; offline checks only when unset. */
  readonly rpcUrl?: string;
  /** Blocks (the including one counted) required on chain. Default 1. */
  readonly confirmations?: number;
  /** Longest one RPC request may take, in milliseconds. Default 30 000. */
  readonly timeoutMs?: number;
}

function fail(
  code:
    | 'ANCHOR_MALFORMED'
    | 'ANCHOR_WRONG_CHECKPOINT'
    | 'ANCHOR_BAD_SIGNATURE'
    | 'ANCHOR_UNTRUSTED'
    | 'ANCHOR_NOT_FOUND',
  message: string,
  record: EvmAnchorRecord,
  extra: Record<string, unknown> = {},
): AnchorError {
  return new AnchorError(code, message, {
    evidence: { chainId: record.chainId, txHash: record.txHash, ...extra },
  });
}

/** An {@link AnchorVerifier} for `evm` records. */
export class EvmVerifier implements AnchorVerifier {
  readonly type = EVM_ANCHOR_TYPE;
  readonly #chainId: number | undefined;
  readonly #sender: Address | undefined;
  readonly #rpcUrl: string | undefined;
  readonly #confirmations: number;
  readonly #timeoutMs: number;

  constructor(options: EvmVerifierOptions = {}) {
    this.#chainId = options.chainId === undefined ? undefined : checkChainIdOption(options.chainId);
    if (options.sender !== undefined && !isAddress(options.sender, { strict: false })) {
      throw new AnchorError(
        'ANCHOR_CONFIG',
        `the expected sender ${options.sender} is not an address`,
      );
    }
    this.#sender = options.sender === undefined ? undefined : getAddress(options.sender);
    this.#rpcUrl = options.rpcUrl === undefined ? undefined : checkRpcUrl(options.rpcUrl);
    const confirmations = options.confirmations ?? 1;
    if (!Number.isSafeInteger(confirmations) || confirmations < 1) {
      throw new AnchorError('ANCHOR_CONFIG', `confirmations must be an integer >= 1`);
    }
    this.#confirmations = confirmations;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** Verifies `json` as an EVM anchor of `cp`; see the module comment. */
  async verify(json: AnchorRecordJson, cp: AnchoredCheckpoint): Promise<AnchorAttestation> {
    const { record, checkpoint: recorded } = parseEvmRecord(json);
    await this.#verifyOffline(record, recorded, cp);
    const where = `EVM chain ${record.chainId}, transaction ${record.txHash} from ${record.sender}`;
    const how =
      record.mode === 'contract' ? `contract ${record.contract} log ${record.logIndex}` : 'data';
    const attestation = {
      type: EVM_ANCHOR_TYPE,
      size: record.size,
      root: record.root,
      time: record.time,
    };
    if (this.#rpcUrl === undefined) {
      return {
        ...attestation,
        detail: `${where} (${how}), block ${record.blockNumber}: offline checks only (hash, chain id, signature, digest); inclusion not checked`,
      };
    }
    const confirmations = await this.#verifyOnline(record, recorded, this.#rpcUrl);
    return {
      ...attestation,
      detail: `${where} (${how}): confirmed on chain ${record.chainId} at block ${record.blockNumber} (${confirmations} confirmation${confirmations === 1n ? '' : 's'}, via ${this.#rpcUrl})`,
    };
  }

  async #verifyOffline(
    record: EvmAnchorRecord,
    recorded: AnchoredCheckpoint,
    cp: AnchoredCheckpoint,
  ): Promise<void> {
    let tx: ReturnType<typeof parseTransaction>;
    try {
      tx = parseTransaction(record.rawTx);
    } catch (e) {
      throw new AnchorError('ANCHOR_MALFORMED', 'the record rawTx is not a signed transaction', {
        cause: e,
      });
    }
    const txHash = keccak256(record.rawTx);
    if (txHash !== record.txHash) {
      throw fail(
        'ANCHOR_MALFORMED',
        `rawTx hashes to ${txHash}, not to the record's txHash`,
        record,
        {
          rawTxHash: txHash,
        },
      );
    }
    if (tx.chainId === undefined) {
      throw fail(
        'ANCHOR_UNTRUSTED',
        'the transaction is bound to no chain (no EIP-155 chain id)',
        record,
      );
    }
    if (tx.chainId !== record.chainId) {
      throw fail(
        'ANCHOR_UNTRUSTED',
        `the transaction is signed for chain ${tx.chainId}, the record says chain ${record.chainId}`,
        record,
        { txChainId: tx.chainId },
      );
    }
    if (this.#chainId !== undefined && record.chainId !== this.#chainId) {
      throw fail(
        'ANCHOR_UNTRUSTED',
        `the anchor is on chain ${record.chainId}, the verifier accepts chain ${this.#chainId}`,
        record,
      );
    }
    let signer: Address;
    try {
      signer = await recoverTransactionAddress({
        serializedTransaction: record.rawTx as Parameters<
          typeof recoverTransactionAddress
        >[0]['serializedTransaction'],
      });
    } catch (e) {
      throw new AnchorError('ANCHOR_BAD_SIGNATURE', 'the transaction signature does not recover', {
        cause: e,
        evidence: { txHash: record.txHash },
      });
    }
    if (!isAddressEqual(signer, record.sender)) {
      throw fail(
        'ANCHOR_BAD_SIGNATURE',
        `the transaction is signed by ${signer}, not by the record's sender ${record.sender}`,
        record,
        { signer },
      );
    }
    if (this.#sender !== undefined && !isAddressEqual(signer, this.#sender)) {
      throw fail(
        'ANCHOR_UNTRUSTED',
        `the transaction is signed by ${signer}, not by the expected sender ${this.#sender}`,
        record,
        { signer },
      );
    }
    const to = tx.to ?? undefined;
    const expectedTo = record.mode === 'contract' ? record.contract : record.sender;
    if (to === undefined || expectedTo === undefined || !isAddressEqual(to, expectedTo)) {
      throw fail(
        'ANCHOR_MALFORMED',
        `the transaction goes to ${to ?? 'no address'}, a ${record.mode}-mode anchor goes to ${expectedTo}`,
        record,
      );
    }
    const payload = decodePayload(record.mode, (tx.data ?? '0x') as Hex);
    const recordDigest = checkpointDigest(recorded);
    if (!bytesEqual(payload.digest, recordDigest)) {
      throw fail(
        'ANCHOR_WRONG_CHECKPOINT',
        `the transaction commits to another checkpoint than the record's ${record.origin} size ${record.size}`,
        record,
      );
    }
    const named = payload.checkpoint;
    if (
      named !== undefined &&
      (named.origin !== recorded.origin ||
        named.size !== BigInt(recorded.size) ||
        !bytesEqual(named.root, recorded.root))
    ) {
      throw fail(
        'ANCHOR_WRONG_CHECKPOINT',
        'the anchor() call names another origin, size or root than its digest',
        record,
      );
    }
    if (!bytesEqual(checkpointDigest(cp), recordDigest)) {
      throw fail(
        'ANCHOR_WRONG_CHECKPOINT',
        `the record anchors ${record.origin} size ${record.size} root ${record.root}, not ${cp.origin} size ${cp.size} root ${toBase64(cp.root)}`,
        record,
      );
    }
  }

  /** Returns the number of confirmations found. */
  async #verifyOnline(
    record: EvmAnchorRecord,
    recorded: AnchoredCheckpoint,
    rpcUrl: string,
  ): Promise<bigint> {
    const client = evmPublicClient(evmChain(record.chainId, rpcUrl), rpcUrl, this.#timeoutMs);
    await checkRemoteChainId(client, rpcUrl, record.chainId);
    const receipt = await getReceipt(client, rpcUrl, record.txHash);
    if (receipt === undefined) {
      throw fail(
        'ANCHOR_NOT_FOUND',
        `chain ${record.chainId} does not hold transaction ${record.txHash}`,
        record,
      );
    }
    if (
      receipt.blockHash.toLowerCase() !== record.blockHash ||
      receipt.blockNumber !== BigInt(record.blockNumber)
    ) {
      throw fail(
        'ANCHOR_NOT_FOUND',
        `transaction ${record.txHash} is in block ${receipt.blockNumber} (${receipt.blockHash}), not in the recorded block ${record.blockNumber} (${record.blockHash})`,
        record,
        { blockNumber: Number(receipt.blockNumber), blockHash: receipt.blockHash },
      );
    }
    if (receipt.status !== 'success') {
      throw fail('ANCHOR_NOT_FOUND', `transaction ${record.txHash} reverted`, record);
    }
    if (record.mode === 'contract') {
      const log = receipt.logs.find((l) => l.logIndex === record.logIndex);
      if (
        log === undefined ||
        record.contract === undefined ||
        !isAddressEqual(log.address, record.contract) ||
        !isAnchoredLogOf(log, recorded)
      ) {
        throw fail(
          'ANCHOR_NOT_FOUND',
          `block ${record.blockNumber} has no Anchored log of ${record.origin} size ${record.size} from ${record.contract} at index ${record.logIndex}`,
          record,
        );
      }
    }
    const confirmations = await confirmationsOf(client, rpcUrl, receipt.blockNumber);
    if (confirmations < BigInt(this.#confirmations)) {
      throw fail(
        'ANCHOR_NOT_FOUND',
        `block ${record.blockNumber} has ${confirmations} confirmations, ${this.#confirmations} required`,
        record,
      );
    }
    const block = await rpcStep('eth_getBlockByHash', rpcUrl, () =>
      client.getBlock({ blockHash: record.blockHash }),
    );
    if (block.timestamp !== BigInt(record.time)) {
      throw fail(
        'ANCHOR_NOT_FOUND',
        `block ${record.blockNumber} has timestamp ${block.timestamp}, the record says ${record.time}`,
        record,
      );
    }
    return confirmations;
  }
}
