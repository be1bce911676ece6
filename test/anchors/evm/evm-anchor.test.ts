import { keccak256 } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toBase64 } from '../../../src/core/bytes.ts';
import { checkpointDigest } from '../../../anchors/anchor.ts';
import {
  DATA_MAGIC,
  EvmAnchor,
  EvmVerifier,
  deployAnchorContract,
  type EvmAnchorRecord,
} from '../../../anchors/evm/index.ts';
import { startGanache, type RunningGanache } from '../../helpers/ganache.ts';
import { checkpoint, clients, deadRpcUrl, rejectsWith } from './fixtures.ts';

let node: RunningGanache;
let contract: `0x${string}`;

beforeAll(async () => {
  node = await startGanache();
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

function anchorOf(extra: { contract?: string; confirmations?: number } = {}): EvmAnchor {
  return new EvmAnchor({
    rpcUrl: node.rpcUrl,
    chainId: node.chainId,
    privateKey: node.privateKey,
    pollIntervalMs: 20,
    timeoutMs: 20_000,
    ...extra,
  });
}

describe('when anchoring in data mode', () => {
  it('sends wpa1 ‖ digest to its own address and the record verifies offline and online', async () => {
    const cp = checkpoint(7);
    const anchor = anchorOf();
    expect(anchor.mode).toBe('data');
    expect(anchor.name).toBe(`evm:${node.chainId}`);
    const record = await anchor.anchor(cp);
    const sender = privateKeyToAccount(node.privateKey).address;
    expect(record).toMatchObject({
      type: 'evm',
      origin: cp.origin,
      size: 7,
      root: toBase64(cp.root),
      chainId: node.chainId,
      mode: 'data',
      sender,
    });
    expect(record.contract).toBeUndefined();
    expect(record.logIndex).toBeUndefined();
    expect(keccak256(record.rawTx)).toBe(record.txHash);

    const { pub } = clients(node.rpcUrl);
    const tx = await pub.getTransaction({ hash: record.txHash });
    expect(tx.to?.toLowerCase()).toBe(sender.toLowerCase());
    expect(tx.input).toBe(
      `0x${Buffer.from(DATA_MAGIC).toString('hex')}${Buffer.from(checkpointDigest(cp)).toString('hex')}`,
    );
    const block = await pub.getBlock({ blockHash: record.blockHash });
    expect(record.time).toBe(Number(block.timestamp));
    expect(record.blockNumber).toBe(Number(block.number));

    const offline = await new EvmVerifier().verify(record, cp);
    expect(offline).toMatchObject({ type: 'evm', size: 7, root: record.root, time: record.time });
    expect(offline.detail).toMatch(/offline checks only/);
    const online = await new EvmVerifier({
      rpcUrl: node.rpcUrl,
      chainId: node.chainId,
      sender,
    }).verify(record, cp);
    expect(online.detail).toContain(
      `confirmed on chain ${node.chainId} at block ${record.blockNumber}`,
    );
  });

  it('survives a JSON round trip of the record', async () => {
    const cp = checkpoint(8);
    const record = await anchorOf().anchor(cp);
    const copy = JSON.parse(JSON.stringify(record)) as EvmAnchorRecord;
    await expect(new EvmVerifier({ rpcUrl: node.rpcUrl }).verify(copy, cp)).resolves.toMatchObject({
      size: 8,
    });
  });
});

describe('when anchoring in contract mode', () => {
  it('calls the anchor contract, records the Anchored log and verifies offline and online', async () => {
    const cp = checkpoint(11, 'contract');
    const anchor = anchorOf({ contract });
    expect(anchor.mode).toBe('contract');
    const record = await anchor.anchor(cp);
    expect(record).toMatchObject({ mode: 'contract', contract, size: 11 });
    expect(typeof record.logIndex).toBe('number');

    const { pub } = clients(node.rpcUrl);
    const receipt = await pub.getTransactionReceipt({ hash: record.txHash });
    const log = receipt.logs.find((l) => l.logIndex === record.logIndex);
    expect(log?.address.toLowerCase()).toBe(contract.toLowerCase());
    expect(log?.topics[1]).toBe(`0x${Buffer.from(checkpointDigest(cp)).toString('hex')}`);

    const offline = await new EvmVerifier({ chainId: node.chainId }).verify(record, cp);
    expect(offline.detail).toMatch(/offline/);
    const online = await new EvmVerifier({ rpcUrl: node.rpcUrl }).verify(record, cp);
    expect(online.detail).toContain(`contract ${contract}`);
    expect(online.detail).toContain(`at block ${record.blockNumber}`);
  });

  it('sends concurrent anchors one at a time, each with its own nonce', async () => {
    const anchor = anchorOf({ contract });
    const cps = [21, 22, 23].map((n) => checkpoint(n, 'parallel'));
    const records = await Promise.all(cps.map((cp) => anchor.anchor(cp)));
    expect(new Set(records.map((r) => r.txHash)).size).toBe(3);
    const verifier = new EvmVerifier({ rpcUrl: node.rpcUrl });
    for (const [i, r] of records.entries()) await verifier.verify(r, cps[i]!);
  });
});

describe('when confirmations are required', () => {
  it('waits for the blocks on top, and the verifier counts them', async () => {
    const { mine } = clients(node.rpcUrl);
    const anchor = anchorOf({ confirmations: 3 });
    let done = false;
    const pending = anchor.anchor(checkpoint(30)).finally(() => {
      done = true;
    });
    // Instamine makes one block per transaction; mine more until the anchor is satisfied.
    while (!done) {
      await mine();
      await new Promise((r) => setTimeout(r, 30));
    }
    const record = await pending;
    const { pub } = clients(node.rpcUrl);
    const head = await pub.getBlockNumber();
    expect(Number(head) - record.blockNumber + 1).toBeGreaterThanOrEqual(3);

    const strict = new EvmVerifier({
      rpcUrl: node.rpcUrl,
      confirmations: Number(head) - record.blockNumber + 2,
    });
    await rejectsWith(strict.verify(record, checkpoint(30)), 'ANCHOR_NOT_FOUND');
    await mine();
    await expect(strict.verify(record, checkpoint(30))).resolves.toMatchObject({ size: 30 });
  });
});

describe('when the configuration is wrong', () => {
  it('rejects a node serving another chain id with ANCHOR_CONFIG', async () => {
    const anchor = new EvmAnchor({
      rpcUrl: node.rpcUrl,
      chainId: 246,
      privateKey: node.privateKey,
    });
    await rejectsWith(anchor.anchor(checkpoint(1)), 'ANCHOR_CONFIG');
    await rejectsWith(
      deployAnchorContract({ rpcUrl: node.rpcUrl, chainId: 1, privateKey: node.privateKey }),
      'ANCHOR_CONFIG',
    );
  });

  it('rejects a contract address without code with ANCHOR_CONFIG', async () => {
    const anchor = anchorOf({ contract: '0x000000000000000000000000000000000000dEaD' });
    await rejectsWith(anchor.anchor(checkpoint(1)), 'ANCHOR_CONFIG');
  });

  it('rejects bad options at construction with ANCHOR_CONFIG', () => {
    const base = { rpcUrl: node.rpcUrl, chainId: node.chainId, privateKey: node.privateKey };
    const bad = [
      { ...base, rpcUrl: 'ftp://example.org' },
      { ...base, rpcUrl: 'not a url' },
      { ...base, chainId: 0 },
      { ...base, chainId: 1.5 },
      { ...base, privateKey: '0x1234' as const },
      { ...base, contract: '0x1234' },
      { ...base, confirmations: 0 },
      { ...base, timeoutMs: -1 },
    ];
    for (const options of bad) {
      expect(() => new EvmAnchor(options), JSON.stringify(options)).toThrow(
        expect.objectContaining({ code: 'ANCHOR_CONFIG' }),
      );
    }
    expect(() => new EvmVerifier({ sender: 'nobody' })).toThrow(
      expect.objectContaining({ code: 'ANCHOR_CONFIG' }),
    );
  });
});

describe('when the node cannot be reached', () => {
  it('gives ANCHOR_UNAVAILABLE for the anchor, the deployment and the online verifier', async () => {
    const rpcUrl = await deadRpcUrl();
    const anchor = new EvmAnchor({ rpcUrl, chainId: node.chainId, privateKey: node.privateKey });
    await rejectsWith(anchor.anchor(checkpoint(1)), 'ANCHOR_UNAVAILABLE');
    await rejectsWith(
      deployAnchorContract({ rpcUrl, chainId: node.chainId, privateKey: node.privateKey }),
      'ANCHOR_UNAVAILABLE',
    );
    const record = await anchorOf().anchor(checkpoint(40));
    await rejectsWith(
      new EvmVerifier({ rpcUrl }).verify(record, checkpoint(40)),
      'ANCHOR_UNAVAILABLE',
    );
  });

  it('gives ANCHOR_UNAVAILABLE when aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('shutting down'));
    await rejectsWith(anchorOf().anchor(checkpoint(41), controller.signal), 'ANCHOR_UNAVAILABLE');
  });
});
