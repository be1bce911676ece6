import { describe, expect, it } from 'vitest';
import { decodeCbor, encodeCbor } from '../../../src/core/cbor/index.ts';
import type { CborMap } from '../../../src/core/cbor/index.ts';
import { u32be } from '../../../src/core/note/key-format.ts';
import {
  encodeOperatorDeclaration,
  OperatorKeyDeclarationKey,
  operatorKeyAt,
  RegistryContentType,
  RegistryError,
  sameOperatorKey,
  signEntry,
  signKeyRegistration,
  signOperatorDeclaration,
  verifyOperatorDeclaration,
  verifyRegistryEntry,
} from '../../../src/core/registry/index.ts';
import type { OperatorKeyDeclaration } from '../../../src/core/registry/index.ts';
import { newKey, sampleRegistration } from './helpers.ts';

const ORIGIN = 'wattproof.test/log';
const LOG = newKey(ORIGIN);
const OTHER_LOG = newKey(ORIGIN);
const OPERATOR = newKey(`${ORIGIN}/operator`);

const DECL: OperatorKeyDeclaration = {
  name: OPERATOR.signer.name,
  keyId: OPERATOR.signer.keyId,
  publicKey: OPERATOR.publicKey,
  issuedAt: 1_767_225_600,
};

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof RegistryError) return e.code;
    throw e;
  }
  return undefined;
}

describe('when the log declares the operator key', () => {
  const bytes = signOperatorDeclaration(DECL, LOG.signer);

  it('verifies with the log vkey and with the raw log key, naming the origin', () => {
    for (const key of [LOG.vkey, LOG.publicKey]) {
      const d = verifyOperatorDeclaration(bytes, key);
      expect(d).toEqual({ ...DECL, origin: ORIGIN });
    }
  });

  it('lets a verifier that trusts only the log key check the operator entries', () => {
    const d = verifyOperatorDeclaration(bytes, LOG.vkey);
    const reg = signKeyRegistration(sampleRegistration(), OPERATOR.signer);
    expect(verifyRegistryEntry(reg, d).kind).toBe(0x10);
  });

  it('does not verify with the operator key, another log key or another log name', () => {
    expect(codeOf(() => verifyOperatorDeclaration(bytes, OPERATOR.publicKey))).toBe('WRONG_KEY');
    expect(codeOf(() => verifyOperatorDeclaration(bytes, OPERATOR.vkey))).toBe('WRONG_KEY');
    expect(codeOf(() => verifyOperatorDeclaration(bytes, OTHER_LOG.vkey))).toBe('WRONG_KEY');
    expect(codeOf(() => verifyOperatorDeclaration(bytes, OTHER_LOG.publicKey))).toBe('WRONG_KEY');
    const renamed = newKey('wattproof.test/other');
    expect(codeOf(() => verifyOperatorDeclaration(bytes, renamed.vkey))).toBe('WRONG_KEY');
  });

  it('rejects a declaration signed by the operator key itself', () => {
    const self = signOperatorDeclaration(DECL, OPERATOR.signer);
    expect(codeOf(() => verifyOperatorDeclaration(self, LOG.vkey))).toBe('WRONG_KEY');
    const forged = signEntry(
      { name: LOG.signer.name, keyId: LOG.signer.keyId, sign: (m) => OPERATOR.signer.sign(m) },
      RegistryContentType.operatorKey,
      DECL.name,
      encodeOperatorDeclaration(DECL),
    );
    expect(codeOf(() => verifyOperatorDeclaration(forged, LOG.vkey))).toBe('BAD_SIGNATURE');
  });

  it('is not accepted as a registration, nor a registration as a declaration', () => {
    expect(codeOf(() => verifyRegistryEntry(bytes, LOG.publicKey))).toBe('WRONG_CONTENT_TYPE');
    const reg = signKeyRegistration(sampleRegistration(), LOG.signer);
    expect(codeOf(() => verifyOperatorDeclaration(reg, LOG.vkey))).toBe('WRONG_CONTENT_TYPE');
  });

  it('rejects a malformed or non-Ed25519 log vkey with INVALID_KEY', () => {
    expect(codeOf(() => verifyOperatorDeclaration(bytes, 'not a vkey'))).toBe('INVALID_KEY');
    const [name, id, b64] = LOG.vkey.split('+') as [string, string, string];
    const wrongId = `${name}+${id === '00000000' ? '00000001' : '00000000'}+${b64}`;
    expect(codeOf(() => verifyOperatorDeclaration(bytes, wrongId))).toBe('INVALID_KEY');
  });

  it('rejects a sub that is not the declared name with SUBJECT_MISMATCH', () => {
    const b = signEntry(
      LOG.signer,
      RegistryContentType.operatorKey,
      'someone',
      encodeOperatorDeclaration(DECL),
    );
    expect(codeOf(() => verifyOperatorDeclaration(b, LOG.vkey))).toBe('SUBJECT_MISMATCH');
  });

  it("rejects invalid fields: a key ID that is not the key's, a bad key, a bad name", () => {
    const payload = (over: Record<string, unknown>): Uint8Array => {
      const m = decodeCbor(encodeOperatorDeclaration(DECL)) as CborMap;
      for (const [f, v] of Object.entries(over)) {
        m.set(OperatorKeyDeclarationKey[f as keyof typeof OperatorKeyDeclarationKey], v as never);
      }
      return encodeCbor(m);
    };
    const cases: [Record<string, unknown>, string][] = [
      [{ keyId: u32be(DECL.keyId ^ 1) }, 'keyId'],
      [{ keyId: new Uint8Array(3) }, 'keyId'],
      [{ keyId: DECL.keyId }, 'keyId'],
      [{ publicKey: new Uint8Array(32).fill(0xff) }, 'publicKey'],
      [{ publicKey: OPERATOR.publicKey.subarray(1) }, 'publicKey'],
      [{ name: 'has space' }, 'name'],
      [{ name: 'a+b' }, 'name'],
      [{ issuedAt: -3 }, 'issuedAt'],
    ];
    for (const [over, field] of cases) {
      const sub = typeof over.name === 'string' ? over.name : DECL.name;
      const b = signEntry(LOG.signer, RegistryContentType.operatorKey, sub, payload(over));
      let err: unknown;
      try {
        verifyOperatorDeclaration(b, LOG.vkey);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(RegistryError);
      expect((err as RegistryError).code).toBe('INVALID_FIELD');
      expect((err as RegistryError).evidence?.field).toBe(field);
    }
    expect(() => signOperatorDeclaration({ ...DECL, keyId: DECL.keyId ^ 1 }, LOG.signer)).toThrow(
      RegistryError,
    );
  });
});

describe('when the operator key is rotated', () => {
  const second = newKey(`${ORIGIN}/operator`);
  const D2: OperatorKeyDeclaration = {
    name: second.signer.name,
    keyId: second.signer.keyId,
    publicKey: second.publicKey,
    issuedAt: 2,
  };
  const decls = [
    { index: 40, declaration: D2 },
    { index: 0, declaration: DECL },
  ];

  it('uses, for each entry, the latest declaration before its index', () => {
    expect(operatorKeyAt(decls, 0)).toBeUndefined();
    expect(operatorKeyAt(decls, 1)).toBe(DECL);
    expect(operatorKeyAt(decls, 40)).toBe(DECL);
    expect(operatorKeyAt(decls, 41)).toBe(D2);
    expect(operatorKeyAt([], 5)).toBeUndefined();
  });

  it('tells keys apart', () => {
    expect(sameOperatorKey(DECL, { ...DECL })).toBe(true);
    expect(sameOperatorKey(DECL, D2)).toBe(false);
  });
});
