import fc from 'fast-check';
import { createWalletClient, http, keccak256, type Hex } from 'viem';
import { privateKeyToAccount, generatePrivateKey } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toBase64, toHex } from '../../../src/core/bytes.ts';
import { AnchorError, checkpointDigest, type AnchoredCheckpoint } from '../../../anchors/anchor.ts';
import {
  EvmAnchor,
  EvmVerifier,
  deployAnchorContract,
  encodeContractCall,
  encodeDataPayload,
  type EvmAnchorRecord,
} from '../../../anchors/evm/index.ts';
import { startGanache, type RunningGanache } from '../../helpers/ganache.ts';
import { checkpoint, clients, flipHexDigit, rejectsWith } from './fixtures.ts';

let node: RunningGanache;
let contract: `0x${string}`;
let sender: `0x${string}`;
const cpData = checkpoint(7, 'verifier');
const cpContract = checkpoint(9, 'verifier');
let dataRecord: EvmAnchorRecord;
let contractRecord: EvmAnchorRecord;
let offline: EvmVerifier;
let online: EvmVerifier;

beforeAll(async () => {
  node = await startGanache();
  sender = privateKeyToAccount(node.privateKey).address;
  const common = { rpcUrl: node.rpcUrl, chainId: node.chainId, privateKey: node.privateKey };
  contract = await deployAnchorContract({ ...common, pollIntervalMs: 20 });
  dataRecord = await new EvmAnchor({ ...common, pollIntervalMs: 20 }).anchor(cpData);
  contractRecord = await new EvmAnchor({ ...common, contract, pollIntervalMs: 20 }).anchor(
    cpContract,
  );
  offline = new EvmVerifier();
  online = new EvmVerifier({ rpcUrl: node.rpcUrl });
});

afterAll(async () => {
  await node?.close();
});

/** A signed data-mode transaction for `cp`, never broadcast, and the record claiming it. */
async function unsentRecord(
  cp: AnchoredCheckpoint,
  opts: { chainId?: number; legacyNoChain?: boolean; privateKey?: Hex; to?: Hex } = {},
): Promise<EvmAnchorRecord> {
  const account = privateKeyToAccount(opts.privateKey ?? node.privateKey);
  const data = encodeDataPayload(cp);
  const to = opts.to ?? account.address;
  const rawTx = opts.legacyNoChain
    ? await account.signTransaction({
        type: 'legacy',
        to,
        data,
        nonce: 999,
        gas: 50_000n,
        gasPrice: 1n,
      })
    : await account.signTransaction({
        type: 'eip1559',
        chainId: opts.chainId ?? node.chainId,
        to,
        data,
        nonce: 999,
        gas: 50_000n,
        maxFeePerGas: 10n ** 10n,
        maxPriorityFeePerGas: 1n,
      });
  return {
    ...dataRecord,
    origin: cp.origin,
    size: cp.size,
    root: toBase64(cp.root),
    chainId: opts.chainId ?? node.chainId,
    rawTx,
    txHash: keccak256(rawTx),
    sender: account.address,
  };
}

describe('when the record is checked against another checkpoint', () => {
  it('rejects another root, size or origin with ANCHOR_WRONG_CHECKPOINT', async () => {
    for (const record of [dataRecord, contractRecord]) {
      const cp = record === dataRecord ? cpData : cpContract;
      await expect(offline.verify(record, cp)).resolves.toMatchObject({ size: cp.size });
      await rejectsWith(
        offline.verify(record, { ...cp, root: checkpoint(cp.size, 'x').root }),
        'ANCHOR_WRONG_CHECKPOINT',
      );
      await rejectsWith(
        offline.verify(record, { ...cp, size: cp.size + 1 }),
        'ANCHOR_WRONG_CHECKPOINT',
      );
      await rejectsWith(
        offline.verify(record, { ...cp, origin: 'other.test/log' }),
        'ANCHOR_WRONG_CHECKPOINT',
      );
      await rejectsWith(
        online.verify(record, { ...cp, size: cp.size - 1 }),
        'ANCHOR_WRONG_CHECKPOINT',
      );
    }
  });

  it('rejects a record whose own size or root differs from what the transaction carries', async () => {
    const other = checkpoint(8, 'verifier');
    for (const record of [dataRecord, contractRecord]) {
      const relabelled = { ...record, size: other.size, root: toBase64(other.root) };
      const e = await rejectsWith(offline.verify(relabelled, other), 'ANCHOR_WRONG_CHECKPOINT');
      expect(e.evidence).toMatchObject({ txHash: record.txHash });
    }
  });
});

describe('when the record was tampered with', () => {
  it('rejects a changed txHash with ANCHOR_MALFORMED', async () => {
    for (const record of [dataRecord, contractRecord]) {
      await rejectsWith(
        offline.verify(
          { ...record, txHash: flipHexDigit(record.txHash, 10) },
          record === dataRecord ? cpData : cpContract,
        ),
        'ANCHOR_MALFORMED',
      );
    }
  });

  it('rejects a changed rawTx with ANCHOR_MALFORMED, or ANCHOR_BAD_SIGNATURE when the hash is redone', async () => {
    const digestHex = toHex(checkpointDigest(cpData));
    const at = dataRecord.rawTx.indexOf(digestHex) - 2;
    expect(at).toBeGreaterThan(0);
    const forged = flipHexDigit(dataRecord.rawTx, at + 5);
    await rejectsWith(offline.verify({ ...dataRecord, rawTx: forged }, cpData), 'ANCHOR_MALFORMED');
    await rejectsWith(
      offline.verify({ ...dataRecord, rawTx: forged, txHash: keccak256(forged) }, cpData),
      'ANCHOR_BAD_SIGNATURE',
    );
    const garbage = '0x02deadbeef' as Hex;
    await rejectsWith(
      offline.verify({ ...dataRecord, rawTx: garbage, txHash: keccak256(garbage) }, cpData),
      'ANCHOR_MALFORMED',
    );
  });

  it('rejects a changed sender with ANCHOR_BAD_SIGNATURE and an unexpected one with ANCHOR_UNTRUSTED', async () => {
    const someoneElse = privateKeyToAccount(generatePrivateKey()).address;
    await rejectsWith(
      offline.verify({ ...dataRecord, sender: someoneElse }, cpData),
      'ANCHOR_BAD_SIGNATURE',
    );
    await rejectsWith(
      new EvmVerifier({ sender: someoneElse }).verify(contractRecord, cpContract),
      'ANCHOR_UNTRUSTED',
    );
    await expect(
      new EvmVerifier({ sender: sender.toLowerCase() }).verify(contractRecord, cpContract),
    ).resolves.toMatchObject({ size: cpContract.size });
  });

  it('rejects a changed chain id or another expected chain with ANCHOR_UNTRUSTED', async () => {
    await rejectsWith(offline.verify({ ...dataRecord, chainId: 246 }, cpData), 'ANCHOR_UNTRUSTED');
    await rejectsWith(
      new EvmVerifier({ chainId: 246 }).verify(dataRecord, cpData),
      'ANCHOR_UNTRUSTED',
    );
    const unbound = await unsentRecord(cpData, { legacyNoChain: true });
    await rejectsWith(offline.verify(unbound, cpData), 'ANCHOR_UNTRUSTED');
  });

  it('rejects a transaction that goes elsewhere than its mode says with ANCHOR_MALFORMED', async () => {
    const elsewhere = await unsentRecord(cpData, {
      to: '0x000000000000000000000000000000000000dEaD',
    });
    await rejectsWith(offline.verify(elsewhere, cpData), 'ANCHOR_MALFORMED');
    await rejectsWith(
      offline.verify(
        { ...contractRecord, contract: '0x000000000000000000000000000000000000dEaD' },
        cpContract,
      ),
      'ANCHOR_MALFORMED',
    );
    const { contract: _c, logIndex: _l, ...asData } = contractRecord;
    await rejectsWith(offline.verify({ ...asData, mode: 'data' }, cpContract), 'ANCHOR_MALFORMED');
    await rejectsWith(
      offline.verify({ ...dataRecord, mode: 'contract', contract, logIndex: 0 }, cpData),
      'ANCHOR_MALFORMED',
    );
  });

  it('rejects ill-typed fields with ANCHOR_MALFORMED and never throws anything but an AnchorError', async () => {
    for (const [field, value] of [
      ['type', 'rfc3161'],
      ['size', -1],
      ['size', '7'],
      ['root', 'not base64'],
      ['root', toBase64(new Uint8Array(31))],
      ['time', 1.5],
      ['chainId', 0],
      ['mode', 'event'],
      ['txHash', '0x1234'],
      ['blockHash', 42],
      ['blockNumber', -3],
      ['sender', '0xnot'],
      ['rawTx', '0x0'],
      ['rawTx', `0x${'00'.repeat(64 * 1024 + 1)}`],
    ] as const) {
      await rejectsWith(
        offline.verify({ ...dataRecord, [field]: value }, cpData),
        'ANCHOR_MALFORMED',
      );
    }
    const fields = Object.keys(contractRecord);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...fields), fc.anything(), async (field, value) => {
        const outcome = await online.verify({ ...contractRecord, [field]: value }, cpContract).then(
          () => 'ok',
          (e: unknown) => e,
        );
        expect(outcome === 'ok' || outcome instanceof AnchorError, String(outcome)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });
});

describe('when checking the chain', () => {
  it('rejects a signed transaction the chain does not hold with ANCHOR_NOT_FOUND', async () => {
    const record = await unsentRecord(cpData);
    await expect(offline.verify(record, cpData)).resolves.toMatchObject({ size: cpData.size });
    await rejectsWith(online.verify(record, cpData), 'ANCHOR_NOT_FOUND');
  });

  it('rejects another block hash, block number, log index or time with ANCHOR_NOT_FOUND', async () => {
    const cases: EvmAnchorRecord[] = [
      { ...dataRecord, blockHash: flipHexDigit(dataRecord.blockHash, 3) },
      { ...dataRecord, blockNumber: dataRecord.blockNumber + 1 },
      { ...dataRecord, time: dataRecord.time + 1 },
      { ...contractRecord, logIndex: (contractRecord.logIndex ?? 0) + 1 },
    ];
    for (const record of cases) {
      const cp = record.mode === 'data' ? cpData : cpContract;
      await expect(offline.verify(record, cp)).resolves.toMatchObject({ type: 'evm' });
      await rejectsWith(online.verify(record, cp), 'ANCHOR_NOT_FOUND');
    }
  });

  it('rejects a reverted anchor transaction with ANCHOR_NOT_FOUND', async () => {
    const account = privateKeyToAccount(node.privateKey);
    const wallet = createWalletClient({ account, transport: http(node.rpcUrl) });
    const cp = checkpoint(12, 'reverted');
    const { pub } = clients(node.rpcUrl);
    const nonce = await pub.getTransactionCount({ address: account.address });
    // The contract is nonpayable: sending value makes it revert.
    const rawTx = await account.signTransaction({
      type: 'eip1559',
      chainId: node.chainId,
      to: contract,
      data: encodeContractCall(cp),
      value: 1n,
      nonce,
      gas: 200_000n,
      maxFeePerGas: 10n ** 11n,
      maxPriorityFeePerGas: 1n,
    });
    const txHash = await wallet.sendRawTransaction({ serializedTransaction: rawTx });
    const receipt = await pub.waitForTransactionReceipt({ hash: txHash, pollingInterval: 20 });
    expect(receipt.status).toBe('reverted');
    const block = await pub.getBlock({ blockHash: receipt.blockHash });
    const record: EvmAnchorRecord = {
      ...contractRecord,
      size: cp.size,
      root: toBase64(cp.root),
      time: Number(block.timestamp),
      rawTx,
      txHash,
      blockNumber: Number(receipt.blockNumber),
      blockHash: receipt.blockHash,
      logIndex: 0,
    };
    await expect(offline.verify(record, cp)).resolves.toMatchObject({ size: 12 });
    const e = await rejectsWith(online.verify(record, cp), 'ANCHOR_NOT_FOUND');
    expect(e.message).toMatch(/reverted/);
  });

  it('rejects a record of another chain than the RPC node serves with ANCHOR_CONFIG', async () => {
    const record = await unsentRecord(cpData, { chainId: 5 });
    await expect(offline.verify(record, cpData)).resolves.toMatchObject({ size: cpData.size });
    await rejectsWith(online.verify(record, cpData), 'ANCHOR_CONFIG');
  });
});
