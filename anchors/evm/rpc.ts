/**
 * The JSON-RPC side of EVM anchoring (Ethereum JSON-RPC API, ethereum.org/developers/docs/apis/
 * json-rpc): one viem client per URL, every call mapped to an {@link AnchorError}, the chain id
 * check and the wait for a confirmed receipt. The only file of `anchors/evm/` that does I/O
 * through viem's transport.
 */
import {
  BaseError,
  createPublicClient,
  defineChain,
  http,
  TransactionReceiptNotFoundError,
  type Chain,
  type Hex,
  type PublicClient,
  type TransactionReceipt,
  type Transport,
} from 'viem';
import { AnchorError } from '../anchor.ts';

/** Longest a single JSON-RPC request may take, in milliseconds. */
export const RPC_REQUEST_TIMEOUT_MS = 30_000;

/** Checks `rpcUrl` is an http(s) URL; `ANCHOR_CONFIG` otherwise. */
export function checkRpcUrl(rpcUrl: unknown): string {
  let url: URL;
  try {
    url = new URL(String(rpcUrl));
  } catch (e) {
    throw new AnchorError('ANCHOR_CONFIG', `the RPC URL ${String(rpcUrl)} is not a URL`, {
      cause: e,
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new AnchorError('ANCHOR_CONFIG', `the RPC URL ${url.href} is not http(s)`);
  }
  return String(rpcUrl);
}

/** Checks `chainId` is a positive safe integer (EIP-155); `ANCHOR_CONFIG` otherwise. */
export function checkChainIdOption(chainId: unknown): number {
  if (typeof chainId !== 'number' || !Number.isSafeInteger(chainId) || chainId <= 0) {
    throw new AnchorError(
      'ANCHOR_CONFIG',
      `the chain id ${String(chainId)} is not a positive integer`,
    );
  }
  return chainId;
}

/** A viem chain description for `chainId` served at `rpcUrl`. */
export function evmChain(chainId: number, rpcUrl: string): Chain {
  return defineChain({
    id: chainId,
    name: `EVM chain ${chainId}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
}

/** An HTTP transport with no retries (the anchor's caller retries) and a bounded timeout. */
export function evmTransport(rpcUrl: string, timeoutMs: number): Transport {
  return http(rpcUrl, { retryCount: 0, timeout: Math.min(timeoutMs, RPC_REQUEST_TIMEOUT_MS) });
}

/** A public client for `rpcUrl` that never caches (block numbers must be fresh). */
export function evmPublicClient(chain: Chain, rpcUrl: string, timeoutMs: number): PublicClient {
  return createPublicClient({ chain, transport: evmTransport(rpcUrl, timeoutMs), cacheTime: 0 });
}

/** Runs one RPC step; any failure becomes `ANCHOR_UNAVAILABLE` naming the step and the URL. */
export async function rpcStep<T>(what: string, rpcUrl: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof AnchorError) throw e;
    const detail = e instanceof BaseError ? e.shortMessage : (e as Error).message;
    throw new AnchorError('ANCHOR_UNAVAILABLE', `${what} failed at ${rpcUrl}: ${detail}`, {
      cause: e,
    });
  }
}

/**
 * Checks that the node at `rpcUrl` serves chain `expected` (`eth_chainId`). A different chain
 * gives `ANCHOR_CONFIG`; an unreachable node `ANCHOR_UNAVAILABLE`.
 */
export async function checkRemoteChainId(
  client: PublicClient,
  rpcUrl: string,
  expected: number,
): Promise<void> {
  const actual = await rpcStep('eth_chainId', rpcUrl, () => client.getChainId());
  if (actual !== expected) {
    throw new AnchorError(
      'ANCHOR_CONFIG',
      `the node at ${rpcUrl} serves chain ${actual}, not the configured chain ${expected}`,
      { evidence: { rpcUrl, expected, actual } },
    );
  }
}

/** The receipt of `hash`, or undefined while the chain does not hold it. */
export async function getReceipt(
  client: PublicClient,
  rpcUrl: string,
  hash: Hex,
): Promise<TransactionReceipt | undefined> {
  return rpcStep('eth_getTransactionReceipt', rpcUrl, async () => {
    try {
      return await client.getTransactionReceipt({ hash });
    } catch (e) {
      if (e instanceof TransactionReceiptNotFoundError) return undefined;
      throw e;
    }
  });
}

/** Number of blocks from the one holding `blockNumber` to the head, both included. */
export async function confirmationsOf(
  client: PublicClient,
  rpcUrl: string,
  blockNumber: bigint,
): Promise<bigint> {
  const head = await rpcStep('eth_blockNumber', rpcUrl, () => client.getBlockNumber());
  return head >= blockNumber ? head - blockNumber + 1n : 0n;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(aborted(signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function aborted(signal?: AbortSignal): AnchorError {
  return new AnchorError('ANCHOR_UNAVAILABLE', 'EVM anchoring was aborted', {
    cause: signal?.reason,
  });
}

/** Throws `ANCHOR_UNAVAILABLE` when `signal` is aborted. */
export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw aborted(signal);
}

/**
 * Polls until the receipt of `hash` exists and its block has `confirmations` blocks (itself
 * included); `ANCHOR_UNAVAILABLE` once `deadline` (epoch ms) passes or `signal` aborts.
 */
export async function waitForConfirmedReceipt(
  client: PublicClient,
  rpcUrl: string,
  hash: Hex,
  opts: { confirmations: number; deadline: number; pollIntervalMs: number; signal?: AbortSignal },
): Promise<TransactionReceipt> {
  for (;;) {
    throwIfAborted(opts.signal);
    const receipt = await getReceipt(client, rpcUrl, hash);
    if (receipt !== undefined) {
      const confirmations = await confirmationsOf(client, rpcUrl, receipt.blockNumber);
      if (confirmations >= BigInt(opts.confirmations)) return receipt;
    }
    if (Date.now() + opts.pollIntervalMs > opts.deadline) {
      throw new AnchorError(
        'ANCHOR_UNAVAILABLE',
        receipt === undefined
          ? `transaction ${hash} was not included in time at ${rpcUrl}`
          : `transaction ${hash} did not reach ${opts.confirmations} confirmations in time`,
        { evidence: { txHash: hash, rpcUrl } },
      );
    }
    await sleep(opts.pollIntervalMs, opts.signal);
  }
}
