import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EntryKind, checkDisclosure } from '../../src/core/leaf/leaf.ts';
import { isWattproofError } from '../../src/core/errors.ts';
import {
  operatorKeyAt,
  verifyOperatorDeclaration,
  verifyRegistryEntry,
} from '../../src/core/registry/index.ts';
import { Ledger } from '../../src/ledger/ledger.ts';
import { loadOrCreateLogKey, type LogKey } from '../../src/log/log-key.ts';
import { MerkleLog } from '../../src/log/merkle-log.ts';
import { verifyMosquittoPassword } from '../../src/mqtt/index.ts';
import {
  loadOperatorKey,
  Registry,
  registryBrokerAccess,
  type OperatorKey,
  type RegisterRequest,
} from '../../src/registry/index.ts';
import { LevelStore } from '../../src/storage/level-store.ts';
import { tempDir } from '../helpers/tmp-dir.ts';
import { ed25519Spki, p256Key } from '../core/registry/helpers.ts';

const ORIGIN = 'wattproof.test/registry';
const NOW = 1_767_225_600_000;

interface Node {
  store: LevelStore;
  log: MerkleLog;
  ledger: Ledger;
  logKey: LogKey;
  operator: OperatorKey;
  registry: Registry;
}

let tmp: { path: string; remove: () => Promise<void> };
let node: Node;

async function open(operatorFile = 'operator.key'): Promise<Node> {
  const store = await LevelStore.open(`${tmp.path}/db`);
  const logKey = await loadOrCreateLogKey(`${tmp.path}/log.key`, ORIGIN);
  const log = await MerkleLog.open({
    store,
    origin: ORIGIN,
    signer: logKey.signer,
    vkey: logKey.vkey,
  });
  const ledger = new Ledger(log, store);
  const operator = await loadOperatorKey(`${tmp.path}/${operatorFile}`, ORIGIN);
  const registry = await Registry.load({ store, ledger, operatorKey: operator, now: () => NOW });
  return { store, log, ledger, logKey, operator, registry };
}

async function close(n: Node): Promise<void> {
  await n.log.close();
  await n.store.close();
}

function device(signerId: string, meter = signerId): RegisterRequest {
  return {
    signerId,
    mode: 'device',
    keyType: 'Ed25519',
    publicKey: ed25519Spki().raw,
    meters: [meter],
    ratedCapacityW: 11_000,
  };
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    if (isWattproofError(e)) return e.code;
    throw e;
  }
  return undefined;
}

/** The disclosed entry bytes at `index`, checked against the public leaf. */
async function entryAt(n: Node, index: number): Promise<{ kind: number; bytes: Uint8Array }> {
  const rec = await n.ledger.record(index);
  if (rec === undefined || rec.erased) throw new Error(`no record at ${index}`);
  const [leaf] = await n.log.entries(index, index + 1);
  const decoded = checkDisclosure(leaf!, rec.salt, rec.bytes);
  expect(decoded.kind).toBe(rec.kind);
  return { kind: rec.kind, bytes: rec.bytes };
}

beforeEach(async () => {
  tmp = await tempDir();
  node = await open();
});
afterEach(async () => {
  await close(node);
  await tmp.remove();
});

describe('when the operator key is declared', () => {
  it('appends the declaration once, signed by the log key, and not again after a reopen', async () => {
    expect(await codeOf(node.registry.register(device('m1')))).toBe('OPERATOR_NOT_DECLARED');
    const [a, b] = await Promise.all([
      node.registry.ensureOperatorDeclared(node.logKey.signer),
      node.registry.ensureOperatorDeclared(node.logKey.signer),
    ]);
    expect(a.created).not.toBe(b.created);
    expect(a.index).toBe(b.index);
    expect(node.log.size).toBe(1);
    const e = await entryAt(node, a.index);
    expect(e.kind).toBe(EntryKind.operatorKey);
    const d = verifyOperatorDeclaration(e.bytes, node.log.vkey);
    expect(d.publicKey).toEqual(node.operator.publicKey);
    expect(d.name).toBe(`${ORIGIN}/operator`);
    expect(d.origin).toBe(ORIGIN);
    await close(node);
    node = await open();
    const again = await node.registry.ensureOperatorDeclared(node.logKey.signer);
    expect(again).toMatchObject({ index: a.index, created: false });
    expect(node.log.size).toBe(1);
  });

  it('refuses a signer that is not the log key', async () => {
    expect(await codeOf(node.registry.ensureOperatorDeclared(node.operator.signer))).toBe(
      'OPERATOR_KEY_MISMATCH',
    );
    expect(node.log.size).toBe(0);
  });
});

describe('when keys are registered and revoked', () => {
  beforeEach(async () => {
    await node.registry.ensureOperatorDeclared(node.logKey.signer);
  });

  it('shows a registration to get() before the commit resolves, with its leaf index', async () => {
    const pending = node.registry.register(device('m1'));
    const seen = node.registry.get('m1');
    expect(seen?.registeredAt).toBe(1);
    const r = await pending;
    expect(r.index).toBe(1);
    expect(r.size).toBe(2);
    expect(r.signer).toEqual(seen);
    expect(seen).toMatchObject({
      mode: 'device',
      keyType: 'Ed25519',
      meters: ['m1'],
      ratedCapacityW: 11_000,
      issuedAt: NOW / 1000,
    });
  });

  it('refuses a duplicate signer id, also when both calls are in flight, and revoked ones stay taken', async () => {
    const first = node.registry.register(device('m1'));
    expect(await codeOf(node.registry.register(device('m1', 'm9')))).toBe('SIGNER_EXISTS');
    await first;
    await node.registry.revoke('m1', 'retired');
    expect(await codeOf(node.registry.register(device('m1')))).toBe('SIGNER_EXISTS');
    expect(node.log.size).toBe(3);
  });

  it('records the revocation index, and refuses unknown or already revoked signers', async () => {
    await node.registry.register(device('m1'));
    await node.registry.register(device('m2'));
    const pending = node.registry.revoke('m1', 'key compromised');
    expect(node.registry.get('m1')?.revokedAt).toBe(3);
    const r = await pending;
    expect(r.signer).toMatchObject({
      signerId: 'm1',
      registeredAt: 1,
      revokedAt: 3,
      revocationReason: 'key compromised',
    });
    expect(node.registry.get('m2')?.revokedAt).toBeUndefined();
    expect(await codeOf(node.registry.revoke('m1', 'again'))).toBe('SIGNER_REVOKED');
    expect(await codeOf(node.registry.revoke('nobody', 'x'))).toBe('SIGNER_NOT_FOUND');
    expect(node.log.size).toBe(4);
  });

  it('refuses invalid fields without appending anything', async () => {
    const cases: [RegisterRequest, string][] = [
      [{ ...device('m1'), meters: ['a', 'b'] }, 'INVALID_FIELD'],
      [{ ...device('m1'), publicKey: new Uint8Array(32).fill(0xff) }, 'INVALID_FIELD'],
      [{ ...device('m1'), ratedCapacityW: 0 }, 'INVALID_FIELD'],
      [{ ...device('bad id'), meters: ['x'] }, 'INVALID_FIELD'],
    ];
    for (const [req, code] of cases) expect(await codeOf(node.registry.register(req))).toBe(code);
    await node.registry.register(device('m1'));
    expect(await codeOf(node.registry.revoke('m1', ''))).toBe('INVALID_FIELD');
    expect(node.registry.get('m1')?.revokedAt).toBeUndefined();
    expect(node.log.size).toBe(2);
    expect(node.registry.list().map((s) => s.signerId)).toEqual(['m1']);
  });

  it('lists signers in registration order, and keeps them all across a reopen', async () => {
    const p = p256Key();
    await node.registry.register(device('zz'));
    await node.registry.register({
      signerId: 'hes-1',
      mode: 'platform',
      keyType: 'P-256',
      publicKey: p.raw,
      meters: ['a1', 'a2'],
      ratedCapacityW: 7,
    });
    await node.registry.register(device('aa'));
    await node.registry.revoke('zz', 'meter replaced');
    const before = node.registry.list();
    expect(before.map((s) => s.signerId)).toEqual(['zz', 'hes-1', 'aa']);
    await close(node);
    node = await open();
    expect(node.registry.list()).toEqual(before);
    expect(node.registry.get('hes-1')?.publicKey).toEqual(p.raw);
    expect(node.registry.operatorDeclarations()).toHaveLength(1);
  });

  it('writes entries that verify with the core functions against the log key alone', async () => {
    const reg = await node.registry.register(device('m1'));
    const rev = await node.registry.revoke('m1', 'key compromised');
    const [declaration] = node.registry.operatorDeclarations();
    const decl = await entryAt(node, declaration!.index);
    const d = verifyOperatorDeclaration(decl.bytes, node.log.vkey);
    const declared = [{ index: declaration!.index, declaration: d }];

    const regEntry = await entryAt(node, reg.index);
    expect(regEntry.kind).toBe(EntryKind.keyRegistration);
    const v1 = verifyRegistryEntry(regEntry.bytes, operatorKeyAt(declared, reg.index)!);
    expect(v1.kind).toBe(EntryKind.keyRegistration);
    if (v1.kind !== EntryKind.keyRegistration) throw new Error('kind');
    const stored = node.registry.get('m1')!;
    expect(v1.registration).toEqual({
      signerId: 'm1',
      mode: stored.mode,
      keyType: stored.keyType,
      publicKey: stored.publicKey,
      meters: [...stored.meters],
      ratedCapacityW: stored.ratedCapacityW,
      issuedAt: stored.issuedAt,
    });

    const revEntry = await entryAt(node, rev.index);
    expect(revEntry.kind).toBe(EntryKind.keyRevocation);
    const v2 = verifyRegistryEntry(revEntry.bytes, operatorKeyAt(declared, rev.index)!);
    expect(v2.kind === EntryKind.keyRevocation && v2.revocation.reason).toBe('key compromised');
  });

  it('declares a rotated operator key, whose entries verify only with the new declaration', async () => {
    await node.registry.register(device('m1'));
    await close(node);
    node = await open('operator-2.key');
    expect(await codeOf(node.registry.register(device('m2')))).toBe('OPERATOR_NOT_DECLARED');
    const d2 = await node.registry.ensureOperatorDeclared(node.logKey.signer);
    expect(d2).toMatchObject({ index: 2, created: true });
    const reg = await node.registry.register(device('m2'));
    expect(node.registry.get('m1')?.registeredAt).toBe(1);
    const decls = node.registry.operatorDeclarations();
    expect(decls.map((d) => d.index)).toEqual([0, 2]);
    const bytes = (await entryAt(node, reg.index)).bytes;
    expect(verifyRegistryEntry(bytes, operatorKeyAt(decls, reg.index)!).kind).toBe(
      EntryKind.keyRegistration,
    );
    expect(() => verifyRegistryEntry(bytes, decls[0]!.declaration)).toThrow(/kid|key/);
  });
});

describe('when broker credentials are issued', () => {
  beforeEach(async () => {
    await node.registry.ensureOperatorDeclared(node.logKey.signer);
  });

  it('issues one with the registration, keeps only its hash, and keeps it across a reopen', async () => {
    const r = await node.registry.register(device('m1'));
    expect(r.credential).toMatchObject({ username: 'm1', issuedAt: NOW / 1000 });
    expect(r.credential!.password).toMatch(/^wpm_[A-Za-z0-9_-]{43}$/);
    const stored = node.registry.brokerCredential('m1')!;
    expect(await verifyMosquittoPassword(r.credential!.password, stored.passwordHash)).toBe(true);
    await close(node);
    node = await open();
    expect(node.registry.brokerCredential('m1')).toEqual(stored);
    expect(node.registry.brokerCredentials().map((c) => c.signerId)).toEqual(['m1']);
  });

  it('re-issues one that replaces the old, durably', async () => {
    const first = (await node.registry.register(device('m1'))).credential!;
    const again = await node.registry.issueBrokerCredential('m1');
    expect(again.password).not.toBe(first.password);
    await close(node);
    node = await open();
    const hash = node.registry.brokerCredential('m1')!.passwordHash;
    expect(await verifyMosquittoPassword(again.password, hash)).toBe(true);
    expect(await verifyMosquittoPassword(first.password, hash)).toBe(false);
  });

  it('deletes it with the revocation, and issues none to unknown or revoked signers', async () => {
    await node.registry.register(device('m1'));
    await node.registry.register(device('m2'));
    await node.registry.revoke('m1', 'retired');
    expect(node.registry.brokerCredential('m1')).toBeUndefined();
    expect(await codeOf(node.registry.issueBrokerCredential('m1'))).toBe('SIGNER_REVOKED');
    expect(await codeOf(node.registry.issueBrokerCredential('zz'))).toBe('SIGNER_NOT_FOUND');
    await close(node);
    node = await open();
    expect(node.registry.brokerCredentials().map((c) => c.signerId)).toEqual(['m2']);
  });

  it('answers the broker with grants for active signers only (registryBrokerAccess)', async () => {
    await node.registry.register({ ...device('hes-1'), mode: 'platform', meters: ['a1', 'a2'] });
    const access = registryBrokerAccess(node.registry, 'root/v1');
    const user = access.user('hes-1')!;
    expect(user.grants).toEqual({
      publish: ['root/v1/platforms/hes-1/readings'],
      subscribe: [
        'root/v1/platforms/hes-1/receipts',
        'root/v1/meters/a1/receipts',
        'root/v1/meters/a2/receipts',
      ],
    });
    expect(access.user('nobody')).toBeUndefined();
    await node.registry.revoke('hes-1', 'decommissioned');
    expect(access.user('hes-1')).toBeUndefined();
  });
});
