import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toBase64 } from '../../src/core/bytes.ts';
import { EntryKind } from '../../src/core/leaf/leaf.ts';
import { verifyRegistryEntry } from '../../src/core/registry/index.ts';
import { Ledger } from '../../src/ledger/ledger.ts';
import { tempDir } from '../helpers/tmp-dir.ts';
import { ecSpki, ed25519Spki, p256Key } from '../core/registry/helpers.ts';
import { openTestNode, type TestNode } from '../registry/test-node.ts';

let tmp: { path: string; remove: () => Promise<void> };
let node: TestNode;

beforeAll(async () => {
  tmp = await tempDir();
  node = await openTestNode(tmp.path);
});
afterAll(async () => {
  await node.close();
  await tmp.remove();
});

function post(url: string, payload: unknown, token = node.operatorToken) {
  return node.app.inject({
    method: 'POST',
    url,
    payload: payload as object,
    headers: { authorization: `Bearer ${token}` },
  });
}
function get(url: string) {
  return node.app.inject({
    method: 'GET',
    url,
    headers: { authorization: `Bearer ${node.operatorToken}` },
  });
}

const device = (signerId: string, over: Record<string, unknown> = {}) => ({
  signerId,
  mode: 'device',
  keyType: 'Ed25519',
  publicKey: toBase64(ed25519Spki().raw),
  meters: [signerId],
  ratedCapacityW: 11000,
  ...over,
});

describe('when the operator registers and revokes keys', () => {
  it('registers an Ed25519 device key and returns the signer and its committed entry', async () => {
    const size = node.log.size;
    const res = await post('/v1/registry/signers', device('m-100'));
    expect(res.statusCode).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = res.json();
    expect(body.entry).toEqual({ index: size, treeSize: size + 1 });
    expect(body.signer).toMatchObject({
      signerId: 'm-100',
      mode: 'device',
      keyType: 'Ed25519',
      meters: ['m-100'],
      ratedCapacityW: 11000,
      registrationIndex: size,
    });
    expect(body.signer.registeredAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(body.signer.revocationIndex).toBeUndefined();
    expect(node.log.size).toBe(size + 1);
    const rec = await new Ledger(node.log, node.store).record(size);
    if (rec === undefined || rec.erased) throw new Error('no record');
    expect(rec.kind).toBe(EntryKind.keyRegistration);
    const decl = node.registry.currentDeclaration()!.declaration;
    const e = verifyRegistryEntry(rec.bytes, decl);
    expect(e.kind === EntryKind.keyRegistration && toBase64(e.registration.publicKey)).toBe(
      body.signer.publicKey,
    );
  });

  it('takes P-256 keys as PEM, compressed or raw, and stores the uncompressed point', async () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const raw = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })).slice(-65);
    const res = await post(
      '/v1/registry/signers',
      device('hes-1', {
        mode: 'platform',
        keyType: 'P-256',
        publicKey: pem,
        meters: ['a1', 'a2', 'a3'],
      }),
    );
    expect(res.statusCode).toBe(201);
    expect(res.json().signer.publicKey).toBe(toBase64(raw));
    expect(res.json().signer.meters).toEqual(['a1', 'a2', 'a3']);
    const compressed = p256Key().raw;
    const c = Uint8Array.of(2 + (compressed[64]! & 1), ...compressed.subarray(1, 33));
    const res2 = await post(
      '/v1/registry/signers',
      device('hes-2', {
        mode: 'platform',
        keyType: 'P-256',
        publicKey: toBase64(c),
        meters: ['b1'],
      }),
    );
    expect(res2.statusCode).toBe(201);
    expect(res2.json().signer.publicKey).toBe(toBase64(compressed));
  });

  it('registers an OCMF meter key given as base64 DER', async () => {
    const spki = ecSpki('brainpoolP256r1');
    const res = await post(
      '/v1/registry/signers',
      device('000033022620', { keyType: 'OCMF', publicKey: toBase64(spki) }),
    );
    expect(res.statusCode).toBe(201);
    expect(res.json().signer.publicKey).toBe(toBase64(spki));
  });

  it('lists and shows signers, and revokes one', async () => {
    await post('/v1/registry/signers', device('m-200'));
    const list = await get('/v1/registry/signers');
    expect(list.statusCode).toBe(200);
    const ids = (list.json().signers as { signerId: string }[]).map((s) => s.signerId);
    expect(ids).toEqual(node.registry.list().map((s) => s.signerId));
    expect(ids).toContain('m-200');
    const one = await get('/v1/registry/signers/m-200');
    expect(one.json()).toEqual(
      list.json().signers.find((s: { signerId: string }) => s.signerId === 'm-200'),
    );

    const rev = await post('/v1/registry/signers/m-200/revoke', { reason: 'meter replaced' });
    expect(rev.statusCode).toBe(200);
    expect(rev.json().signer).toMatchObject({
      signerId: 'm-200',
      revocationIndex: rev.json().entry.index,
      revocationReason: 'meter replaced',
    });
    expect(node.registry.get('m-200')?.revokedAt).toBe(rev.json().entry.index);
    const shown = await get('/v1/registry/signers/m-200');
    expect(shown.json().revokedAt).toMatch(/^\d{4}-/);
  });
});

describe('when a request conflicts with the registry', () => {
  it('answers 409 SIGNER_EXISTS for a taken signer id', async () => {
    expect((await post('/v1/registry/signers', device('dup-1'))).statusCode).toBe(201);
    const size = node.log.size;
    const res = await post('/v1/registry/signers', device('dup-1'));
    expect(res.statusCode).toBe(409);
    expect(res.json()).toEqual({
      error: { code: 'SIGNER_EXISTS', message: 'signer "dup-1" is already registered' },
    });
    expect(node.log.size).toBe(size);
  });

  it('answers 409 SIGNER_REVOKED for a second revocation and 404 for an unknown signer', async () => {
    await post('/v1/registry/signers', device('rv-1'));
    expect((await post('/v1/registry/signers/rv-1/revoke', { reason: 'x' })).statusCode).toBe(200);
    const again = await post('/v1/registry/signers/rv-1/revoke', { reason: 'x' });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('SIGNER_REVOKED');
    const unknown = await post('/v1/registry/signers/nobody/revoke', { reason: 'x' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('SIGNER_NOT_FOUND');
    expect((await get('/v1/registry/signers/nobody')).statusCode).toBe(404);
  });
});

describe('when a field is invalid', () => {
  const ed = ed25519Spki();
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['a missing field', { meters: undefined }, /body must have required property 'meters'/],
    ['an unknown mode', { mode: 'meter' }, /body\/mode must be equal to one of the allowed values/],
    [
      'an unknown key type',
      { keyType: 'RSA' },
      /body\/keyType must be equal to one of the allowed values/,
    ],
    ['a signer id with a space', { signerId: 'a b' }, /body\/signerId must match pattern/],
    ['a bad meter id', { meters: ['x/y'] }, /body\/meters\/0 must match pattern/],
    ['no meters', { meters: [] }, /body\/meters must NOT have fewer than 1 items/],
    ['a zero capacity', { ratedCapacityW: 0 }, /body\/ratedCapacityW must be >= 1/],
    ['a fractional capacity', { ratedCapacityW: 1.5 }, /body\/ratedCapacityW must be integer/],
    [
      'a key that is not base64',
      { publicKey: 'zz-not-base64' },
      /^publicKey: neither strict base64/,
    ],
    [
      'a key with bad padding',
      { publicKey: toBase64(ed.raw).slice(0, -1) },
      /^publicKey: neither strict base64/,
    ],
    [
      'an Ed25519 key of 31 bytes',
      { publicKey: toBase64(ed.raw.subarray(1)) },
      /^publicKey: not a valid Ed25519 public key/,
    ],
    [
      'an Ed25519 key that is not a point',
      { publicKey: toBase64(new Uint8Array(32).fill(0xff)) },
      /^publicKey: not a valid Ed25519 public key/,
    ],
    [
      'a P-256 key for an Ed25519 signer',
      { keyType: 'P-256', publicKey: toBase64(ed.spki) },
      /^publicKey: /,
    ],
    [
      'a device with two meters',
      { meters: ['m1', 'm2'] },
      /^meters: a device key signs for exactly one meter/,
    ],
    [
      'a platform listing a meter twice',
      { mode: 'platform', meters: ['m1', 'm1'] },
      /^meters: meter "m1" is listed twice/,
    ],
    [
      'an OCMF key in platform mode',
      { mode: 'platform', keyType: 'OCMF', publicKey: toBase64(ecSpki('prime256v1')) },
      /^mode: an OCMF key is a meter key/,
    ],
  ];
  for (const [what, over, message] of cases) {
    it(`answers 400 with a precise message for ${what}`, async () => {
      const size = node.log.size;
      const res = await post('/v1/registry/signers', device('bad-1', over));
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toMatch(/^(INVALID_REQUEST|INVALID_FIELD)$/);
      expect(res.json().error.message).toMatch(message);
      expect(node.log.size).toBe(size);
      expect(node.registry.get('bad-1')).toBeUndefined();
    });
  }

  it('answers 400 for a revocation without a reason or with a bad signer id', async () => {
    await post('/v1/registry/signers', device('rv-2'));
    const empty = await post('/v1/registry/signers/rv-2/revoke', { reason: '' });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().error.message).toMatch(
      /body\/reason must NOT have fewer than 1 characters/,
    );
    const control = await post('/v1/registry/signers/rv-2/revoke', { reason: 'a\u0007b' });
    expect(control.statusCode).toBe(400);
    expect(control.json().error.message).toMatch(/^reason: contains control characters/);
    const badId = await post('/v1/registry/signers/a%20b/revoke', { reason: 'x' });
    expect(badId.statusCode).toBe(400);
    expect(badId.json().error.message).toMatch(/params\/signerId must match pattern/);
    expect(node.registry.get('rv-2')?.revokedAt).toBeUndefined();
  });
});
