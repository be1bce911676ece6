import { keccak_256 } from '@noble/hashes/sha3.js';
import {
  createWalletClient,
  decodeEventLog,
  encodeAbiParameters,
  encodeFunctionData,
  http,
  type Hex,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHex, utf8 } from '../../../src/core/bytes.ts';
import {
  ANCHORED_TOPIC,
  ANCHOR_CONTRACT_ABI,
  ANCHOR_INIT_CODE,
  ANCHOR_RUNTIME_CODE,
  ANCHOR_RUNTIME_CODE_HEX,
  ANCHOR_SELECTOR,
  deployAnchorContract,
  encodeContractCall,
} from '../../../anchors/evm/index.ts';
import { startGanache, type RunningGanache } from '../../helpers/ganache.ts';
import { checkpoint, clients } from './fixtures.ts';

/** Opcodes up to the Constantinople fork (Yellow Paper appendix H), PUSH1..PUSH32 included. */
const PRE_SHANGHAI = new Set([
  0x00,
  0x01,
  0x02,
  0x03,
  0x04,
  0x05,
  0x06,
  0x07,
  0x08,
  0x09,
  0x0a,
  0x0b,
  0x10,
  0x11,
  0x12,
  0x13,
  0x14,
  0x15,
  0x16,
  0x17,
  0x18,
  0x19,
  0x1a,
  0x1b,
  0x1c,
  0x1d,
  0x20,
  0x30,
  0x31,
  0x32,
  0x33,
  0x34,
  0x35,
  0x36,
  0x37,
  0x38,
  0x39,
  0x3a,
  0x3b,
  0x3c,
  0x3d,
  0x3e,
  0x3f,
  0x40,
  0x41,
  0x42,
  0x43,
  0x44,
  0x45,
  0x50,
  0x51,
  0x52,
  0x53,
  0x54,
  0x55,
  0x56,
  0x57,
  0x58,
  0x59,
  0x5a,
  0x5b,
  ...Array.from({ length: 32 }, (_, i) => 0x60 + i),
  ...Array.from({ length: 16 }, (_, i) => 0x80 + i),
  ...Array.from({ length: 16 }, (_, i) => 0x90 + i),
  0xa0,
  0xa1,
  0xa2,
  0xa3,
  0xa4,
  0xf0,
  0xf1,
  0xf2,
  0xf3,
  0xf4,
  0xf5,
  0xfa,
  0xfd,
  0xfe,
  0xff,
]);

/** The opcodes of `code`, PUSH data skipped. */
function opcodes(code: Uint8Array): number[] {
  const out: number[] = [];
  for (let pc = 0; pc < code.length; pc++) {
    const op = code[pc]!;
    out.push(op);
    if (op >= 0x60 && op <= 0x7f) pc += op - 0x5f;
  }
  return out;
}

const hex = (b: Uint8Array): Hex => `0x${toHex(b)}`;

/** Replaces the 32-byte word at byte `offset` of `data`. */
function setWord(data: Hex, offset: number, word: bigint): Hex {
  const i = 2 + offset * 2;
  return `${data.slice(0, i)}${word.toString(16).padStart(64, '0')}${data.slice(i + 64)}` as Hex;
}

let node: RunningGanache;
let contract: `0x${string}`;
let from: `0x${string}`;

beforeAll(async () => {
  node = await startGanache();
  from = privateKeyToAccount(node.privateKey).address;
  contract = await deployAnchorContract({
    rpcUrl: node.rpcUrl,
    chainId: node.chainId,
    privateKey: node.privateKey,
    pollIntervalMs: 20,
  });
});

afterAll(async () => {
  await node?.close();
});

describe('the assembled anchor contract', () => {
  it('uses the Solidity selector and event topic (keccak-256 of the signatures)', () => {
    const sel = keccak_256(utf8('anchor(bytes32,uint64,bytes32,string)')).slice(0, 4);
    expect(ANCHOR_SELECTOR).toBe(hex(sel));
    expect(ANCHORED_TOPIC).toBe(hex(keccak_256(utf8('Anchored(bytes32,uint64,bytes32,string)'))));
  });

  it('has an 11-byte constructor returning the runtime code, and no opcode newer than Constantinople', () => {
    const n = ANCHOR_RUNTIME_CODE.length;
    expect(toHex(ANCHOR_INIT_CODE.subarray(0, 11))).toBe(
      `60${n.toString(16).padStart(2, '0')}80600b600039` + '6000f3',
    );
    expect(ANCHOR_INIT_CODE.subarray(11)).toEqual(ANCHOR_RUNTIME_CODE);
    const used = opcodes(ANCHOR_RUNTIME_CODE);
    expect(used.filter((op) => !PRE_SHANGHAI.has(op))).toEqual([]);
    expect(used).not.toContain(0x5f); // PUSH0
    expect(used.at(-1)).toBe(0xfd); // ends with REVERT
  });

  it('is deployed with exactly that runtime code', async () => {
    const { pub } = clients(node.rpcUrl);
    expect(await pub.getCode({ address: contract })).toBe(ANCHOR_RUNTIME_CODE_HEX);
  });

  it('emits the event Solidity would, for origins of 0, 31, 32, 33 bytes and non-ASCII', async () => {
    const account = privateKeyToAccount(node.privateKey);
    const wallet = createWalletClient({ account, transport: http(node.rpcUrl) });
    const { pub } = clients(node.rpcUrl);
    const origins = ['', 'a'.repeat(31), 'b'.repeat(32), 'c'.repeat(33), 'zähler.example/größe ⚡'];
    for (const [i, origin] of origins.entries()) {
      const cp = checkpoint(1000 + i, 'event');
      const digest = hex(keccak_256(utf8(origin)));
      const hash = await wallet.sendTransaction({
        chain: null,
        to: contract,
        data: encodeFunctionData({
          abi: ANCHOR_CONTRACT_ABI,
          functionName: 'anchor',
          args: [digest, BigInt(cp.size), hex(cp.root), origin],
        }),
      });
      const receipt = await pub.waitForTransactionReceipt({ hash, pollingInterval: 20 });
      expect(receipt.status).toBe('success');
      expect(receipt.logs).toHaveLength(1);
      const log = receipt.logs[0]!;
      expect(log.data).toBe(
        encodeAbiParameters(
          [{ type: 'uint64' }, { type: 'bytes32' }, { type: 'string' }],
          [BigInt(cp.size), hex(cp.root), origin],
        ),
      );
      const ev = decodeEventLog({ abi: ANCHOR_CONTRACT_ABI, topics: log.topics, data: log.data });
      expect(ev.eventName).toBe('Anchored');
      expect(log.topics).toEqual([ANCHORED_TOPIC, digest]);
      expect(ev.args).toMatchObject({ digest, size: BigInt(cp.size), root: hex(cp.root), origin });
    }
  });

  it('accepts the canonical call and reverts on anything else', async () => {
    const { pub } = clients(node.rpcUrl);
    const good = encodeContractCall(checkpoint(5, 'calls'));
    const call = (data: Hex, value = 0n) => pub.call({ account: from, to: contract, data, value });
    await expect(call(good)).resolves.toBeDefined();
    const bad: Array<[string, Hex, bigint?]> = [
      ['empty call data', '0x'],
      ['three bytes', '0x1234ab'],
      ['another selector', `0xdeadbeef${good.slice(10)}`],
      ['the selector alone', ANCHOR_SELECTOR],
      ['value sent', good, 1n],
      ['size of 2^64', setWord(good, 0x24, 1n << 64n)],
      ['string offset 0xa0', setWord(`${good}${'00'.repeat(32)}` as Hex, 0x64, 0xa0n)],
      ['a length longer than the data', setWord(good, 0x84, 64n)],
      ['a length of 2^32', setWord(good, 0x84, 1n << 32n)],
      ['a length near 2^256', setWord(good, 0x84, (1n << 256n) - 1n)],
      ['a trailing byte', `${good}00` as Hex],
      ['a missing byte', good.slice(0, -2) as Hex],
    ];
    for (const [what, data, value] of bad) {
      await expect(call(data, value ?? 0n), what).rejects.toThrow(/revert/i);
    }
  });
});
