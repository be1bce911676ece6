import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toBase64, utf8 } from '../../../src/core/bytes.ts';
import {
  MAX_SIGNATURES,
  NoteError,
  addSignatures,
  ed25519Signer,
  generateEd25519Key,
  openNote,
  parseVerifierKey,
  signNote,
  splitNote,
} from '../../../src/core/note/index.ts';
import type { NoteVerifier } from '../../../src/core/note/index.ts';
import vectors from '../../vectors/notes-signed-note.json' with { type: 'json' };

const go = vectors.goNote;
const text = go.text;
const peterSig = `${go.signedNote.slice(text.length + 1)}`; // "— PeterNeumann …\n"
const enochSig = `${go.enochLine}\n`;
const peter = parseVerifierKey(go.vkey);
const enoch = parseVerifierKey(go.enochVkey);

function enochSkey(): string {
  const seed = new Uint8Array(33);
  seed[0] = 0x01;
  return `PRIVATE+KEY+EnochRoot+af0cfe78+${toBase64(seed)}`;
}

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof NoteError) return e.code;
    throw e;
  }
  return undefined;
}

describe('when signing with the published Go key (golang/mod TestSign)', () => {
  it('reproduces the published signed note byte for byte', () => {
    expect(signNote(text, [ed25519Signer(go.skey)])).toBe(go.signedNote);
  });

  it('appends the published EnochRoot signature after the PeterNeumann one', () => {
    const both = addSignatures(go.signedNote, [ed25519Signer(enochSkey())]);
    expect(both).toBe(text + '\n' + peterSig + enochSig);
    const opened = openNote(both, [peter, enoch]);
    expect(opened.verified.map((s) => s.name)).toEqual(['PeterNeumann', 'EnochRoot']);
  });

  it('replaces an existing signature from the same key instead of duplicating it', () => {
    const again = addSignatures(go.signedNote, [ed25519Signer(go.skey)]);
    expect(again).toBe(go.signedNote);
  });

  it('rejects text that is empty, lacks a final newline or has control characters', () => {
    const s = [ed25519Signer(go.skey)];
    for (const bad of ['', 'abc', 'a\r\n', 'a\u0000\n', 'tab\there\n', 'x\ud800\n']) {
      expect(codeOf(() => signNote(bad, s))).toBe('MALFORMED_NOTE');
    }
  });

  it('rejects a signer with an invalid name', () => {
    const s = ed25519Signer(go.skey);
    const bad = { name: 'bad name', keyId: s.keyId, sign: s.sign };
    expect(codeOf(() => signNote(text, [bad]))).toBe('MALFORMED_KEY');
  });

  it('signs texts that contain blank lines, which open back unchanged', () => {
    const t =
      'Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n';
    const { skey, vkey } = generateEd25519Key('quasimodo.example/salvatore');
    const signed = signNote(t, [ed25519Signer(skey)]);
    expect(openNote(signed, [parseVerifierKey(vkey)]).text).toBe(t);
  });
});

describe('when opening the published notes (golang/mod TestOpen)', () => {
  it('verifies one known key and lists the other as unverified', () => {
    const n = openNote(text + '\n' + peterSig + enochSig, [peter]);
    expect(n.text).toBe(text);
    expect(n.verified).toEqual([{ name: 'PeterNeumann', keyId: 0xc74f20a3 }]);
    expect(n.unverified).toEqual([{ name: 'EnochRoot', keyId: 0xaf0cfe78 }]);
  });

  it('verifies both when both keys are known', () => {
    const n = openNote(text + '\n' + peterSig + enochSig, [peter, enoch]);
    expect(n.verified.map((s) => s.keyId)).toEqual([0xc74f20a3, 0xaf0cfe78]);
    expect(n.unverified).toEqual([]);
  });

  it('rejects with NO_VERIFIED_SIGNATURE when no key is known', () => {
    expect(codeOf(() => openNote(text + '\n' + peterSig + enochSig, []))).toBe(
      'NO_VERIFIED_SIGNATURE',
    );
  });

  it('rejects with AMBIGUOUS_KEY when two verifiers share a name and key ID that is used', () => {
    expect(codeOf(() => openNote(text + '\n' + enochSig, [enoch, peter, enoch]))).toBe(
      'AMBIGUOUS_KEY',
    );
    expect(openNote(text + '\n' + peterSig, [enoch, peter, enoch]).verified).toHaveLength(1);
  });

  it('rejects with INVALID_SIGNATURE when a known key signature is altered', () => {
    const altered = peterSig.slice(0, 60) + 'ABCD' + peterSig.slice(60);
    expect(codeOf(() => openNote(text + '\n' + altered, [peter]))).toBe('INVALID_SIGNATURE');
  });

  it('rejects with INVALID_SIGNATURE when the text is altered', () => {
    expect(codeOf(() => openNote(text.replace('If', 'Of') + '\n' + peterSig, [peter]))).toBe(
      'INVALID_SIGNATURE',
    );
  });

  describe('when a trusted key signs twice and the second line is bad', () => {
    const bad = peterSig.slice(0, 60) + 'ABCD' + peterSig.slice(60);

    it('refuses the note with INVALID_SIGNATURE naming the bad line, after the good one', () => {
      const e = (() => {
        try {
          openNote(text + '\n' + peterSig + bad, [peter]);
        } catch (err) {
          return err;
        }
        return undefined;
      })();
      expect(e).toBeInstanceOf(NoteError);
      expect(e).toMatchObject({
        code: 'INVALID_SIGNATURE',
        evidence: { name: 'PeterNeumann', keyId: 0xc74f20a3, line: 1 },
      });
    });

    it('refuses it before the good one too, and with an unknown line in between', () => {
      expect(codeOf(() => openNote(text + '\n' + bad + peterSig, [peter]))).toBe(
        'INVALID_SIGNATURE',
      );
      expect(codeOf(() => openNote(text + '\n' + peterSig + enochSig + bad, [peter]))).toBe(
        'INVALID_SIGNATURE',
      );
    });

    it('still accepts the same good line repeated, listing the key once', () => {
      const n = openNote(text + '\n' + peterSig + peterSig, [peter]);
      expect(n.verified).toEqual([{ name: 'PeterNeumann', keyId: 0xc74f20a3 }]);
    });
  });

  it('drops repeated lines and keeps distinct unknown signatures', () => {
    const enochAbcd = enochSig.slice(0, 60) + 'ABCD' + enochSig.slice(60);
    const n = openNote(text + '\n' + peterSig + peterSig + enochSig + enochSig + enochAbcd, [
      peter,
    ]);
    expect(n.verified).toHaveLength(1);
    expect(n.unverified).toEqual([
      { name: 'EnochRoot', keyId: 0xaf0cfe78 },
      { name: 'EnochRoot', keyId: 0xaf0cfe78 },
    ]);
  });

  it('ignores a signature that shares only the name, or only the key ID, with a known key', () => {
    const otherName = peterSig.replace('PeterNeumann', 'PeterNeumanN');
    const n = openNote(text + '\n' + peterSig + otherName, [peter]);
    expect(n.unverified).toEqual([{ name: 'PeterNeumanN', keyId: 0xc74f20a3 }]);
    const otherId = peterSig.replace('x08g', 'xxxx');
    expect(codeOf(() => openNote(text + '\n' + otherId, [peter]))).toBe('NO_VERIFIED_SIGNATURE');
  });

  it('accepts the same note as bytes', () => {
    expect(openNote(utf8(go.signedNote), [peter]).text).toBe(text);
  });
});

describe('when opening the C2SP and real-world notes (sections D.2, D.3)', () => {
  it('verifies the signed-note spec example', () => {
    const v = parseVerifierKey(vectors.c2spExample.vkey);
    const n = openNote(vectors.c2spExample.signedNote, [v]);
    expect(n.text).toBe('This is an example message.\n');
    expect(n.verified).toEqual([{ name: 'example.com/foo', keyId: 0x530d903a }]);
  });

  it('verifies the sum.golang.org checkpoint (Ed25519)', () => {
    const n = openNote(vectors.sumGolangOrg.signedNote, [
      parseVerifierKey(vectors.sumGolangOrg.vkey),
    ]);
    expect(n.text.split('\n')[1]).toBe(String(vectors.sumGolangOrg.size));
    expect(n.verified[0]!.keyId).toBe(0x033de0ae);
  });

  it('verifies the Rekor checkpoint (ECDSA P-256, DER over SHA-256)', () => {
    const n = openNote(vectors.rekor.signedNote, [parseVerifierKey(vectors.rekor.vkey)]);
    expect(n.text.split('\n')[1]).toBe(String(vectors.rekor.size));
    expect(n.verified[0]!.keyId.toString(16)).toBe(vectors.rekor.keyIdHex);
  });

  it('rejects the Rekor checkpoint with an altered tree size', () => {
    const tampered = vectors.rekor.signedNote.replace('798034', '798035');
    expect(codeOf(() => openNote(tampered, [parseVerifierKey(vectors.rekor.vkey)]))).toBe(
      'INVALID_SIGNATURE',
    );
  });

  it('rejects the Rekor signature checked under the sum.golang.org key', () => {
    const swapped =
      vectors.sumGolangOrg.signedNote.split('\n\n')[0] +
      '\n\n' +
      vectors.rekor.signedNote.split('\n\n')[1];
    expect(codeOf(() => openNote(swapped, [parseVerifierKey(vectors.rekor.vkey)]))).toBe(
      'INVALID_SIGNATURE',
    );
  });
});

describe('when opening hostile notes', () => {
  const known = [peter];
  const cases: Array<[string, string | Uint8Array, string]> = [
    ['text only', text, 'MALFORMED_NOTE'],
    ['text and blank line only', text + '\n', 'MALFORMED_NOTE'],
    ['missing blank line', text + peterSig, 'MALFORMED_NOTE'],
    ['missing final newline', text + '\n' + peterSig.slice(0, -1), 'MALFORMED_NOTE'],
    [
      'a hyphen instead of U+2014',
      text + '\n' + peterSig.replace('\u2014', '-'),
      'MALFORMED_SIGNATURE',
    ],
    [
      'an en dash instead of U+2014',
      text + '\n' + peterSig.replace('\u2014', '\u2013'),
      'MALFORMED_SIGNATURE',
    ],
    [
      'no space after the dash',
      text + '\n' + peterSig.replace('\u2014 ', '\u2014'),
      'MALFORMED_SIGNATURE',
    ],
    ['bad base64', text + '\n\u2014 PeterNeumann x08go/ZJkuBS9UG!\n', 'MALFORMED_SIGNATURE'],
    ['unpadded base64', text + '\n' + peterSig.replace('=\n', '\n'), 'MALFORMED_SIGNATURE'],
    ['a 3-byte signature', text + '\n\u2014 PeterNeumann AAAA\n', 'MALFORMED_SIGNATURE'],
    [
      'a 4-byte signature (key ID only)',
      text + '\n\u2014 PeterNeumann x08gow==\n',
      'MALFORMED_SIGNATURE',
    ],
    ['an empty signature', text + '\n\u2014 PeterNeumann \n', 'MALFORMED_SIGNATURE'],
    [
      'a name with a space',
      text +
        '\n\u2014 Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n',
      'MALFORMED_SIGNATURE',
    ],
    [
      'an unexpected trailing line',
      text + '\n' + peterSig + 'Unexpected line.\n',
      'MALFORMED_SIGNATURE',
    ],
    ['a leading control byte', '\u0001' + text + '\n' + peterSig, 'MALFORMED_NOTE'],
    ['CR LF line endings', (text + '\n' + peterSig).replace(/\n/g, '\r\n'), 'MALFORMED_NOTE'],
    ['a CR inside the text', 'a\rb\n\n' + peterSig, 'MALFORMED_NOTE'],
    [
      'a CR before the final newline',
      text + '\n' + peterSig.slice(0, -1) + '\r\n',
      'MALFORMED_NOTE',
    ],
    ['a lone surrogate', '\ud800' + text + '\n' + peterSig, 'MALFORMED_NOTE'],
    ['non-UTF-8 bytes', new Uint8Array([0xff, ...utf8(text + '\n' + peterSig)]), 'MALFORMED_NOTE'],
    [
      'an overlong UTF-8 encoding',
      new Uint8Array([0xc0, 0xaf, 0x0a, 0x0a, ...utf8(peterSig)]),
      'MALFORMED_NOTE',
    ],
    ['empty input', '', 'MALFORMED_NOTE'],
    ['empty bytes', new Uint8Array(0), 'MALFORMED_NOTE'],
  ];
  for (const [what, note, code] of cases) {
    it(`rejects ${what} with ${code}`, () => {
      expect(codeOf(() => openNote(note, known))).toBe(code);
    });
  }

  it('rejects a UTF-8 byte order mark as part of the signed text, not by stripping it', () => {
    const bom = new Uint8Array([0xef, 0xbb, 0xbf, ...utf8(go.signedNote)]);
    expect(codeOf(() => openNote(bom, known))).toBe('INVALID_SIGNATURE');
  });

  it('still verifies the known key among 20 signatures from unknown keys', () => {
    const unknown = Array.from({ length: 20 }, (_, i) => {
      const { skey } = generateEd25519Key(`witness${i}.example`);
      return ed25519Signer(skey);
    });
    const signed = signNote(text, [
      ...unknown.slice(0, 10),
      ed25519Signer(go.skey),
      ...unknown.slice(10),
    ]);
    const n = openNote(signed, known);
    expect(n.verified).toEqual([{ name: 'PeterNeumann', keyId: 0xc74f20a3 }]);
    expect(n.unverified).toHaveLength(20);
  });

  it(`accepts ${MAX_SIGNATURES} signature lines and rejects ${MAX_SIGNATURES + 1} with TOO_MANY_SIGNATURES`, () => {
    const fake = (i: number): string =>
      `\u2014 w${i}.example ${toBase64(new Uint8Array([0, 0, 0, i & 255, 1, 2, 3]))}\n`;
    const lines = (n: number): string => Array.from({ length: n }, (_, i) => fake(i)).join('');
    expect(
      openNote(text + '\n' + peterSig + lines(MAX_SIGNATURES - 1), known).unverified,
    ).toHaveLength(MAX_SIGNATURES - 1);
    expect(codeOf(() => openNote(text + '\n' + peterSig + lines(MAX_SIGNATURES), known))).toBe(
      'TOO_MANY_SIGNATURES',
    );
    expect(codeOf(() => openNote(text + '\n' + peterSig.repeat(101), known))).toBe(
      'TOO_MANY_SIGNATURES',
    );
  });

  it('rejects a known key whose verifier throws, as INVALID_SIGNATURE', () => {
    const throwing: NoteVerifier = {
      name: peter.name,
      keyId: peter.keyId,
      verify: () => {
        throw new Error('boom');
      },
    };
    expect(codeOf(() => openNote(go.signedNote, [throwing]))).toBe('INVALID_SIGNATURE');
  });

  it('throws only NoteError on arbitrary bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        const code = codeOf(() => openNote(bytes, known));
        expect(code).toBeDefined();
      }),
      { numRuns: 2000 },
    );
  });

  it('throws only NoteError on arbitrary strings built from note characters (property)', () => {
    const alphabet = fc.constantFrom(
      '\n',
      '\u2014',
      ' ',
      'a',
      '+',
      '/',
      '=',
      'A',
      '0',
      '\r',
      '\ud800',
      'x08g',
    );
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 80 }), (parts) => {
        const s = parts.join('');
        expect(() => codeOf(() => splitNote(s))).not.toThrow();
        expect(codeOf(() => openNote(s, known))).toBeDefined();
      }),
      { numRuns: 2000 },
    );
  });

  it('never verifies a single-byte mutation of the signed note (property)', () => {
    const original = utf8(go.signedNote);
    fc.assert(
      fc.property(
        fc.nat(original.length - 1),
        fc.integer({ min: 1, max: 255 }),
        fc.constantFrom('replace', 'insert', 'delete'),
        (pos, delta, op) => {
          let m: Uint8Array;
          if (op === 'replace') {
            m = original.slice();
            m[pos] = (m[pos]! + delta) & 255;
          } else if (op === 'insert') {
            m = new Uint8Array([...original.subarray(0, pos), delta, ...original.subarray(pos)]);
          } else {
            m = new Uint8Array([...original.subarray(0, pos), ...original.subarray(pos + 1)]);
          }
          expect(codeOf(() => openNote(m, known))).toBeDefined();
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('when splitting a note without verifying', () => {
  it('returns the text and each signature line with its key ID and signature bytes', () => {
    const s = splitNote(text + '\n' + peterSig + enochSig);
    expect(s.text).toBe(text);
    expect(s.signatures.map((x) => [x.name, x.keyId, x.signature.length])).toEqual([
      ['PeterNeumann', 0xc74f20a3, 64],
      ['EnochRoot', 0xaf0cfe78, 64],
    ]);
    expect(s.signatures[1]!.line).toBe(go.enochLine);
  });
});
