/**
 * Anchors log checkpoints on an EVM chain (Energy Web Chain, Ethereum, any EVM network) over
 * JSON-RPC: each checkpoint digest goes into one transaction signed with the anchoring key,
 * either as data sent to the key's own address or as a call of the anchor contract.
 */
import {
  createWalletClient,
  getAddress,
  isAddress,
  isAddressEqual,
  keccak256,
  type Address,
  type Chain,
  type Hex,
  type PublicClient,
  type WalletClient,
} from 'viem';
import { privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts';
import { AnchorError, recordBase, type Anchor, type AnchoredCheckpoint } from '../anchor.ts';
import {
  encodeContractCall,
  encodeDataPayload,
  isAnchoredLogOf,
  type EvmAnchorMode,
} from './payload.ts';
import { EVM_ANCHOR_TYPE, type EvmAnchorRecord } from './record.ts';
import {
  checkChainIdOption,
  checkRemoteChainId,
  checkRpcUrl,
  evmChain,
  evmPublicClient,
  evmTransport,
  rpcStep,
  throwIfAborted,
  waitForConfirmedReceipt,
} from './rpc.ts';

/** Options of {@link EvmAnchor}. */
export interface EvmAnchorOptions {
  /** JSON-RPC endpoint, http(s). */
  readonly rpcUrl: string;
  /** EIP-155 chain id the endpoint must serve (Energy Web Chain 246, Ethereum 1, ...). */
  readonly chainId: number;
  /** secp256k1 private key of a funded account, `0x` + 64 hex digits (see `loadEvmKey`). */
  readonly privateKey: Hex;
  /** Anchor contract address: contract mode when set, data mode otherwise. */
  readonly contract?: string;
  /** Blocks (the including one counted) before a record is returned. Default 1. */
  readonly confirmations?: number;
  /** Longest one `anchor()` call may take, in milliseconds. Default 300 000. */
  readonly timeoutMs?: number;
  /** Receipt polling interval, in milliseconds. Default 1 000. */
  readonly pollIntervalMs?: number;
}

const DEFAULT_TIMEOUT_MS = 300_000;
const DEFAULT_POLL_INTERVAL_MS = 1_000;

function positiveInt(v: unknown, name: string, fallback: number, min: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
    throw new AnchorError(
      'ANCHOR_CONFIG',
      `${name} must be an integer >= ${min}, not ${String(v)}`,
    );
  }
  return v;
}

function checkCheckpoint(cp: AnchoredCheckpoint): void {
  if (
    typeof cp.origin !== 'string' ||
    cp.origin.length === 0 ||
    !Number.isSafeInteger(cp.size) ||
    cp.size < 0 ||
    !(cp.root instanceof Uint8Array) ||
    cp.root.length !== 32
  ) {
    throw new AnchorError(
      'ANCHOR_MALFORMED',
      'the checkpoint to anchor is not origin, size, 32-byte root',
    );
  }
}

/**
 * An {@link Anchor} writing to an EVM chain. `anchor()` checks the endpoint's chain id, signs
 * and sends one transaction, waits for a success receipt with the configured confirmations and
 * returns an {@link EvmAnchorRecord}. Transactions of one instance are sent one at a time, so
 * nonces never collide; the waits overlap.
 */
export class EvmAnchor implements Anchor {
  readonly type = EVM_ANCHOR_TYPE;
  readonly name: string;
  /** `contract` when a contract address is configured, `data` otherwise. */
  readonly mode: EvmAnchorMode;
  /** The anchoring account. */
  readonly sender: Address;

  readonly #rpcUrl: string;
  readonly #chainId: number;
  readonly #contract: Address | undefined;
  readonly #confirmations: number;
  readonly #timeoutMs: number;
  readonly #pollIntervalMs: number;
  readonly #account: PrivateKeyAccount;
  readonly #chain: Chain;
  readonly #public: PublicClient;
  readonly #wallet: WalletClient;
  #contractChecked = false;
  #sending: Promise<unknown> = Promise.resolve();

  constructor(options: EvmAnchorOptions) {
    this.#rpcUrl = checkRpcUrl(options.rpcUrl);
    this.#chainId = checkChainIdOption(options.chainId);
    try {
      this.#account = privateKeyToAccount(options.privateKey);
    } catch (e) {
      throw new AnchorError(
        'ANCHOR_CONFIG',
        'the EVM private key is not a secp256k1 key in 0x hex',
        {
          cause: e,
        },
      );
    }
    if (options.contract !== undefined && !isAddress(options.contract, { strict: false })) {
      throw new AnchorError('ANCHOR_CONFIG', `the contract ${options.contract} is not an address`);
    }
    this.#contract = options.contract === undefined ? undefined : getAddress(options.contract);
    this.mode = this.#contract === undefined ? 'data' : 'contract';
    this.#confirmations = positiveInt(options.confirmations, 'confirmations', 1, 1);
    this.#timeoutMs = positiveInt(options.timeoutMs, 'timeoutMs', DEFAULT_TIMEOUT_MS, 1);
    this.#pollIntervalMs = positiveInt(
      options.pollIntervalMs,
      'pollIntervalMs',
      DEFAULT_POLL_INTERVAL_MS,
      1,
    );
    this.sender = this.#account.address;
    this.name = `evm:${this.#chainId}`;
    this.#chain = evmChain(this.#chainId, this.#rpcUrl);
    this.#public = evmPublicClient(this.#chain, this.#rpcUrl, this.#timeoutMs);
    this.#wallet = createWalletClient({
      account: this.#account,
      chain: this.#chain,
      transport: evmTransport(this.#rpcUrl, this.#timeoutMs),
      cacheTime: 0,
    });
  }

  /** Anchors `cp`; see the class comment. Throws an {@link AnchorError}. */
  async anchor(cp: AnchoredCheckpoint, signal?: AbortSignal): Promise<EvmAnchorRecord> {
    checkCheckpoint(cp);
    const deadline = Date.now() + this.#timeoutMs;
    throwIfAborted(signal);
    const { rawTx, txHash } = await this.#serialized(() => this.#send(cp, signal));
    const receipt = await waitForConfirmedReceipt(this.#public, this.#rpcUrl, txHash, {
      confirmations: this.#confirmations,
      deadline,
      pollIntervalMs: this.#pollIntervalMs,
      ...(signal === undefined ? {} : { signal }),
    });
    if (receipt.status !== 'success') {
      throw new AnchorError(
        'ANCHOR_UNAVAILABLE',
        `anchor transaction ${txHash} reverted in block ${receipt.blockNumber} of chain ${this.#chainId}`,
        { evidence: { txHash, blockNumber: Number(receipt.blockNumber) } },
      );
    }
    let logIndex: number | undefined;
    if (this.#contract !== undefined) {
      const contract = this.#contract;
      const log = receipt.logs.find(
        (l) => isAddressEqual(l.address, contract) && isAnchoredLogOf(l, cp),
      );
      if (log === undefined || log.logIndex === null) {
        throw new AnchorError(
          'ANCHOR_CONFIG',
          `the contract ${contract} on chain ${this.#chainId} did not emit Anchored; is it the anchor contract?`,
          { evidence: { txHash, contract } },
        );
      }
      logIndex = log.logIndex;
    }
    const block = await rpcStep('eth_getBlockByHash', this.#rpcUrl, () =>
      this.#public.getBlock({ blockHash: receipt.blockHash }),
    );
    return {
      ...recordBase(EVM_ANCHOR_TYPE, cp, Number(block.timestamp)),
      type: EVM_ANCHOR_TYPE,
      chainId: this.#chainId,
      mode: this.mode,
      ...(this.#contract === undefined ? {} : { contract: this.#contract }),
      txHash,
      blockNumber: Number(receipt.blockNumber),
      blockHash: receipt.blockHash.toLowerCase() as Hex,
      sender: this.sender,
      rawTx,
      ...(logIndex === undefined ? {} : { logIndex }),
    };
  }

  /** Runs `f` after every earlier send of this instance has finished. */
  #serialized<T>(f: () => Promise<T>): Promise<T> {
    const run = this.#sending.then(f, f);
    this.#sending = run.catch(() => undefined);
    return run;
  }

  async #send(cp: AnchoredCheckpoint, signal?: AbortSignal): Promise<{ rawTx: Hex; txHash: Hex }> {
    throwIfAborted(signal);
    await checkRemoteChainId(this.#public, this.#rpcUrl, this.#chainId);
    if (this.#contract !== undefined && !this.#contractChecked) {
      const contract = this.#contract;
      const code = await rpcStep('eth_getCode', this.#rpcUrl, () =>
        this.#public.getCode({ address: contract }),
      );
      if (code === undefined || code === '0x') {
        throw new AnchorError(
          'ANCHOR_CONFIG',
          `no contract at ${contract} on chain ${this.#chainId}; deploy one with deployAnchorContract`,
        );
      }
      this.#contractChecked = true;
    }
    const to = this.#contract ?? this.sender;
    const data = this.#contract === undefined ? encodeDataPayload(cp) : encodeContractCall(cp);
    const request = await rpcStep('preparing the anchor transaction', this.#rpcUrl, () =>
      this.#wallet.prepareTransactionRequest({
        account: this.#account,
        chain: this.#chain,
        to,
        data,
        value: 0n,
      }),
    );
    const rawTx = await rpcStep('signing the anchor transaction', this.#rpcUrl, () =>
      this.#wallet.signTransaction({ ...request, account: this.#account, chain: this.#chain }),
    );
    throwIfAborted(signal);
    const sent = await rpcStep('eth_sendRawTransaction', this.#rpcUrl, () =>
      this.#wallet.sendRawTransaction({ serializedTransaction: rawTx }),
    );
    const txHash = keccak256(rawTx);
    if (sent.toLowerCase() !== txHash) {
      throw new AnchorError(
        'ANCHOR_UNAVAILABLE',
        `the node at ${this.#rpcUrl} answered transaction hash ${sent}, expected ${txHash}`,
      );
    }
    return { rawTx, txHash };
  }
}
