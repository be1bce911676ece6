/**
 * Deploys the anchor contract (`contract.ts`) with a funded key: one contract-creation
 * transaction whose data is {@link ANCHOR_INIT_CODE_HEX}; the code left at the new address is
 * checked to be exactly {@link ANCHOR_RUNTIME_CODE_HEX}.
 */
import { createWalletClient, getAddress, keccak256, type Address, type Hex } from 'viem';
import { privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts';
import { AnchorError } from '../anchor.ts';
import { ANCHOR_INIT_CODE_HEX, ANCHOR_RUNTIME_CODE_HEX } from './contract.ts';
import {
  checkChainIdOption,
  checkRemoteChainId,
  checkRpcUrl,
  evmChain,
  evmPublicClient,
  evmTransport,
  rpcStep,
  waitForConfirmedReceipt,
} from './rpc.ts';

/** Options of {@link deployAnchorContract}. */
export interface DeployAnchorContractOptions {
  readonly rpcUrl: string;
  readonly chainId: number;
  /** secp256k1 private key of a funded account, `0x` + 64 hex digits. */
  readonly privateKey: Hex;
  /** Blocks (the including one counted) to wait for. Default 1. */
  readonly confirmations?: number;
  /** Longest the deployment may take, in milliseconds. Default 300 000. */
  readonly timeoutMs?: number;
  /** Receipt polling interval, in milliseconds. Default 1 000. */
  readonly pollIntervalMs?: number;
}

/**
 * Deploys the anchor contract and returns its address (EIP-55). Throws `ANCHOR_CONFIG` for a
 * bad option or a wrong chain, `ANCHOR_UNAVAILABLE` when the node cannot be reached, refuses
 * the transaction or the deployment fails.
 */
export async function deployAnchorContract(options: DeployAnchorContractOptions): Promise<Address> {
  const rpcUrl = checkRpcUrl(options.rpcUrl);
  const chainId = checkChainIdOption(options.chainId);
  const timeoutMs = options.timeoutMs ?? 300_000;
  const deadline = Date.now() + timeoutMs;
  let account: PrivateKeyAccount;
  try {
    account = privateKeyToAccount(options.privateKey);
  } catch (e) {
    throw new AnchorError('ANCHOR_CONFIG', 'the EVM private key is not a secp256k1 key in 0x hex', {
      cause: e,
    });
  }
  const chain = evmChain(chainId, rpcUrl);
  const client = evmPublicClient(chain, rpcUrl, timeoutMs);
  const wallet = createWalletClient({ account, chain, transport: evmTransport(rpcUrl, timeoutMs) });
  await checkRemoteChainId(client, rpcUrl, chainId);
  const request = await rpcStep('preparing the deployment', rpcUrl, () =>
    wallet.prepareTransactionRequest({ account, chain, data: ANCHOR_INIT_CODE_HEX, value: 0n }),
  );
  const rawTx = await rpcStep('signing the deployment', rpcUrl, () =>
    wallet.signTransaction({ ...request, account, chain }),
  );
  await rpcStep('eth_sendRawTransaction', rpcUrl, () =>
    wallet.sendRawTransaction({ serializedTransaction: rawTx }),
  );
  const txHash = keccak256(rawTx);
  const receipt = await waitForConfirmedReceipt(client, rpcUrl, txHash, {
    confirmations: options.confirmations ?? 1,
    deadline,
    pollIntervalMs: options.pollIntervalMs ?? 1_000,
  });
  const address = receipt.contractAddress;
  if (receipt.status !== 'success' || address === null || address === undefined) {
    throw new AnchorError(
      'ANCHOR_UNAVAILABLE',
      `the deployment ${txHash} failed on chain ${chainId}`,
      {
        evidence: { txHash },
      },
    );
  }
  const code = await rpcStep('eth_getCode', rpcUrl, () => client.getCode({ address }));
  if (code?.toLowerCase() !== ANCHOR_RUNTIME_CODE_HEX) {
    throw new AnchorError(
      'ANCHOR_UNAVAILABLE',
      `the code at ${address} on chain ${chainId} is not the anchor contract's`,
      { evidence: { txHash, address } },
    );
  }
  return getAddress(address);
}
