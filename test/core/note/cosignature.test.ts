import { describe, expect, it } from 'vitest';
import { fromBase64, fromUtf8, toBase64, toHex, utf8 } from '../../../src/core/bytes.ts';
import {
  COSIGNATURE_V1_SIZE,
  NoteError,
  addSignatures,
  cosignatureV1Message,
  cosignatureV1Signer,
  cosignatureV1Timestamp,
  cosignatureV1VkeyOf,
  ed25519Signer,
  generateEd25519Key,
  openNote,
  parseCheckpoint,
  parseVerifierKey,
  signNote,
  splitNote,
  vkeyOf,
} from '../../../src/core/note/index.ts';
import vectors from '../../vectors/notes-cosignature.json' with { type: 'json' };

const cc = vectors.cosignedCheckpoint;

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof NoteError) return e.code;
    throw e;
  }
  return undefined;
}

describe('when re-creating the cosigned checkpoint from the published test keys', () => {
  it('derives the published log and cosigner vkeys', () => {
    expect(vkeyOf(cc.logSkey)).toBe(cc.logVkey);
    expect(cosignatureV1VkeyOf(cc.knownSkey)).toBe(cc.knownCosignerVkey);
  });

  it('reproduces the log signature and the cosignature byte for byte', () => {
    const signed = signNote(cc.body, [
      ed25519Signer(cc.logSkey),
      cosignatureV1Signer(cc.knownSkey, () => cc.timestamp),
    ]);
    expect(signed).toBe(cc.signedNote);
  });

  it('reproduces it in two steps: the log signs, then the witness adds its cosignature', () => {
    const logged = signNote(cc.body, [ed25519Signer(cc.logSkey)]);
    const cosigned = addSignatures(logged, [cosignatureV1Signer(cc.knownSkey, () => cc.timestamp)]);
    expect(cosigned).toBe(cc.signedNote);
  });

  it('verifies both signatures and reports the cosignature timestamp', () => {
    const n = openNote(cc.signedNote, [
      parseVerifierKey(cc.logVkey),
      parseVerifierKey(cc.knownCosignerVkey),
    ]);
    expect(n.verified).toEqual([
      { name: 'Log', keyId: 0x2271c621 },
      { name: 'Known', keyId: 0xfdd35892, timestamp: cc.timestamp },
    ]);
    const cp = parseCheckpoint(n.text);
    expect(cp).toMatchObject({ origin: 'Log', size: 8, extensions: [] });
    expect(toHex(cp.root)).toBe(cc.rootHex);
  });

  it('signs exactly the published cosigned message', () => {
    const sigLine = splitNote(cc.signedNote).signatures[1]!;
    expect(sigLine.signature).toHaveLength(72);
    const msg = cosignatureV1Message(cc.timestamp, utf8(cc.body));
    expect(fromUtf8(msg)).toBe(cc.cosignedMessage);
    const plainEd25519 = parseVerifierKey(vkeyOf(cc.knownSkey));
    // The Ed25519 signature inside the cosignature verifies as a plain signature of that message.
    expect(plainEd25519.verify(msg, sigLine.signature.subarray(8))).toBe(true);
    expect(plainEd25519.verify(utf8(cc.body), sigLine.signature.subarray(8))).toBe(false);
  });

  it('rejects the cosignature when its timestamp is altered', () => {
    const lines = cc.signedNote.split('\n');
    const raw = fromBase64(lines[5]!.split(' ')[2]!);
    raw[11]! ^= 1;
    lines[5] = `\u2014 Known ${toBase64(raw)}`;
    const tampered = lines.join('\n');
    expect(codeOf(() => openNote(tampered, [parseVerifierKey(cc.knownCosignerVkey)]))).toBe(
      'INVALID_SIGNATURE',
    );
    // The log signature alone still verifies; the cosigner is then unknown.
    expect(openNote(tampered, [parseVerifierKey(cc.logVkey)]).unverified).toHaveLength(1);
  });

  it('does not let the plain Ed25519 vkey of the witness verify its cosignature', () => {
    const n = openNote(cc.signedNote, [
      parseVerifierKey(cc.logVkey),
      parseVerifierKey(vkeyOf(cc.knownSkey)),
    ]);
    expect(n.unverified).toEqual([{ name: 'Known', keyId: 0xfdd35892 }]);
  });
});

describe('when decoding cosignature timestamps', () => {
  it('decodes TestCoSigV1Timestamp (formats note_cosigv1_test.go)', () => {
    const w = vectors.coSigV1Timestamp.works;
    const raw = fromBase64(w.signatureBase64);
    expect(raw).toHaveLength(COSIGNATURE_V1_SIZE);
    expect(toHex(raw.subarray(0, 4))).toBe(w.keyIdHex);
    expect(cosignatureV1Timestamp(raw)).toBe(w.timestamp);
  });

  it('decodes the C2SP tlog-cosignature example line', () => {
    const ex = vectors.c2spExample;
    const raw = fromBase64(ex.signatureBase64);
    expect(toHex(raw.subarray(0, 4))).toBe(ex.keyIdHex);
    expect(cosignatureV1Timestamp(raw)).toBe(ex.timestamp);
  });

  it('rejects a 68-byte plain note signature with MALFORMED_COSIGNATURE', () => {
    const raw = fromBase64(vectors.coSigV1Timestamp.wrongTypeOfSignature);
    expect(raw).toHaveLength(68);
    expect(codeOf(() => cosignatureV1Timestamp(raw))).toBe('MALFORMED_COSIGNATURE');
  });

  it('rejects the published gibberish, which is not even base64', () => {
    expect(() => fromBase64(vectors.coSigV1Timestamp.gibberish)).toThrow(TypeError);
  });

  it('rejects a timestamp above 2^53 − 1', () => {
    const raw = fromBase64(vectors.coSigV1Timestamp.works.signatureBase64);
    raw[4] = 0x7f;
    expect(codeOf(() => cosignatureV1Timestamp(raw))).toBe('MALFORMED_COSIGNATURE');
  });
});

describe('when a plain signature appears under a cosigner key', () => {
  it('rejects a 68-byte plain Ed25519 signature carrying the cosigner key ID', () => {
    // Same seed signs the checkpoint as a plain note, then the key ID is swapped for the 0x04 one.
    const plain = splitNote(signNote(cc.body, [ed25519Signer(cc.knownSkey)])).signatures[0]!;
    const cosKeyId = parseVerifierKey(cc.knownCosignerVkey).keyId;
    const raw = new Uint8Array(4 + plain.signature.length);
    new DataView(raw.buffer).setUint32(0, cosKeyId);
    raw.set(plain.signature, 4);
    expect(raw).toHaveLength(68);
    const note = `${cc.body}\n\u2014 Known ${toBase64(raw)}\n`;
    expect(codeOf(() => openNote(note, [parseVerifierKey(cc.knownCosignerVkey)]))).toBe(
      'INVALID_SIGNATURE',
    );
  });
});

describe('when cosigning', () => {
  it('covers extension lines (formats TestSigCoversExtensionLines)', () => {
    const { skey } = generateEd25519Key('witness.example/w1');
    const body = 'test\n123\nf+7CoKgXKE/tNys9TTXcr/ad6U/K3xvznmzew9y6SP0=\nExtendo\n';
    const signed = signNote(body, [cosignatureV1Signer(skey, () => 1_700_000_123)]);
    const v = parseVerifierKey(cosignatureV1VkeyOf(skey));
    expect(openNote(signed, [v]).verified[0]!.timestamp).toBe(1_700_000_123);
    const tampered = signed.replace('Extendo\n', 'Extendx\n');
    expect(tampered).not.toBe(signed);
    expect(codeOf(() => openNote(tampered, [v]))).toBe('INVALID_SIGNATURE');
  });

  it('refuses to cosign a note that is not a checkpoint', () => {
    const s = cosignatureV1Signer(cc.knownSkey, () => cc.timestamp);
    expect(codeOf(() => signNote('Note\n\n', [s]))).toBe('MALFORMED_CHECKPOINT');
    expect(codeOf(() => signNote('hello\n', [s]))).toBe('MALFORMED_CHECKPOINT');
  });

  it('refuses a clock that is not a non-negative safe integer', () => {
    for (const t of [-1, 1.5, Number.NaN, 2 ** 53]) {
      const s = cosignatureV1Signer(cc.knownSkey, () => t);
      expect(() => signNote(cc.body, [s])).toThrow(RangeError);
    }
  });

  it('accepts an skey of type 0x04 and rejects other key types', () => {
    const seed = fromBase64(cc.knownSkey.split('+').slice(4).join('+'));
    seed[0] = 0x04;
    const cosKeyId = cc.knownCosignerVkey.split('+')[1]!;
    const skey04 = `PRIVATE+KEY+Known+${cosKeyId}+${toBase64(seed)}`;
    expect(cosignatureV1VkeyOf(skey04)).toBe(cc.knownCosignerVkey);
    seed[0] = 0x02;
    expect(
      codeOf(() => cosignatureV1Signer(`PRIVATE+KEY+Known+${cosKeyId}+${toBase64(seed)}`)),
    ).toBe('UNKNOWN_KEY_TYPE');
  });
});
