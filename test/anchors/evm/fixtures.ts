import { sha256 } from '@noble/hashes/sha2.js';
import { createServer } from 'node:net';
import { createPublicClient, createTestClient, http, type Hex, type PublicClient } from 'viem';
import { expect } from 'vitest';
import { utf8 } from '../../../src/core/bytes.ts';
import { AnchorError, type AnchoredCheckpoint } from '../../../anchors/anchor.ts';

/** A checkpoint of the test log with a root derived from `seed`. */
export function checkpoint(
  size: number,
  seed = 'a',
  origin = 'wattproof.test/evm',
): AnchoredCheckpoint {
  return { origin, size, root: sha256(utf8(`root ${seed} ${size}`)) };
}

/** Asserts `p` rejects with an {@link AnchorError} of `code`, and returns it. */
export async function rejectsWith(p: Promise<unknown>, code: string): Promise<AnchorError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e, `expected ${code}`).toBeInstanceOf(AnchorError);
  expect((e as AnchorError).code, (e as AnchorError).message).toBe(code);
  return e as AnchorError;
}

/** An http URL on a loopback port nothing listens on. */
export async function deadRpcUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return `http://127.0.0.1:${address.port}`;
}

/** A public client and a ganache test client (for `evm_mine`) on `rpcUrl`. */
export function clients(rpcUrl: string): {
  pub: PublicClient;
  mine: (blocks?: number) => Promise<void>;
} {
  const pub = createPublicClient({ transport: http(rpcUrl), cacheTime: 0 });
  const test = createTestClient({ mode: 'ganache', transport: http(rpcUrl) });
  return { pub, mine: (blocks = 1) => test.mine({ blocks }) };
}

/** `h` with the hex digit at `index` (counted after `0x`) changed. */
export function flipHexDigit(h: Hex, index: number): Hex {
  const i = index + 2;
  const c = h[i] === '0' ? '1' : '0';
  return `${h.slice(0, i)}${c}${h.slice(i + 1)}` as Hex;
}
