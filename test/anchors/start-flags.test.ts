/**
 * The anchor settings of `wattproof start`: flags over environment variables, the default
 * interval, and the combinations it refuses.
 */
import { describe, expect, it } from 'vitest';
import { startConfig } from '../../src/cli/start.ts';
import { ConfigError } from '../../src/node/config.ts';

const KEY = '/secrets/evm.key';

describe('the anchor flags of wattproof start', () => {
  it('configures no anchor by default, with the 60 s interval', () => {
    const c = startConfig([], {})!;
    expect(c.tsaUrl).toBeUndefined();
    expect(c.evm).toBeUndefined();
    expect(c.anchorIntervalSeconds).toBe(60);
  });

  it('reads the TSA, the chain and the interval from flags', () => {
    const c = startConfig(
      [
        '--tsa-url',
        'http://tsa.example/tsr',
        '--evm-rpc',
        'https://rpc.energyweb.org',
        '--evm-chain-id',
        '246',
        '--evm-key-file',
        KEY,
        '--evm-contract',
        '0x00000000000000000000000000000000000000aa',
        '--anchor-interval',
        '0',
      ],
      {},
    )!;
    expect(c.tsaUrl).toBe('http://tsa.example/tsr');
    expect(c.evm).toEqual({
      rpcUrl: 'https://rpc.energyweb.org',
      chainId: 246,
      keyFile: KEY,
      contract: '0x00000000000000000000000000000000000000aa',
    });
    expect(c.anchorIntervalSeconds).toBe(0);
  });

  it('reads them from the environment, flags first; no contract means data mode', () => {
    const env = {
      WATTPROOF_TSA_URL: 'https://tsa.example/',
      WATTPROOF_EVM_RPC: 'http://127.0.0.1:8545',
      WATTPROOF_EVM_CHAIN_ID: '1337',
      WATTPROOF_EVM_KEY_FILE: KEY,
      WATTPROOF_ANCHOR_INTERVAL: '300',
    };
    const c = startConfig(['--anchor-interval', '30'], env)!;
    expect(c.tsaUrl).toBe('https://tsa.example/');
    expect(c.evm).toEqual({ rpcUrl: 'http://127.0.0.1:8545', chainId: 1337, keyFile: KEY });
    expect(c.anchorIntervalSeconds).toBe(30);
  });

  it.each([
    [['--tsa-url', 'ftp://tsa.example/']],
    [['--evm-rpc', 'http://127.0.0.1:8545', '--evm-key-file', KEY]],
    [['--evm-rpc', 'http://127.0.0.1:8545', '--evm-chain-id', '1']],
    [['--evm-chain-id', '1', '--evm-key-file', KEY]],
    [['--evm-rpc', 'http://x', '--evm-chain-id', '0', '--evm-key-file', KEY]],
    [
      [
        '--evm-rpc',
        'http://x',
        '--evm-chain-id',
        '1',
        '--evm-key-file',
        KEY,
        '--evm-contract',
        '0x12',
      ],
    ],
    [['--anchor-interval=-1']],
    [['--anchor-interval', '1.5']],
  ])('refuses %j with INVALID_CONFIG', (args) => {
    expect(() => startConfig(args, {})).toThrow(ConfigError);
  });
});
