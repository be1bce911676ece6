/**
 * `wattproof audit-index` against a real node: the index rebuilt from the public entry bundles
 * and the operator's export matches every epoch (from the node and from an export file); an
 * export whose bytes do not give their leaves, an entry left out of it, and an epoch whose
 * root the entries do not give are each named, exit status 1.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAuditIndex } from '../../src/cli/audit-index.ts';
import { EXIT } from '../../src/cli/node-client.ts';
import { EntryKind } from '../../src/core/leaf/index.ts';
import { encodeIndexEpoch } from '../../src/core/ledger-index/index.ts';
import { tempDir } from '../helpers/tmp-dir.ts';
import { waitFor } from '../e2e/node-harness.ts';
import { readingsNode, run, type ReadingsNode } from './role-cli-harness.ts';

let n: ReadingsNode;
let dir: { path: string; remove: () => Promise<void> };

beforeAll(async () => {
  dir = await tempDir();
  n = await readingsNode('audit', 12);
  await n.t.node.indexer!.cut();
  await n.t.node.registry.register({
    signerId: 'audit-late',
    mode: 'device',
    keyType: 'Ed25519',
    publicKey: n.device.publicKey,
    meters: ['audit-late'],
    ratedCapacityW: 1000,
  });
  await n.t.node.indexer!.cut();
  await waitFor(() => n.t.node.log.publishedSize() === n.t.node.log.size, 'a published checkpoint');
});
afterAll(async () => {
  await n?.close();
  await dir?.remove();
});

const audit = (args: string[]) =>
  run(runAuditIndex, [...args, ...n.at, '--log-key', n.t.node.vkey, '--token', n.operator]);

describe('when an auditor checks the index against the log', () => {
  it('finds every epoch as recorded, reading the export from the node', async () => {
    const r = await audit([]);
    expect(r.err).not.toMatch(/wattproof audit-index:/);
    expect(r.code).toBe(EXIT.ok);
    expect(r.out).toMatch(
      /^OK index of log .* at tree size \d+: 2 epochs, every map root as recorded\n/,
    );
    expect(r.out).toContain(`latest epoch 2 (entry ${n.t.node.indexer!.latest!.index})`);
    const json = JSON.parse((await audit(['--json'])).out) as { epochs: number; keys: number };
    expect(json).toMatchObject({ ok: true, epochs: 2 });
    expect(json.keys).toBe(n.t.node.indexer!.map.size);
  });

  it('audits an export file, and names an entry whose bytes do not give its leaf', async () => {
    const file = join(dir.path, 'entries.jsonl');
    const e = await run(runAuditIndex, ['export', '--out', file, ...n.at, '--token', n.operator]);
    expect(e.code).toBe(EXIT.ok);
    expect(e.out).toMatch(/^wrote \d+ entries/);
    const ok = await run(runAuditIndex, ['--entries', file, ...n.at, '--log-key', n.t.node.vkey]);
    expect(ok.code).toBe(EXIT.ok);
    const lines = (await readFile(file, 'utf8')).trim().split('\n');
    const entry = JSON.parse(lines[5]!) as { index: number; salt: string };
    const salt = Buffer.from(entry.salt, 'base64');
    salt[0] = salt[0]! ^ 1;
    const bad = [...lines];
    bad[5] = JSON.stringify({ ...entry, salt: salt.toString('base64') });
    await writeFile(file, `${bad.join('\n')}\n`);
    const r = await run(runAuditIndex, ['--entries', file, ...n.at, '--log-key', n.t.node.vkey]);
    expect(r.code).toBe(EXIT.failed);
    expect(r.err).toContain(
      `entry ${entry.index}: its salt and bytes in the export do not give its leaf`,
    );
    const gap = [...lines.slice(0, 5), ...lines.slice(6)];
    await writeFile(file, `${gap.join('\n')}\n`);
    const g = await run(runAuditIndex, ['--entries', file, ...n.at, '--log-key', n.t.node.vkey]);
    expect(g.code).toBe(EXIT.failed);
    expect(g.err).toContain(`entry ${entry.index}: missing from the export`);
  });

  it('refuses a wrong log key and explains its options', async () => {
    const other = run(runAuditIndex, ['--log-key', 'not a key', ...n.at]);
    expect((await other).code).toBe(EXIT.usage);
    const help = await run(runAuditIndex, ['--help']);
    expect(help.code).toBe(EXIT.ok);
    expect(help.out).toContain('usage: wattproof audit-index --log-key VKEY');
  });

  it('names the first epoch whose root the entries do not give', async () => {
    const latest = n.t.node.indexer!.latest!;
    const forged = await n.t.node.ledger.append([
      {
        kind: EntryKind.indexEpoch,
        bytes: encodeIndexEpoch({
          epoch: latest.epoch + 1,
          logSize: n.t.node.log.size,
          mapRoot: new Uint8Array(32).fill(7),
          time: 1,
        }),
        meta: { receivedAt: 1 },
      },
    ]);
    await waitFor(
      () => n.t.node.log.publishedSize() === n.t.node.log.size,
      'a published checkpoint',
    );
    const r = await audit([]);
    expect(r.code).toBe(EXIT.failed);
    expect(r.err).toContain(
      `first divergence: epoch ${latest.epoch + 1} (entry ${forged.entries[0]!.index}) records map root 0707`,
    );
  });
});
