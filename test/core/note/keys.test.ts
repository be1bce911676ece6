import { describe, expect, it } from 'vitest';
import { fromBase64, toBase64, toHex } from '../../../src/core/bytes.ts';
import {
  NoteError,
  cosignatureV1VkeyOf,
  ecdsaKeyId,
  ed25519Signer,
  generateEd25519Key,
  isValidKeyName,
  keyId,
  parseVerifierKey,
  vkeyOf,
} from '../../../src/core/note/index.ts';
import vectors from '../../vectors/notes-signed-note.json' with { type: 'json' };

const go = vectors.goNote;

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof NoteError) return e.code;
    throw e;
  }
  return undefined;
}

/** Every proper substring and every single-byte increment of `s` (Go TestNewVerifier). */
function manglings(s: string): string[] {
  const out: string[] = [];
  for (let i = 0; i <= s.length; i++) {
    for (let j = i + 1; j <= s.length; j++) if (i !== 0 || j !== s.length) out.push(s.slice(i, j));
  }
  for (let i = 0; i < s.length; i++) {
    out.push(s.slice(0, i) + String.fromCharCode(s.charCodeAt(i) + 1) + s.slice(i + 1));
  }
  return out;
}

describe('when parsing the published Go verifier key (golang/mod TestNewVerifier)', () => {
  it('accepts it with the published name and key ID', () => {
    const v = parseVerifierKey(go.vkey);
    expect(v.name).toBe('PeterNeumann');
    expect(v.keyId).toBe(0xc74f20a3);
  });

  it('rejects the published wrong-length key with MALFORMED_KEY', () => {
    expect(codeOf(() => parseVerifierKey(go.badVkeys.wrongLength))).toBe('MALFORMED_KEY');
  });

  it('rejects the published unknown-algorithm key with UNKNOWN_KEY_TYPE', () => {
    expect(codeOf(() => parseVerifierKey(go.badVkeys.unknownAlgorithm))).toBe('UNKNOWN_KEY_TYPE');
  });

  it('rejects every substring and every single-byte mangling with a NoteError', () => {
    const all = manglings(go.vkey);
    expect(all.length).toBeGreaterThan(2000);
    const accepted = all.filter((k) => codeOf(() => parseVerifierKey(k)) === undefined);
    expect(accepted).toEqual([]);
  });
});

describe('when parsing the published Go signer key (golang/mod TestNewSigner)', () => {
  it('derives the published seed, public key and vkey', () => {
    const raw = fromBase64(go.skey.split('+').slice(4).join('+'));
    expect(toHex(raw.subarray(1))).toBe(go.seedHex);
    expect(vkeyOf(go.skey)).toBe(go.vkey);
    expect(toHex(fromBase64(go.vkey.slice('PeterNeumann+c74f20a3+'.length)).subarray(1))).toBe(
      go.publicKeyHex,
    );
    const s = ed25519Signer(go.skey);
    expect([s.name, s.keyId]).toEqual(['PeterNeumann', 0xc74f20a3]);
  });

  it('rejects every substring and every single-byte mangling with a NoteError', () => {
    const accepted = manglings(go.skey).filter((k) => codeOf(() => ed25519Signer(k)) === undefined);
    expect(accepted).toEqual([]);
  });

  it('rejects a vkey passed as an skey and an skey passed as a vkey', () => {
    expect(codeOf(() => ed25519Signer(go.vkey))).toBe('MALFORMED_KEY');
    expect(codeOf(() => parseVerifierKey(go.skey))).toBe('MALFORMED_KEY');
  });
});

describe('when deriving the EnochRoot key from an all-zero seed', () => {
  it('gives the vkey of the vectors README', () => {
    const seed = new Uint8Array(33);
    seed[0] = 0x01;
    const pubKeyId = parseVerifierKey(vectors.goNote.enochVkey).keyId;
    const skey = `PRIVATE+KEY+EnochRoot+${pubKeyId.toString(16).padStart(8, '0')}+${toBase64(seed)}`;
    expect(vkeyOf(skey)).toBe(vectors.goNote.enochVkey);
  });
});

describe('when computing key IDs (signed-note §Signatures)', () => {
  it('hashes name, newline, type byte and key', () => {
    const typeAndKey = fromBase64(go.vkey.slice('PeterNeumann+c74f20a3+'.length));
    expect(keyId('PeterNeumann', typeAndKey)).toBe(0xc74f20a3);
    expect(keyId('PeterNeumanN', typeAndKey)).not.toBe(0xc74f20a3);
  });

  it('uses SHA-256 of the DER SPKI for ECDSA keys (Rekor)', () => {
    const v = parseVerifierKey(vectors.rekor.vkey);
    expect(v.keyId.toString(16)).toBe(vectors.rekor.keyIdHex);
    expect(v.name).toBe('rekor.sigstore.dev');
  });

  it('rejects an ECDSA vkey whose key ID is wrong', () => {
    const bad = vectors.rekor.vkey.replace('+c0d23d6a+', '+c0d23d6b+');
    expect(codeOf(() => parseVerifierKey(bad))).toBe('MALFORMED_KEY');
  });

  it('rejects an ECDSA vkey whose point is not on the curve', () => {
    const raw = fromBase64(vectors.rekor.vkey.split('+').slice(2).join('+'));
    raw[raw.length - 1]! ^= 1;
    const id = ecdsaKeyId(raw.subarray(1)).toString(16).padStart(8, '0');
    expect(codeOf(() => parseVerifierKey(`rekor.sigstore.dev+${id}+${toBase64(raw)}`))).toBe(
      'MALFORMED_KEY',
    );
  });
});

describe('when generating Ed25519 keys', () => {
  it('returns an skey and vkey that sign and verify each other', () => {
    const { skey, vkey } = generateEd25519Key('wattproof.example/eu-central-1');
    expect(skey.startsWith('PRIVATE+KEY+wattproof.example/eu-central-1+')).toBe(true);
    expect(vkeyOf(skey)).toBe(vkey);
    const s = ed25519Signer(skey);
    const v = parseVerifierKey(vkey);
    expect(v.keyId).toBe(s.keyId);
    const msg = new TextEncoder().encode('hi\n');
    const sig = s.sign(msg);
    expect(v.verify(msg, sig)).toBe(true);
    sig[0]! ^= 1;
    expect(v.verify(msg, sig)).toBe(false);
  });

  it('rejects invalid key names', () => {
    expect(codeOf(() => generateEd25519Key('a+b'))).toBe('MALFORMED_KEY');
    expect(codeOf(() => generateEd25519Key(''))).toBe('MALFORMED_KEY');
  });
});

describe('when parsing a cosignature/v1 vkey (type 0x04)', () => {
  it('computes the key ID over type 0x04, unlike the plain Ed25519 key', () => {
    const cosVkey = cosignatureV1VkeyOf(go.skey);
    const v = parseVerifierKey(cosVkey);
    expect(v.keyId).not.toBe(0xc74f20a3);
    expect(cosVkey.split('+').slice(2).join('+').startsWith('B')).toBe(true);
    expect(typeof v.timestamp).toBe('function');
  });

  it('rejects a 0x04 key carrying the 0x01 key ID', () => {
    const cosVkey = cosignatureV1VkeyOf(go.skey);
    const wrong = `PeterNeumann+c74f20a3+${cosVkey.split('+').slice(2).join('+')}`;
    expect(codeOf(() => parseVerifierKey(wrong))).toBe('MALFORMED_KEY');
  });
});

describe('when validating key names', () => {
  it('accepts URL-like names and rejects empty, plus, spaces and lone surrogates', () => {
    expect(isValidKeyName('example.com/foo')).toBe(true);
    expect(isValidKeyName('quasimodo.example/salvatore')).toBe(true);
    expect(isValidKeyName('héllo')).toBe(true);
    for (const bad of ['', 'a+b', 'a b', 'a\tb', 'a\nb', 'a\u00a0b', 'a\u3000b', 'a\ud800b']) {
      expect(isValidKeyName(bad)).toBe(false);
    }
  });
});

describe('when parsing hostile vkeys', () => {
  it('rejects non-canonical base64, uppercase key IDs and missing parts with MALFORMED_KEY', () => {
    const b64 = go.vkey.split('+').slice(2).join('+');
    const cases = [
      'PeterNeumann+c74f20a3',
      'PeterNeumann',
      '',
      `PeterNeumann+C74F20A3+${b64}`,
      `PeterNeumann+c74f20a3+${b64}=`,
      `PeterNeumann+c74f20a3+ ${b64}`,
      `+c74f20a3+${b64}`,
      `Peter Neumann+c74f20a3+${b64}`,
      'PeterNeumann+c74f20a3+AQ==',
    ];
    for (const k of cases) expect(codeOf(() => parseVerifierKey(k))).toBe('MALFORMED_KEY');
  });

  it('rejects a non-canonical base64 final character (non-zero padding bits)', () => {
    // 33 bytes encode without padding, so use the 0x02 SPKI (92 bytes, one '=' of padding).
    // Only the two unused bits change, so the decoded key and its key ID stay the same.
    const b64 = vectors.rekor.vkey.split('+').slice(2).join('+');
    expect(b64.endsWith('=')).toBe(true);
    const last = b64[b64.length - 2]!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const tweaked = alphabet[alphabet.indexOf(last) + 1]!;
    const bad = `rekor.sigstore.dev+c0d23d6a+${b64.slice(0, -2)}${tweaked}=`;
    expect(Buffer.from(bad.split('+').slice(2).join('+'), 'base64')).toEqual(
      Buffer.from(b64, 'base64'),
    );
    expect(codeOf(() => parseVerifierKey(bad))).toBe('MALFORMED_KEY');
  });
});
