import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromBase64, toBase64, toHex, utf8 } from '../../../src/core/bytes.ts';
import { leafHash } from '../../../src/core/merkle/hash.ts';
import {
  NoteError,
  formatCheckpoint,
  openNote,
  parseCheckpoint,
  parseVerifierKey,
} from '../../../src/core/note/index.ts';
import vectors from '../../vectors/notes-checkpoint.json' with { type: 'json' };
import notes from '../../vectors/notes-signed-note.json' with { type: 'json' };

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof NoteError) return e.code;
    throw e;
  }
  return undefined;
}

const root32 = new Uint8Array(32).map((_, i) => i);

describe('when parsing the published checkpoint bodies (formats log/checkpoint_test.go)', () => {
  for (const v of vectors.valid) {
    it(`parses ${JSON.stringify(v.text.slice(0, 24))}… and formats it back`, () => {
      const rootSize = utf8(v.rootUtf8).length;
      const cp = parseCheckpoint(v.text, { rootSize });
      expect(cp).toEqual({
        origin: v.origin,
        size: v.size,
        root: utf8(v.rootUtf8),
        extensions: v.extensions,
      });
      expect(formatCheckpoint(cp)).toBe(v.text);
    });
  }

  it('rejects the published roots by default because they are not 32 bytes', () => {
    for (const v of vectors.valid) {
      expect(codeOf(() => parseCheckpoint(v.text))).toBe('MALFORMED_CHECKPOINT');
    }
  });

  for (const [what, text] of Object.entries(vectors.rejects)) {
    it(`rejects ${what} with MALFORMED_CHECKPOINT`, () => {
      expect(codeOf(() => parseCheckpoint(text, { rootSize: 37 }))).toBe('MALFORMED_CHECKPOINT');
      expect(codeOf(() => parseCheckpoint(text, { rootSize: 7 }))).toBe('MALFORMED_CHECKPOINT');
    });
  }

  it('rejects trailing empty lines, which formats accepts but the spec forbids', () => {
    const t = vectors.acceptedUpstreamRejectedHere.trailingNewlines;
    expect(codeOf(() => parseCheckpoint(t, { rootSize: 37 }))).toBe('MALFORMED_CHECKPOINT');
  });
});

describe('when parsing hostile checkpoint bodies', () => {
  const root = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=';
  const cases: Record<string, string> = {
    'a leading zero in the size': `Log\n0123\n${root}\n`,
    'a plus sign in the size': `Log\n+123\n${root}\n`,
    'a size of 2^53': `Log\n9007199254740992\n${root}\n`,
    'a size with spaces': `Log\n 123\n${root}\n`,
    'a size in hex': `Log\n0x10\n${root}\n`,
    'a 31-byte root': `Log\n1\n${toBase64(new Uint8Array(31))}\n`,
    'a 33-byte root': `Log\n1\n${toBase64(new Uint8Array(33))}\n`,
    'an unpadded root': `Log\n1\n${root.slice(0, -1)}\n`,
    'an empty extension line in the middle': `Log\n1\n${root}\n\next\n`,
    'a CR before a newline': `Log\r\n1\n${root}\n`,
    'a NUL in the origin': `Lo\u0000g\n1\n${root}\n`,
    'empty text': '',
    'a lone newline': '\n',
  };
  for (const [what, text] of Object.entries(cases)) {
    it(`rejects ${what}`, () => {
      expect(codeOf(() => parseCheckpoint(text))).toBe('MALFORMED_CHECKPOINT');
    });
  }

  it('accepts size 0 and the largest safe size', () => {
    expect(parseCheckpoint(`Log\n0\n${root}\n`).size).toBe(0);
    expect(parseCheckpoint(`Log\n9007199254740991\n${root}\n`).size).toBe(2 ** 53 - 1);
  });

  it('throws only NoteError on arbitrary strings (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 120 }), (s) => {
        expect(() => codeOf(() => parseCheckpoint(s))).not.toThrow();
      }),
      { numRuns: 2000 },
    );
  });

  it('round-trips any well-formed checkpoint (property)', () => {
    const line = fc
      .string({ minLength: 1, maxLength: 20 })
      .filter((s) => [...s].every((c) => c.charCodeAt(0) >= 0x20 && !/[\ud800-\udfff]/.test(c)));
    fc.assert(
      fc.property(
        line,
        fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.array(line, { maxLength: 3 }),
        (origin, size, root, extensions) => {
          const cp = { origin, size, root, extensions };
          expect(parseCheckpoint(formatCheckpoint(cp))).toEqual(cp);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('when formatting checkpoints', () => {
  it('reproduces the Go sumdb FormatTree vector with RecordHash("hello world")', () => {
    const h = leafHash(utf8(vectors.goSumdb.recordInput));
    expect(toHex(h)).toBe(vectors.goSumdb.recordHashHex);
    const text = formatCheckpoint({
      origin: 'go.sum database tree',
      size: vectors.goSumdb.treeSize,
      root: h,
      extensions: [],
    });
    expect(text).toBe(vectors.goSumdb.formattedTree);
    expect(parseCheckpoint(text).root).toEqual(fromBase64(vectors.goSumdb.recordHashBase64));
  });

  it('rejects fields that cannot be written as their line', () => {
    const ok = { origin: 'Log', size: 1, root: root32, extensions: [] as string[] };
    const bad = [
      { ...ok, origin: '' },
      { ...ok, origin: 'a\nb' },
      { ...ok, size: -1 },
      { ...ok, size: 1.5 },
      { ...ok, size: 2 ** 53 },
      { ...ok, root: new Uint8Array(0) },
      { ...ok, extensions: [''] },
      { ...ok, extensions: ['a\nb'] },
    ];
    for (const cp of bad) expect(codeOf(() => formatCheckpoint(cp))).toBe('MALFORMED_CHECKPOINT');
  });
});

describe('when reading real-world signed checkpoints', () => {
  it('parses the verified sum.golang.org and Rekor note texts', () => {
    const go = openNote(notes.sumGolangOrg.signedNote, [parseVerifierKey(notes.sumGolangOrg.vkey)]);
    expect(parseCheckpoint(go.text)).toMatchObject({
      origin: 'go.sum database tree',
      size: 6476701,
    });
    const rekor = openNote(notes.rekor.signedNote, [parseVerifierKey(notes.rekor.vkey)]);
    const cp = parseCheckpoint(rekor.text);
    expect(cp).toMatchObject({ origin: 'Rekor', size: 798034, extensions: [] });
    expect(cp.root).toHaveLength(32);
  });
});
