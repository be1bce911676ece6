/**
 * The minimal anchor contract, assembled by hand so that no Solidity compiler is needed. Its
 * behaviour is that of this Solidity contract (ABI: docs.soliditylang.org, "Contract ABI
 * Specification"), with one added rule: the call data must be the canonical ABI encoding.
 *
 * ```solidity
 * // SPDX-License-Identifier: Apache-2.0
 * pragma solidity ^0.8.0;
 * contract WattproofAnchor {
 *     event Anchored(bytes32 indexed digest, uint64 size, bytes32 root, string origin);
 *     function anchor(bytes32 digest, uint64 size, bytes32 root, string calldata origin) external {
 *         emit Anchored(digest, size, root, origin);
 *     }
 * }
 * ```
 *
 * The code uses only opcodes of the Constantinople fork (SHR/SHL) and earlier; no PUSH0
 * (Shanghai), so it runs on every EVM chain still in use, Energy Web Chain included. It has no
 * storage, no owner and no way to be destroyed or changed.
 */
import { toEventSelector, toFunctionSelector, type Hex } from 'viem';
import { concatBytes, fromHex, toHex } from '../../src/core/bytes.ts';

/** The contract's ABI: one function and one event. */
export const ANCHOR_CONTRACT_ABI = [
  {
    type: 'function',
    name: 'anchor',
    stateMutability: 'nonpayable',
    inputs: [
      { name: 'digest', type: 'bytes32' },
      { name: 'size', type: 'uint64' },
      { name: 'root', type: 'bytes32' },
      { name: 'origin', type: 'string' },
    ],
    outputs: [],
  },
  {
    type: 'event',
    name: 'Anchored',
    anonymous: false,
    inputs: [
      { name: 'digest', type: 'bytes32', indexed: true },
      { name: 'size', type: 'uint64', indexed: false },
      { name: 'root', type: 'bytes32', indexed: false },
      { name: 'origin', type: 'string', indexed: false },
    ],
  },
] as const;

/** `keccak256("anchor(bytes32,uint64,bytes32,string)")[0:4]`, the function selector. */
export const ANCHOR_SELECTOR: Hex = toFunctionSelector('anchor(bytes32,uint64,bytes32,string)');

/** `keccak256("Anchored(bytes32,uint64,bytes32,string)")`, the event's topic 0. */
export const ANCHORED_TOPIC: Hex = toEventSelector('Anchored(bytes32,uint64,bytes32,string)');

/** Opcodes used below (Ethereum Yellow Paper, appendix H). */
const OPCODES = {
  STOP: 0x00,
  ADD: 0x01,
  SUB: 0x03,
  EQ: 0x14,
  ISZERO: 0x15,
  SHL: 0x1b,
  SHR: 0x1c,
  CALLVALUE: 0x34,
  CALLDATALOAD: 0x35,
  CALLDATASIZE: 0x36,
  CALLDATACOPY: 0x37,
  CODECOPY: 0x39,
  MSTORE: 0x52,
  JUMPI: 0x57,
  JUMPDEST: 0x5b,
  DUP1: 0x80,
  SWAP1: 0x90,
  LOG2: 0xa2,
  RETURN: 0xf3,
  REVERT: 0xfd,
} as const;

type Mnemonic = keyof typeof OPCODES;

/** One line of assembly: an opcode, a PUSHn of bytes, a PUSH1 of a label, or a label. */
type Line =
  | { readonly op: Mnemonic }
  | { readonly push: Uint8Array }
  | { readonly pushLabel: string }
  | { readonly label: string };

const op = (m: Mnemonic): Line => ({ op: m });
const push = (v: Hex | number): Line => ({
  push: typeof v === 'number' ? Uint8Array.of(v) : fromHex(v.slice(2)),
});
const pushLabel = (label: string): Line => ({ pushLabel: label });
const label = (name: string): Line => ({ label: name });

/** Assembles `lines`; labels become JUMPDESTs, label pushes PUSH1 (the code is < 256 bytes). */
function assemble(lines: readonly Line[]): Uint8Array {
  const size = (l: Line): number =>
    'op' in l ? 1 : 'push' in l ? 1 + l.push.length : 'pushLabel' in l ? 2 : 1;
  const labels = new Map<string, number>();
  let pc = 0;
  for (const l of lines) {
    if ('label' in l) labels.set(l.label, pc);
    pc += size(l);
  }
  const out: number[] = [];
  for (const l of lines) {
    if ('op' in l) out.push(OPCODES[l.op]);
    else if ('label' in l) out.push(OPCODES.JUMPDEST);
    else if ('push' in l) {
      if (l.push.length < 1 || l.push.length > 32) throw new RangeError('PUSH of 1..32 bytes');
      out.push(0x5f + l.push.length, ...l.push);
    } else {
      const target = labels.get(l.pushLabel);
      if (target === undefined || target > 0xff) throw new RangeError(`label ${l.pushLabel}`);
      out.push(0x60, target);
    }
  }
  return Uint8Array.from(out);
}

/*
 * Runtime code. Call data (canonical ABI encoding of anchor(...)):
 *   0x00 selector (4) | 0x04 digest | 0x24 size | 0x44 root | 0x64 offset = 0x80
 *   | 0x84 length of origin | 0xa4 origin bytes, zero-padded to a multiple of 32
 * Event data (canonical ABI encoding of (size, root, origin)):
 *   0x00 size | 0x20 root | 0x40 offset = 0x60 | 0x60 length | 0x80 origin bytes, padded
 * which is call data from 0x24 on with the offset word changed from 0x80 to 0x60.
 * Stack comments read top first.
 */
const RUNTIME: readonly Line[] = [
  // nonpayable: revert if any value is sent
  op('CALLVALUE'), //                      [value]
  pushLabel('fail'),
  op('JUMPI'), //                          []
  // selector == anchor(bytes32,uint64,bytes32,string)
  push(0),
  op('CALLDATALOAD'), //                   [word0]
  push(0xe0),
  op('SHR'), //                            [selector]
  push(ANCHOR_SELECTOR),
  op('EQ'),
  op('ISZERO'),
  pushLabel('fail'),
  op('JUMPI'),
  // the string's offset word is 0x80 (canonical head of four words)
  push(0x80),
  push(0x64),
  op('CALLDATALOAD'), //                   [offset, 0x80]
  op('EQ'),
  op('ISZERO'),
  pushLabel('fail'),
  op('JUMPI'),
  // size fits in uint64: size >> 64 == 0
  push(0x24),
  op('CALLDATALOAD'),
  push(0x40),
  op('SHR'),
  pushLabel('fail'),
  op('JUMPI'),
  // length of origin < 2^32 (so the padding arithmetic below cannot wrap)
  push(0x84),
  op('CALLDATALOAD'), //                   [len]
  op('DUP1'), //                           [len, len]
  push(0x20),
  op('SHR'), //                            [len >> 32, len]
  pushLabel('fail'),
  op('JUMPI'), //                          [len]
  // CALLDATASIZE == 0xa4 + ((len + 31) >> 5 << 5): nothing missing, nothing extra
  push(0x1f),
  op('ADD'),
  push(0x05),
  op('SHR'),
  push(0x05),
  op('SHL'), //                            [padded]
  push(0xa4),
  op('ADD'), //                            [expected]
  op('CALLDATASIZE'),
  op('EQ'),
  op('ISZERO'),
  pushLabel('fail'),
  op('JUMPI'), //                          []
  // memory[0 .. n) = calldata[0x24 ..), n = CALLDATASIZE - 0x24
  push(0x24),
  op('CALLDATASIZE'),
  op('SUB'), //                            [n]
  op('DUP1'), //                           [n, n]
  push(0x24),
  push(0),
  op('CALLDATACOPY'), //                   [n]  (dest 0, src 0x24, length n)
  // memory[0x40] = 0x60: the string offset in the event data's head of three words
  push(0x60),
  push(0x40),
  op('MSTORE'), //                         [n]
  // LOG2(memory 0, n, topic0 = ANCHORED_TOPIC, topic1 = digest)
  push(0x04),
  op('CALLDATALOAD'), //                   [digest, n]
  op('SWAP1'), //                          [n, digest]
  push(ANCHORED_TOPIC), //                 [topic0, n, digest]
  op('SWAP1'), //                          [n, topic0, digest]
  push(0), //                              [0, n, topic0, digest]
  op('LOG2'),
  op('STOP'),
  label('fail'),
  push(0),
  op('DUP1'),
  op('REVERT'), //                         revert with empty data
];

/** The contract's runtime code. */
export const ANCHOR_RUNTIME_CODE: Uint8Array = assemble(RUNTIME);

/*
 * Init code: copies the runtime code that follows it into memory and returns it.
 *   PUSH1 len  DUP1  PUSH1 0x0b  PUSH1 0  CODECOPY   (memory[0 .. len) = code[0x0b .. 0x0b+len))
 *   PUSH1 0  RETURN                                  (return memory[0 .. len))
 */
const INIT_PREFIX: Uint8Array = assemble([
  push(ANCHOR_RUNTIME_CODE.length),
  op('DUP1'),
  push(0x0b),
  push(0),
  op('CODECOPY'),
  push(0),
  op('RETURN'),
]);
if (INIT_PREFIX.length !== 0x0b) throw new Error('anchor contract: init code is not 11 bytes');

/** Deployment (init) code: the 11-byte constructor above followed by the runtime code. */
export const ANCHOR_INIT_CODE: Uint8Array = concatBytes(INIT_PREFIX, ANCHOR_RUNTIME_CODE);

/** {@link ANCHOR_INIT_CODE} as `0x` hex. */
export const ANCHOR_INIT_CODE_HEX: Hex = `0x${toHex(ANCHOR_INIT_CODE)}`;

/** {@link ANCHOR_RUNTIME_CODE} as `0x` hex, as `eth_getCode` returns it. */
export const ANCHOR_RUNTIME_CODE_HEX: Hex = `0x${toHex(ANCHOR_RUNTIME_CODE)}`;
