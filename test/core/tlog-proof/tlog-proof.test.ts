import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromBase64, fromHex, toBase64, toHex, utf8 } from '../../../src/core/bytes.ts';
import { leafHash, sha256Bytes } from '../../../src/core/merkle/hash.ts';
import { verifyInclusion } from '../../../src/core/merkle/verify.ts';
import { openNote, parseCheckpoint, parseVerifierKey } from '../../../src/core/note/index.ts';
import {
  TlogProofError,
  formatTlogProof,
  parseTlogProof,
} from '../../../src/core/tlog-proof/index.ts';
import vectors from '../../vectors/notes-cosignature.json' with { type: 'json' };

const ser = vectors.tlogProofSerialisation;
const h1 = sha256Bytes(utf8('hash1'));
const h2 = sha256Bytes(utf8('hash2'));

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof TlogProofError) return e.code;
    throw e;
  }
  return undefined;
}

describe('when serialising tlog-proofs (formats proof/tlog_proof_test.go TestMarshal)', () => {
  it('computes the published hash1 and hash2 encodings', () => {
    expect(toBase64(h1)).toBe(ser.hash1Base64);
    expect(toBase64(h2)).toBe(ser.hash2Base64);
  });

  it('formats a proof without extra data', () => {
    expect(formatTlogProof({ index: 5, hashes: [h1, h2], checkpoint: 'test checkpoint\n' })).toBe(
      ser.twoHashes,
    );
  });

  it('formats a proof with extra data', () => {
    const p = {
      index: 10,
      hashes: [h1],
      checkpoint: 'checkpoint data\n',
      extra: utf8(ser.withExtra.extraUtf8),
    };
    expect(formatTlogProof(p)).toBe(ser.withExtra.text);
  });

  it('formats a proof with no hashes', () => {
    expect(formatTlogProof({ index: 0, hashes: [], checkpoint: 'checkpoint\n' })).toBe(
      ser.noHashes,
    );
  });

  it('parses each published serialisation back to its fields', () => {
    expect(parseTlogProof(ser.twoHashes)).toEqual({
      index: 5,
      hashes: [h1, h2],
      checkpoint: 'test checkpoint\n',
    });
    expect(parseTlogProof(ser.withExtra.text)).toEqual({
      index: 10,
      hashes: [h1],
      checkpoint: 'checkpoint data\n',
      extra: utf8(ser.withExtra.extraUtf8),
    });
    expect(parseTlogProof(utf8(ser.noHashes))).toEqual({
      index: 0,
      hashes: [],
      checkpoint: 'checkpoint\n',
    });
  });

  for (const c of ser.roundTripCases) {
    it(`round-trips index ${c.index} (TestRoundTrip)`, () => {
      const p = {
        index: c.index,
        hashes: c.hashInputs.map((s) => sha256Bytes(utf8(s))),
        checkpoint: c.checkpoint,
        ...(c.extraUtf8 === undefined ? {} : { extra: utf8(c.extraUtf8) }),
      };
      expect(parseTlogProof(formatTlogProof(p))).toEqual(p);
    });
  }
});

/** Same bytes, but one of the two unused bits of the last base64 character set. */
function nonCanonical(b64: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const last = alphabet.indexOf(b64.at(-2)!);
  return `${b64.slice(0, -2)}${alphabet[last ^ 1]}=`;
}

describe('when parsing malformed tlog-proofs', () => {
  for (const [what, text] of Object.entries(ser.unmarshalErrors)) {
    it(`rejects the published ${what} case with MALFORMED_PROOF`, () => {
      expect(codeOf(() => parseTlogProof(text))).toBe('MALFORMED_PROOF');
    });
  }

  const hdr = 'c2sp.org/tlog-proof@v1';
  const b = toBase64(h1);
  const cases: Record<string, string | Uint8Array> = {
    'a 65 KiB line and no blank line': `${hdr}\nindex 0\n${'a'.repeat(65 * 1024)}\n`,
    'an index with a leading zero': `${hdr}\nindex 05\n\ncp\n`,
    'an index with a plus sign': `${hdr}\nindex +5\n\ncp\n`,
    'an index of 2^53': `${hdr}\nindex 9007199254740992\n\ncp\n`,
    'an index with two spaces': `${hdr}\nindex  5\n\ncp\n`,
    'extra after index': `${hdr}\nindex 5\nextra AAAA\n\ncp\n`,
    'an empty extra': `${hdr}\nextra \nindex 5\n\ncp\n`,
    'non-canonical base64 padding bits': `${hdr}\nindex 5\n${nonCanonical(b)}\n\ncp\n`,
    'an unpadded hash': `${hdr}\nindex 5\n${b.slice(0, -1)}\n\ncp\n`,
    'a header with a trailing space': `${hdr} \nindex 5\n\ncp\n`,
    'a v2 header': 'c2sp.org/tlog-proof@v2\nindex 5\n\ncp\n',
    'CR LF line endings': `${hdr}\r\nindex 5\r\n\r\ncp\r\n`,
    'a checkpoint without a final newline': `${hdr}\nindex 5\n\ncp`,
    'an empty checkpoint': `${hdr}\nindex 5\n\n`,
    'a checkpoint that starts with a blank line': `${hdr}\nindex 5\n\n\ncp\n`,
    '65 hashes': `${hdr}\nindex 5\n${`${b}\n`.repeat(65)}\ncp\n`,
    'non-UTF-8 bytes': new Uint8Array([...utf8(`${hdr}\nindex 5\n\n`), 0xff, 0x0a]),
    'empty input': '',
  };
  for (const [what, text] of Object.entries(cases)) {
    it(`rejects ${what}`, () => {
      expect(codeOf(() => parseTlogProof(text))).toBe('MALFORMED_PROOF');
    });
  }

  it('throws only TlogProofError on arbitrary strings (property)', () => {
    const piece = fc.constantFrom(
      'c2sp.org/tlog-proof@v1',
      '\n',
      'index ',
      'extra ',
      '5',
      'AAAA',
      b,
      '\r',
      '=',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), (parts) => {
        expect(() => codeOf(() => parseTlogProof(parts.join('')))).not.toThrow();
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses to format hashes of the wrong size, bad indices and bad checkpoints', () => {
    const ok = { index: 1, hashes: [h1], checkpoint: 'cp\n' };
    const bad = [
      { ...ok, index: -1 },
      { ...ok, index: 0.5 },
      { ...ok, index: 2 ** 53 },
      { ...ok, hashes: [new Uint8Array(31)] },
      { ...ok, checkpoint: 'cp' },
      { ...ok, checkpoint: '' },
      { ...ok, extra: new Uint8Array(0) },
    ];
    for (const p of bad) expect(codeOf(() => formatTlogProof(p))).toBe('MALFORMED_PROOF');
  });
});

describe('when checking the tlog-proof for leaf 5 of the 8-leaf tree', () => {
  const v = vectors.tlogProofLeaf5;
  const cc = vectors.cosignedCheckpoint;

  it('formats to the vector text from its parts', () => {
    const p = parseTlogProof(v.text);
    expect(formatTlogProof(p)).toBe(v.text);
    expect(p.checkpoint).toBe(cc.signedNote);
    expect(p.index).toBe(v.index);
  });

  it('verifies the checkpoint signatures and the inclusion proof against its root', () => {
    const p = parseTlogProof(v.text);
    const note = openNote(p.checkpoint, [
      parseVerifierKey(cc.logVkey),
      parseVerifierKey(cc.knownCosignerVkey),
    ]);
    expect(note.verified.map((s) => s.name)).toEqual(['Log', 'Known']);
    const cp = parseCheckpoint(note.text);
    expect(toHex(cp.root)).toBe(cc.rootHex);
    const leaf = leafHash(fromHex(v.leafInputHex));
    expect(() => verifyInclusion(leaf, p.index, cp.size, p.hashes, cp.root)).not.toThrow();
  });

  it('fails the inclusion check for another leaf, another index or a changed hash', () => {
    const p = parseTlogProof(v.text);
    const cp = parseCheckpoint(openNote(p.checkpoint, [parseVerifierKey(cc.logVkey)]).text);
    const leaf = leafHash(fromHex(v.leafInputHex));
    expect(() =>
      verifyInclusion(leafHash(fromHex('3031')), 5, cp.size, p.hashes, cp.root),
    ).toThrow();
    expect(() => verifyInclusion(leaf, 4, cp.size, p.hashes, cp.root)).toThrow();
    const changed = p.hashes.map((h) => h.slice());
    changed[1]![0]! ^= 1;
    expect(() => verifyInclusion(leaf, 5, cp.size, changed, cp.root)).toThrow();
  });

  it('carries the published proof hashes of RFC 6962 PATH(5, D[0:8])', () => {
    const p = parseTlogProof(v.text);
    expect(p.hashes.map(toHex)).toEqual([
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ]);
    expect(fromBase64(v.text.split('\n')[2]!)).toEqual(p.hashes[0]);
  });
});
