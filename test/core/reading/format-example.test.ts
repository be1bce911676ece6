import { readFileSync } from 'node:fs';
import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import {
  decodeCoseSign1,
  publicKeyFromPrivate,
  sigStructure1,
} from '../../../src/core/cose/index.ts';
import type { CoseAlgorithm } from '../../../src/core/cose/index.ts';
import {
  encodeReading,
  signReading,
  verifySignedReading,
} from '../../../src/core/reading/index.ts';
import { fromHex, toHex } from '../../../src/core/bytes.ts';
import example from '../../vectors/reading-example.json' with { type: 'json' };

const DOC = readFileSync(new URL('../../../docs/formats.md', import.meta.url), 'utf8');

/** Hex blocks of the doc, keyed "<example> <field>" from their `<!-- vector: … -->` markers. */
function docBlocks(): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of DOC.matchAll(/<!-- vector: (\S+) (\S+) -->\n```\n([\s\S]*?)```/g)) {
    const body = m[3]!
      .split('\n')
      .map((line) => line.replace(/--.*$/, ''))
      .join('')
      .replace(/\s+/g, '');
    out.set(`${m[1]} ${m[2]}`, body);
  }
  return out;
}

describe.each(example.examples)('when signing the documented example with $name', (ex) => {
  const alg = ex.alg as CoseAlgorithm;
  const sk = fromHex(ex.privateKey);

  it('derives the documented public key and kid', () => {
    const pk = publicKeyFromPrivate(alg, sk);
    expect(toHex(pk)).toBe(ex.publicKey);
    expect(toHex(sha256(pk).subarray(0, 8))).toBe(ex.kid);
  });

  it('produces exactly the vector bytes', () => {
    const cose = signReading(example.reading, {
      alg,
      kid: fromHex(ex.kid),
      issuer: example.issuer,
      privateKey: sk,
    });
    expect(toHex(cose)).toBe(ex.cose);
    expect(toHex(encodeReading(example.reading))).toBe(ex.payload);
    const d = decodeCoseSign1(cose);
    expect(toHex(d.protectedBytes)).toBe(ex.protected);
    expect(toHex(d.signature)).toBe(ex.signature);
    expect(toHex(sigStructure1(d.protectedBytes, d.payload))).toBe(ex.sigStructure);
  });

  it('verifies, and decodes to the documented reading', () => {
    const opened = verifySignedReading(fromHex(ex.cose), fromHex(ex.publicKey), alg);
    expect(opened.reading).toEqual(example.reading);
    expect(opened.sign1.iss).toBe(example.issuer);
  });

  it('verifies with node:crypto too', () => {
    const pk = fromHex(ex.publicKey);
    const key =
      ex.name === 'EdDSA'
        ? createPublicKey({
            key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(pk).toString('base64url') },
            format: 'jwk',
          })
        : createPublicKey({
            key: Buffer.concat([
              Buffer.from('3039301306072a8648ce3d020106082a8648ce3d030107032200', 'hex'),
              pk,
            ]),
            format: 'der',
            type: 'spki',
          });
    const msg = fromHex(ex.sigStructure);
    const sig = fromHex(ex.signature);
    const ok =
      ex.name === 'EdDSA'
        ? nodeVerify(null, msg, key, sig)
        : nodeVerify('sha256', msg, { key, dsaEncoding: 'ieee-p1363' }, sig);
    expect(ok).toBe(true);
  });
});

describe('when docs/formats.md quotes the example', () => {
  const blocks = docBlocks();

  it('quotes the blocks the page relies on', () => {
    expect([...blocks.keys()].sort()).toEqual(
      ['EdDSA cose', 'EdDSA cose-annotated', 'EdDSA sigStructure', 'ES256 cose'].sort(),
    );
  });

  it.each([...docBlocks().entries()])('quotes %s byte for byte', (key, hex) => {
    const [name, field] = key.split(' ') as [string, string];
    const ex = example.examples.find((e) => e.name === name)!;
    const want = field === 'cose-annotated' ? ex.cose : (ex as Record<string, unknown>)[field];
    expect(hex).toBe(want);
  });

  it('keeps the placeholders for the sections written by others', () => {
    expect(DOC).toContain('## OCMF records');
    expect(DOC).toContain('## MQTT topics');
  });

  it('states the example total length correctly', () => {
    expect(DOC).toContain(`Annotated (${fromHex(example.examples[0]!.cose).length} bytes`);
    expect(fromHex(example.examples[0]!.protected).length).toBe(90);
  });
});
