/**
 * An in-process ganache EVM node for tests: HTTP JSON-RPC on a free loopback port, quiet,
 * instamine (each transaction mined in its own block at once), one funded account. Never a
 * public network.
 */
import ganache from 'ganache';
import { generatePrivateKey } from 'viem/accounts';

/** Chain id of the test node (the conventional local-development id). */
export const GANACHE_CHAIN_ID = 1337;

/** A running test node and its funded key. */
export interface RunningGanache {
  readonly rpcUrl: string;
  readonly chainId: number;
  /** secp256k1 key of an account holding 1000 ether. */
  readonly privateKey: `0x${string}`;
  close(): Promise<void>;
}

/** Starts a fresh node; call `close()` when done. */
export async function startGanache(): Promise<RunningGanache> {
  const privateKey = generatePrivateKey();
  const server = ganache.server({
    logging: { quiet: true },
    miner: { instamine: 'eager' },
    chain: { chainId: GANACHE_CHAIN_ID, networkId: GANACHE_CHAIN_ID },
    wallet: { accounts: [{ secretKey: privateKey, balance: 10n ** 21n }] },
  });
  await server.listen(0, '127.0.0.1');
  const address = server.address();
  return {
    rpcUrl: `http://127.0.0.1:${address.port}`,
    chainId: GANACHE_CHAIN_ID,
    privateKey,
    close: () => server.close(),
  };
}
