import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as asn1js from 'asn1js';
import fc from 'fast-check';
import { TimeStampReq } from 'pkijs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64, toBase64, toHex, utf8 } from '../../../src/core/bytes.ts';
import {
  AnchorError,
  checkpointDigest,
  type AnchoredCheckpoint,
  type AnchorRecordJson,
} from '../../../anchors/anchor.ts';
import {
  TsaAnchor,
  TsaVerifier,
  decodeTimeStampToken,
  loadCertificates,
  type TsaFetch,
  type TsaRecordJson,
} from '../../../anchors/tsa/index.ts';
import { startOpensslTsa, type OpensslTsa } from '../../helpers/openssl-tsa.ts';
import { tempDir } from '../../helpers/tmp-dir.ts';

const run = promisify(execFile);

const cp: AnchoredCheckpoint = {
  origin: 'wattproof.test/tsa-log',
  size: 1234,
  root: new Uint8Array(32).map((_, i) => i * 7 + 1),
};

async function anchorError(p: Promise<unknown>): Promise<AnchorError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AnchorError) return e;
    throw e;
  }
  throw new Error('expected an AnchorError');
}

function certs(pem: string): Uint8Array[] {
  return loadCertificates(utf8(pem));
}

/** `bytes` with the byte at `at` xor-ed with 0x01. */
function flip(bytes: Uint8Array, at: number): Uint8Array {
  const out = bytes.slice();
  out[at] = out[at]! ^ 0x01;
  return out;
}

/** Offset of `needle` in `hay`, which must hold it exactly once. */
function offsetOf(hay: Uint8Array, needle: Uint8Array): number {
  const hex = toHex(hay);
  const n = toHex(needle);
  const first = hex.indexOf(n);
  expect(first % 2).toBe(0);
  expect(hex.indexOf(n, first + 2)).toBe(-1);
  return first / 2;
}

function withToken(record: TsaRecordJson, token: Uint8Array): TsaRecordJson {
  return { ...record, token: toBase64(token) };
}

/** A fetch that rewrites each request with `edit` before it reaches the TSA. */
function rewritingFetch(edit: (req: TimeStampReq) => void): TsaFetch {
  return async (url, init) => {
    const req = TimeStampReq.fromBER(new Uint8Array(init.body as Uint8Array));
    edit(req);
    return fetch(url, { ...init, body: new Uint8Array(req.toSchema().toBER(false)) });
  };
}

describe('RFC 3161 anchor against the OpenSSL TSA', () => {
  let tmp: { path: string; remove: () => Promise<void> };
  let tsa: OpensslTsa;
  let other: OpensslTsa;
  let record: TsaRecordJson;
  let otherRecord: TsaRecordJson;
  let before: number;
  let after: number;

  beforeAll(async () => {
    tmp = await tempDir('wattproof-tsa-');
    await Promise.all([mkdir(join(tmp.path, 'a')), mkdir(join(tmp.path, 'b'))]);
    // Two unrelated authorities: RSA with ESSCertIDv2, and P-256 with the SHA-1 ESSCertID.
    [tsa, other] = await Promise.all([
      startOpensslTsa(join(tmp.path, 'a')),
      startOpensslTsa(join(tmp.path, 'b'), { name: 'Other', keyType: 'ec', essCertIdAlg: 'sha1' }),
    ]);
    before = Math.floor(Date.now() / 1000);
    record = await new TsaAnchor({ url: tsa.url }).anchor(cp);
    otherRecord = await new TsaAnchor({ url: other.url }).anchor(cp);
    after = Math.ceil(Date.now() / 1000);
  });

  afterAll(async () => {
    await Promise.all([tsa?.close(), other?.close()]);
    await tmp?.remove();
  });

  describe('when the TSA grants the request', () => {
    it('returns a record with the token, its genTime and the signer subject', () => {
      expect(record).toMatchObject({
        type: 'rfc3161',
        origin: cp.origin,
        size: cp.size,
        root: toBase64(cp.root),
        tsa: 'CN=Test TSA,O=wattproof test',
      });
      expect(record.time).toBeGreaterThanOrEqual(before - 1);
      expect(record.time).toBeLessThanOrEqual(after);
      const token = decodeTimeStampToken(fromBase64(record.token));
      expect(toHex(token.tstInfo.messageImprint.hashedMessage.valueBlock.valueHexView)).toBe(
        toHex(checkpointDigest(cp)),
      );
      expect(Math.floor(token.tstInfo.genTime.getTime() / 1000)).toBe(record.time);
      expect(token.tstInfo.policy).toBe('1.2.3.4.1');
      expect(JSON.parse(JSON.stringify(record))).toEqual(record);
    });

    it('writes a token that openssl ts -verify accepts for the checkpoint digest', async () => {
      const file = join(tmp.path, 'a', 'token.der');
      await writeFile(file, fromBase64(record.token));
      const { stdout } = await run('openssl', [
        'ts', '-verify', '-token_in', '-in', file, '-digest', toHex(checkpointDigest(cp)),
        '-CAfile', tsa.files.caCert,
      ]); // prettier-ignore
      expect(stdout).toContain('Verification: OK');
    });

    it('verifies with the CA certificate as trusted', async () => {
      const att = await new TsaVerifier({ trusted: certs(tsa.caCertPem) }).verify(record, cp);
      expect(att).toEqual({
        type: 'rfc3161',
        size: cp.size,
        root: toBase64(cp.root),
        time: record.time,
        detail: expect.stringMatching(/^TSA CN=Test TSA,O=wattproof test, serial 0x[0-9a-f]+$/),
      });
    });

    it('verifies with the TSA certificate itself as trusted', async () => {
      const att = await new TsaVerifier({ trusted: certs(tsa.tsaCertPem) }).verify(record, cp);
      expect(att.time).toBe(record.time);
    });

    it('verifies a P-256 token whose signing-certificate attribute is the SHA-1 ESSCertID', async () => {
      const att = await new TsaVerifier({ trusted: certs(other.caCertPem) }).verify(
        otherRecord,
        cp,
      );
      expect(att.detail).toMatch(/^TSA CN=Other TSA,O=wattproof test, serial/);
    });

    it('verifies each new record itself when given trusted certificates', async () => {
      const anchor = new TsaAnchor({ url: tsa.url, trusted: certs(tsa.caCertPem) });
      const next = { ...cp, size: cp.size + 1 };
      await expect(anchor.anchor(next)).resolves.toMatchObject({ size: next.size });
      const wrongTrust = new TsaAnchor({ url: tsa.url, trusted: certs(other.caCertPem) });
      expect((await anchorError(wrongTrust.anchor(next))).code).toBe('ANCHOR_UNTRUSTED');
    });

    it('sends a fresh nonce each time', async () => {
      const nonces: bigint[] = [];
      const spy = rewritingFetch((req) => nonces.push(req.nonce!.toBigInt()));
      const anchor = new TsaAnchor({ url: tsa.url, fetch: spy });
      await anchor.anchor(cp);
      await anchor.anchor(cp);
      expect(nonces).toHaveLength(2);
      expect(nonces[0]).not.toBe(nonces[1]);
    });
  });

  describe('when the record and the checkpoint differ', () => {
    const verifier = (): TsaVerifier => new TsaVerifier({ trusted: certs(tsa.caCertPem) });

    it.each([
      ['another root', { ...cp, root: new Uint8Array(32).fill(9) }],
      ['another size', { ...cp, size: cp.size + 1 }],
      ['another origin', { ...cp, origin: 'wattproof.test/other-log' }],
    ])('rejects a check against %s with ANCHOR_WRONG_CHECKPOINT', async (_, otherCp) => {
      const e = await anchorError(verifier().verify(record, otherCp));
      expect(e.code).toBe('ANCHOR_WRONG_CHECKPOINT');
      expect(e.evidence).toMatchObject({ expected: toHex(checkpointDigest(otherCp)) });
    });

    it('rejects a record whose root field was changed, against either checkpoint', async () => {
      const root = new Uint8Array(32).fill(0xee);
      const changed = { ...record, root: toBase64(root) };
      expect((await anchorError(verifier().verify(changed, cp))).code).toBe(
        'ANCHOR_WRONG_CHECKPOINT',
      );
      expect((await anchorError(verifier().verify(changed, { ...cp, root }))).code).toBe(
        'ANCHOR_WRONG_CHECKPOINT',
      );
    });

    it('rejects a record whose size field was changed', async () => {
      const changed = { ...record, size: record.size - 1 };
      const e = await anchorError(verifier().verify(changed, { ...cp, size: cp.size - 1 }));
      expect(e.code).toBe('ANCHOR_WRONG_CHECKPOINT');
    });

    it('rejects a token of another checkpoint with ANCHOR_WRONG_CHECKPOINT', async () => {
      const next = { ...cp, size: cp.size + 7 };
      const nextRecord = await new TsaAnchor({ url: tsa.url }).anchor(next);
      const swapped = { ...record, token: nextRecord.token, time: nextRecord.time };
      expect((await anchorError(verifier().verify(swapped, cp))).code).toBe(
        'ANCHOR_WRONG_CHECKPOINT',
      );
    });

    it('rejects a record whose time is not genTime with ANCHOR_MALFORMED', async () => {
      const e = await anchorError(verifier().verify({ ...record, time: record.time - 1 }, cp));
      expect(e.code).toBe('ANCHOR_MALFORMED');
    });

    it.each([
      ['another type', { type: 'evm' }],
      ['a token that is not base64', { token: 'not base64!' }],
      ['a root of 31 bytes', { root: toBase64(new Uint8Array(31)) }],
      ['a fractional size', { size: 1.5 }],
      ['a token that is not DER', { token: toBase64(utf8('hello, world')) }],
      ['an empty token', { token: '' }],
    ])('rejects a record with %s as ANCHOR_MALFORMED', async (_, patch) => {
      const bad = { ...record, ...patch } as AnchorRecordJson;
      expect((await anchorError(verifier().verify(bad, cp))).code).toBe('ANCHOR_MALFORMED');
    });
  });

  describe('when the token was tampered with', () => {
    const verifier = (): TsaVerifier => new TsaVerifier({ trusted: certs(tsa.caCertPem) });
    const tokenBytes = (): Uint8Array => fromBase64(record.token);

    it('rejects a flipped byte in the signature value with ANCHOR_BAD_SIGNATURE', async () => {
      const der = tokenBytes();
      const sig = decodeTimeStampToken(der).signerInfo.signature.valueBlock.valueHexView;
      const bad = flip(der, offsetOf(der, sig) + 100);
      const e = await anchorError(verifier().verify(withToken(record, bad), cp));
      expect(e.code).toBe('ANCHOR_BAD_SIGNATURE');
    });

    it('rejects a flipped byte in the signed TSTInfo (its nonce) with ANCHOR_BAD_SIGNATURE', async () => {
      const der = tokenBytes();
      const nonce = decodeTimeStampToken(der).tstInfo.nonce!.valueBlock.valueHexView;
      const bad = flip(der, offsetOf(der, nonce) + nonce.length - 1);
      const e = await anchorError(verifier().verify(withToken(record, bad), cp));
      expect(e.code).toBe('ANCHOR_BAD_SIGNATURE');
    });

    it('rejects flipped bytes in a P-256 signature (value and DER) with ANCHOR_BAD_SIGNATURE', async () => {
      const v = new TsaVerifier({ trusted: certs(other.caCertPem) });
      const der = fromBase64(otherRecord.token);
      const sig = decodeTimeStampToken(der).signerInfo.signature.valueBlock.valueHexView;
      // Offset 0 is the ECDSA-Sig-Value SEQUENCE tag; the last byte is inside s.
      for (const at of [0, sig.length - 1]) {
        const bad = flip(der, offsetOf(der, sig) + at);
        const e = await anchorError(v.verify(withToken(otherRecord, bad), cp));
        expect(e.code).toBe('ANCHOR_BAD_SIGNATURE');
      }
    });

    it('fails any flipped bit or truncation with an AnchorError, or attests the same', async () => {
      const der = tokenBytes();
      const v = verifier();
      const original = await v.verify(record, cp);
      // Some bytes are not signed and may change without changing what the token says: the
      // carried CA certificate (unused when the CA is trusted directly), or the case of the
      // issuer name in the signer identifier (RFC 5280 §7.1 compares names caselessly).
      // Such a token must attest exactly what the original does.
      await fc.assert(
        fc.asyncProperty(
          fc.nat({ max: der.length - 1 }),
          fc.nat({ max: 7 }),
          fc.boolean(),
          async (at, bit, truncate) => {
            const bad = truncate ? der.slice(0, at) : der.slice();
            if (!truncate) bad[at] = bad[at]! ^ (1 << bit);
            const outcome = await v.verify(withToken(record, bad), cp).catch((e: unknown) => e);
            if (outcome instanceof AnchorError) {
              expect([
                'ANCHOR_MALFORMED',
                'ANCHOR_WRONG_CHECKPOINT',
                'ANCHOR_BAD_SIGNATURE',
                'ANCHOR_UNTRUSTED',
              ]).toContain(outcome.code);
            } else {
              expect(truncate).toBe(false);
              expect(outcome).toEqual(original);
            }
          },
        ),
        { numRuns: Number(process.env.TSA_FUZZ_RUNS ?? 150) },
      );
    });

    it('rejects a token whose outer tag was changed with ANCHOR_MALFORMED', async () => {
      const bad = tokenBytes();
      bad[0] = 0x31;
      const e = await anchorError(verifier().verify(withToken(record, bad), cp));
      expect(e.code).toBe('ANCHOR_MALFORMED');
    });

    it('rejects a truncated token and one with trailing bytes with ANCHOR_MALFORMED', async () => {
      const der = tokenBytes();
      for (const bad of [der.slice(0, -1), new Uint8Array([...der, 0])]) {
        const e = await anchorError(verifier().verify(withToken(record, bad), cp));
        expect(e.code).toBe('ANCHOR_MALFORMED');
      }
    });
  });

  describe('when the signer is not trusted', () => {
    it('rejects a token from another TSA with ANCHOR_UNTRUSTED', async () => {
      const v = new TsaVerifier({ trusted: certs(tsa.caCertPem) });
      const e = await anchorError(v.verify(otherRecord, cp));
      expect(e.code).toBe('ANCHOR_UNTRUSTED');
    });

    it('rejects our token when only the other CA or the other TSA is trusted', async () => {
      for (const pem of [other.caCertPem, other.tsaCertPem]) {
        const e = await anchorError(new TsaVerifier({ trusted: certs(pem) }).verify(record, cp));
        expect(e.code).toBe('ANCHOR_UNTRUSTED');
      }
    });

    describe('when the token is signed outside the TSA (openssl cms)', () => {
      const dir = (): string => join(tmp.path, 'a');
      let tstInfo: string;

      beforeAll(async () => {
        tstInfo = join(dir(), 'tstinfo.der');
        await writeFile(tstInfo, decodeTimeStampToken(fromBase64(record.token)).tstInfoDer);
      });

      async function cmsSign(signer: string, key: string, extra: string[]): Promise<Uint8Array> {
        const out = join(dir(), `cms-${Math.random().toString(16).slice(2)}.der`);
        await run('openssl', [
          'cms', '-sign', '-binary', '-nodetach', '-outform', 'DER', '-md', 'sha256',
          '-econtent_type', '1.2.840.113549.1.9.16.1.4', '-nosmimecap', '-in', tstInfo,
          '-signer', signer, '-inkey', key, '-out', out, ...extra,
        ]); // prettier-ignore
        return new Uint8Array(await readFile(out));
      }

      async function issue(name: string, extensions: string): Promise<string> {
        const cert = join(dir(), `${name}.pem`);
        await run('openssl', [
          'x509', '-req', '-in', join(dir(), 'tsa.csr'), '-CA', tsa.files.caCert,
          '-CAkey', tsa.files.caKey, '-set_serial', `0x${name === 'twin' ? '7a' : '7b'}`,
          '-days', '30', '-sha256', '-extfile', tsa.files.config, '-extensions', extensions,
          '-out', cert,
        ]); // prettier-ignore
        return cert;
      }

      it('rejects a signer certificate without the time-stamping key usage as ANCHOR_UNTRUSTED', async () => {
        const plain = await issue('plain', 'v3_plain');
        const token = await cmsSign(plain, tsa.files.tsaKey, ['-cades']);
        const v = new TsaVerifier({ trusted: certs(tsa.caCertPem) });
        const e = await anchorError(v.verify(withToken(record, token), cp));
        expect(e.code).toBe('ANCHOR_UNTRUSTED');
        expect(e.message).toContain('extended key usage');
      });

      it('takes the signer certificate from the trusted list when the token carries none', async () => {
        const token = await cmsSign(tsa.files.tsaCert, tsa.files.tsaKey, ['-cades', '-nocerts']);
        expect(decodeTimeStampToken(token).signedData.certificates ?? []).toHaveLength(0);
        const pinned = new TsaVerifier({ trusted: certs(tsa.tsaCertPem) });
        await expect(pinned.verify(withToken(record, token), cp)).resolves.toMatchObject({
          time: record.time,
        });
        const caOnly = new TsaVerifier({ trusted: certs(tsa.caCertPem) });
        const e = await anchorError(caOnly.verify(withToken(record, token), cp));
        expect(e.code).toBe('ANCHOR_UNTRUSTED');
        expect(e.message).toContain('neither in the token nor trusted');
      });

      it('rejects a token without the ESS signing-certificate attribute as ANCHOR_MALFORMED', async () => {
        const token = await cmsSign(tsa.files.tsaCert, tsa.files.tsaKey, []);
        const v = new TsaVerifier({ trusted: certs(tsa.caCertPem) });
        const e = await anchorError(v.verify(withToken(record, token), cp));
        expect(e.code).toBe('ANCHOR_MALFORMED');
        expect(e.message).toContain('signing-certificate');
      });

      it('rejects a token whose ESS attribute names another certificate of the same key as ANCHOR_BAD_SIGNATURE', async () => {
        // Same TSA key, two certificates: the token names the twin but carries no certificate,
        // so the verifier finds the (trusted) original by key identifier.
        const twin = await issue('twin', 'v3_tsa');
        const token = await cmsSign(twin, tsa.files.tsaKey, ['-cades', '-keyid', '-nocerts']);
        const v = new TsaVerifier({ trusted: certs(tsa.tsaCertPem) });
        const e = await anchorError(v.verify(withToken(record, token), cp));
        expect(e.code).toBe('ANCHOR_BAD_SIGNATURE');
        expect(e.message).toContain('certHash does not match');
        // Trusting the twin instead gets past the ESS check, but the twin was issued after
        // the token's genTime.
        const late = new TsaVerifier({ trusted: certs(await readFile(twin, 'utf8')) });
        const lateError = await anchorError(late.verify(withToken(record, token), cp));
        expect(lateError.code).toBe('ANCHOR_UNTRUSTED');
        expect(lateError.message).toContain('not valid at genTime');
      });
    });
  });

  describe('when the reply does not answer the request', () => {
    it('refuses a token with another nonce (ANCHOR_MALFORMED)', async () => {
      const fetchOtherNonce = rewritingFetch((req) => {
        req.nonce = asn1js.Integer.fromBigInt(req.nonce!.toBigInt() ^ 1n);
      });
      const e = await anchorError(
        new TsaAnchor({ url: tsa.url, fetch: fetchOtherNonce }).anchor(cp),
      );
      expect(e.code).toBe('ANCHOR_MALFORMED');
      expect(e.message).toContain('nonce');
    });

    it('refuses a token over another imprint (ANCHOR_WRONG_CHECKPOINT)', async () => {
      const fetchOtherImprint = rewritingFetch((req) => {
        req.messageImprint.hashedMessage = new asn1js.OctetString({
          valueHex: checkpointDigest({ ...cp, size: 1 }).slice().buffer,
        });
      });
      const e = await anchorError(
        new TsaAnchor({ url: tsa.url, fetch: fetchOtherImprint }).anchor(cp),
      );
      expect(e.code).toBe('ANCHOR_WRONG_CHECKPOINT');
    });
  });

  describe('loadCertificates', () => {
    it('reads one PEM, a PEM bundle and DER', () => {
      const [ca] = certs(tsa.caCertPem);
      const bundle = certs(`${tsa.tsaCertPem}\n${tsa.caCertPem}`);
      expect(bundle).toHaveLength(2);
      expect(toHex(bundle[1]!)).toBe(toHex(ca!));
      expect(loadCertificates(ca!).map(toHex)).toEqual([toHex(ca!)]);
    });

    it.each([
      ['text without a certificate', utf8('hello\n')],
      [
        'a PEM block that is not base64',
        utf8('-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----\n'),
      ],
      [
        'a PEM block that is not a certificate',
        utf8(`-----BEGIN CERTIFICATE-----\n${toBase64(utf8('abc'))}\n-----END CERTIFICATE-----\n`),
      ],
      ['DER that is not a certificate', new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01])],
      ['bytes that are not UTF-8', new Uint8Array([0xff, 0xfe, 0x00])],
    ])('refuses %s with ANCHOR_CONFIG', (_, bytes) => {
      expect(() => loadCertificates(bytes)).toThrow(
        expect.objectContaining({ code: 'ANCHOR_CONFIG' }),
      );
    });

    it('refuses a verifier without trusted certificates', () => {
      expect(() => new TsaVerifier({ trusted: [] })).toThrow(
        expect.objectContaining({ code: 'ANCHOR_CONFIG' }),
      );
    });
  });
});
