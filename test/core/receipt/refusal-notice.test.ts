import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fromBase64, utf8 } from '../../../src/core/bytes.ts';
import { CborTag, decodeCbor, encodeCbor } from '../../../src/core/cbor/index.ts';
import { isWattproofError } from '../../../src/core/errors.ts';
import { EntryKind } from '../../../src/core/leaf/leaf.ts';
import {
  formatCheckpoint,
  openNote,
  parseVerifierKey,
  signNote,
} from '../../../src/core/note/index.ts';
import { decodeVerifierKey, u32be } from '../../../src/core/note/key-format.ts';
import { ed25519Signer, generateEd25519Key } from '../../../src/core/note/keys.ts';
import {
  decodeNotice,
  decodeNoticePayload,
  encodeNoticePayload,
  encodeReceipt,
  encodeReceiptMessage,
  NOTICE_CONTENT_TYPE,
  noticeDigest,
  noticeIsFor,
  noticeProtectedHeader,
  noticeToBeSigned,
  receiptProtectedHeader,
  receiptToBeSigned,
  signNotice,
  verifyNotice,
  verifyReceipt,
  type DuplicateNotice,
  type Notice,
  type RefusedNotice,
} from '../../../src/core/receipt/index.ts';
import {
  openRegistryEntry,
  signOperatorDeclaration,
  verifyOperatorDeclaration,
} from '../../../src/core/registry/index.ts';

const ORIGIN = 'wattproof.test/notices';
const { skey, vkey } = generateEd25519Key(ORIGIN);
const signer = ed25519Signer(skey);
const kid = u32be(decodeVerifierKey(vkey).keyId);
const READING = utf8('the signed reading bytes');

const refused: RefusedNotice = {
  origin: ORIGIN,
  outcome: 'refused',
  decidedAt: 1_767_225_600_123,
  topic: 'wattproof/v1/meters/mtr-A/readings',
  digest: noticeDigest(READING),
  meterId: 'mtr-A',
  signerId: 'dev-A',
  sequenceScope: '',
  sequence: 42,
  code: 'INTERVAL_OVERLAP',
  codeClass: 'INTERVAL_OVERLAP',
  quarantineId: 7,
  collidesWith: 3,
};

function receiptMessage(leafIndex: number, origin = ORIGIN): Uint8Array {
  const header = receiptProtectedHeader(origin, kid);
  const root = new Uint8Array(32).fill(9);
  const receipt = encodeReceipt(header, signer.sign(receiptToBeSigned(header, root)), {
    treeSize: leafIndex + 1,
    leafIndex,
    path: [],
  });
  return encodeReceiptMessage({
    origin,
    meterId: 'mtr-A',
    sequence: 42,
    leafIndex,
    kind: EntryKind.readingCose,
    salt: new Uint8Array(32).fill(1),
    receipt,
  });
}

const duplicate: DuplicateNotice = {
  origin: ORIGIN,
  outcome: 'duplicate',
  decidedAt: 1_767_225_600_456,
  topic: 'wattproof/v1/platforms/plat-1/readings',
  digest: noticeDigest(READING),
  meterId: 'mtr-A',
  sequenceScope: 'T',
  sequence: 42,
  readingIndex: 2,
  duplicateOf: 5,
  receipt: receiptMessage(5),
};

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return isWattproofError(e) ? e.code : `untyped ${String(e)}`;
  }
  return undefined;
}

describe('refusal notices', () => {
  it.each<[string, Notice]>([
    ['a refusal', refused],
    ['a duplicate', duplicate],
  ])('round-trips %s and verifies under the log key, node:crypto agreeing', (_, n) => {
    const bytes = signNotice(n, signer);
    expect(verifyNotice(bytes, vkey)).toEqual(n);
    const d = decodeNotice(bytes);
    expect(d.kid).toEqual(kid);
    const key = createPublicKey({
      key: {
        kty: 'OKP',
        crv: 'Ed25519',
        x: Buffer.from(decodeVerifierKey(vkey).key).toString('base64url'),
      },
      format: 'jwk',
    });
    expect(nodeVerify(null, noticeToBeSigned(d.protectedHeader, d.payload), key, d.signature)).toBe(
      true,
    );
  });

  it('lays out the protected header and payload byte for byte', () => {
    // {1: -8, 3: "application/vnd.wattproof.notice+cbor", 4: h'<kid>'}
    const hex = (b: Uint8Array | string): string => Buffer.from(b).toString('hex');
    // 37 = 0x25 characters, so a text string head 0x78 0x25; a 4-byte kid is 0x44.
    expect(NOTICE_CONTENT_TYPE).toHaveLength(0x25);
    expect(hex(noticeProtectedHeader(kid))).toBe(
      `a30127037825${hex(NOTICE_CONTENT_TYPE)}0444${hex(kid)}`,
    );
    const minimal = encodeNoticePayload({
      origin: 'o',
      outcome: 'refused',
      decidedAt: 1,
      topic: 't',
      code: 'OVERSIZE',
      codeClass: 'OVERSIZE',
    });
    // {1: "o", 2: "refused", 3: 1, 4: "t", 11: "OVERSIZE", 12: "OVERSIZE"}
    expect(Buffer.from(minimal).toString('hex')).toBe(
      'a6' +
        '01616f' +
        '0267726566757365' +
        '64' +
        '0301' +
        '046174' +
        '0b684f56455253495a45' +
        '0c684f56455253495a45',
    );
    const n = signNotice(refused, signer);
    // 18([h'<header>', {}, h'<payload>', h'<64-byte signature>'])
    expect(n[0]).toBe(0xd2);
    expect(n[1]).toBe(0x84);
  });

  it('tells which bytes a notice is about', () => {
    expect(noticeIsFor(refused, READING)).toBe(true);
    expect(noticeIsFor(refused, utf8('another reading naming the same meter and sequence'))).toBe(
      false,
    );
    const { digest: _, ...noDigest } = refused;
    expect(noticeIsFor(noDigest, READING)).toBe(false);
  });

  it('rejects a notice with any byte flipped', () => {
    for (const n of [refused, duplicate]) {
      const bytes = signNotice(n, signer);
      for (let pos = 0; pos < bytes.length; pos++) {
        for (const bit of [0x01, 0x80]) {
          const bad = bytes.slice();
          bad[pos]! ^= bit;
          const code = codeOf(() => verifyNotice(bad, vkey));
          expect(
            ['MALFORMED_NOTICE', 'WRONG_CONTENT_TYPE', 'WRONG_LOG', 'BAD_NOTICE_SIGNATURE'],
            `byte ${pos} bit ${bit}: ${code}`,
          ).toContain(code);
        }
      }
    }
  });

  it('rejects another log key, another origin, a key of another type', () => {
    const bytes = signNotice(refused, signer);
    const sameName = generateEd25519Key(ORIGIN).vkey;
    expect(codeOf(() => verifyNotice(bytes, sameName))).toBe('WRONG_LOG');
    const otherOrigin = ed25519Signer(generateEd25519Key('another.log/x').skey);
    const fromOther = signNotice(refused, otherOrigin);
    expect(codeOf(() => verifyNotice(fromOther, vkey))).toBe('WRONG_LOG');
    // The right key ID over another key's signature: the signature fails.
    const forged = signNotice(refused, { keyId: signer.keyId, sign: otherOrigin.sign });
    expect(codeOf(() => verifyNotice(forged, vkey))).toBe('BAD_NOTICE_SIGNATURE');
    // A notice that claims another origin under the right key.
    const lying = signNotice({ ...refused, origin: 'another.log/x' }, signer);
    expect(codeOf(() => verifyNotice(lying, vkey))).toBe('WRONG_LOG');
    expect(codeOf(() => verifyNotice(bytes, 'not a vkey'))).toBe('WRONG_LOG');
  });

  describe('when another statement of the log key is presented as a notice', () => {
    it('refuses a COSE Receipt (no notice content type)', () => {
      const r = decodeNoticeLike(receiptMessage(5));
      expect(codeOf(() => verifyNotice(r, vkey))).toBe('WRONG_CONTENT_TYPE');
    });

    it('refuses a receipt message and a checkpoint as not being COSE_Sign1', () => {
      expect(codeOf(() => verifyNotice(receiptMessage(5), vkey))).toBe('MALFORMED_NOTICE');
      const cp = signNote(
        formatCheckpoint({ origin: ORIGIN, size: 3, root: new Uint8Array(32), extensions: [] }),
        [signer],
      );
      expect(codeOf(() => verifyNotice(utf8(cp), vkey))).toBe('MALFORMED_NOTICE');
    });

    it('refuses a checkpoint signature grafted onto the checkpoint text as a notice payload', () => {
      const text = formatCheckpoint({
        origin: ORIGIN,
        size: 3,
        root: new Uint8Array(32),
        extensions: [],
      });
      const cp = signNote(text, [signer]);
      const sig = fromBase64(cp.trimEnd().split('\n').at(-1)!.split(' ').at(-1)!).subarray(4);
      const grafted = encodeCbor(
        new CborTag(18, [noticeProtectedHeader(kid), new Map(), utf8(text), sig]),
      );
      // The payload is not a notice map: refused before the signature is looked at.
      expect(codeOf(() => verifyNotice(grafted, vkey))).toBe('MALFORMED_NOTICE');
      // And a genuine notice payload under a checkpoint's signature fails the signature.
      const payload = encodeNoticePayload(refused);
      const withCpSig = encodeCbor(
        new CborTag(18, [noticeProtectedHeader(kid), new Map(), payload, sig]),
      );
      expect(codeOf(() => verifyNotice(withCpSig, vkey))).toBe('BAD_NOTICE_SIGNATURE');
    });

    it('refuses a receipt signature moved under the notice header', () => {
      const header = receiptProtectedHeader(ORIGIN, kid);
      const payload = encodeNoticePayload(refused);
      // The log signed this payload, but as a receipt root (another protected header).
      const sig = signer.sign(receiptToBeSigned(header, payload));
      const moved = encodeCbor(
        new CborTag(18, [noticeProtectedHeader(kid), new Map(), payload, sig]),
      );
      expect(codeOf(() => verifyNotice(moved, vkey))).toBe('BAD_NOTICE_SIGNATURE');
      // The receipt header with a notice payload attached names no notice content type.
      const asReceipt = encodeCbor(new CborTag(18, [header, new Map(), payload, sig]));
      expect(codeOf(() => verifyNotice(asReceipt, vkey))).toBe('WRONG_CONTENT_TYPE');
    });

    it('refuses an operator key declaration signed by the log key', () => {
      const decl = signOperatorDeclaration(
        { name: ORIGIN, keyId: signer.keyId, publicKey: decodeVerifierKey(vkey).key, issuedAt: 1 },
        signer,
      );
      expect(codeOf(() => verifyNotice(decl, vkey))).toBe('WRONG_CONTENT_TYPE');
      // And a notice is no registry entry or declaration (no CWT claims, another content type).
      const n = signNotice(refused, signer);
      expect(codeOf(() => openRegistryEntry(n))).toBe('MALFORMED_ENTRY');
      expect(codeOf(() => verifyOperatorDeclaration(n, vkey))).toBe('MALFORMED_ENTRY');
    });

    it('and a notice is neither a receipt nor a checkpoint signature', () => {
      const n = signNotice(refused, signer);
      expect(codeOf(() => verifyReceipt(n, new Uint8Array(34), vkey))).toBe('MALFORMED_RECEIPT');
      const d = decodeNotice(n);
      // The notice's signature as a signature line under the notice payload as note text.
      const note = `${ORIGIN}\n3\nAAAA\n\n— ${ORIGIN} ${Buffer.concat([kid, d.signature]).toString('base64')}\n`;
      expect(codeOf(() => openNote(note, [parseVerifierKey(vkey)]))).toBe('INVALID_SIGNATURE');
    });
  });

  describe('when the payload breaks the format', () => {
    const signed = (payload: Map<number, unknown>): Uint8Array => {
      const header = noticeProtectedHeader(kid);
      const p = encodeCbor(payload as never);
      return encodeCbor(
        new CborTag(18, [header, new Map(), p, signer.sign(noticeToBeSigned(header, p))]),
      );
    };
    const base = (): Map<number, unknown> =>
      decodeCbor(encodeNoticePayload(refused)) as Map<number, unknown>;

    it.each<[string, (m: Map<number, unknown>) => void]>([
      ['an unknown key', (m) => m.set(17, 1)],
      ['no origin', (m) => m.delete(1)],
      ['no topic', (m) => m.delete(4)],
      ['no decision time', (m) => m.delete(3)],
      ['another outcome', (m) => m.set(2, 'accepted')],
      ['a negative sequence', (m) => m.set(9, -1)],
      ['a text sequence', (m) => m.set(9, '42')],
      ['a short digest', (m) => m.set(5, new Uint8Array(31))],
      ['no code', (m) => m.delete(11)],
      ['a lower-case code', (m) => m.set(11, 'bad_signature')],
      ['no code class', (m) => m.delete(12)],
      ['a refusal with a duplicate field', (m) => m.set(15, 3)],
      ['an empty meter id', (m) => m.set(6, '')],
    ])('refuses %s', (_, change) => {
      const m = base();
      change(m);
      expect(codeOf(() => verifyNotice(signed(m), vkey))).toBe('MALFORMED_NOTICE');
    });

    it.each<[string, (m: Map<number, unknown>) => void]>([
      ['no leaf index', (m) => m.delete(15)],
      ['a refusal code', (m) => m.set(11, 'BAD_SIGNATURE')],
      ['a receipt that is not a receipt message', (m) => m.set(16, utf8('garbage'))],
      ['a receipt of another leaf', (m) => m.set(16, receiptMessage(6))],
      ['a receipt of another log', (m) => m.set(16, receiptMessage(5, 'another.log/x'))],
    ])('refuses a duplicate with %s', (_, change) => {
      const m = decodeCbor(encodeNoticePayload(duplicate)) as Map<number, unknown>;
      change(m);
      expect(codeOf(() => verifyNotice(signed(m), vkey))).toBe('MALFORMED_NOTICE');
    });

    it('refuses a non-empty unprotected header, a detached payload, extra header labels', () => {
      const header = noticeProtectedHeader(kid);
      const p = encodeNoticePayload(refused);
      const sig = signer.sign(noticeToBeSigned(header, p));
      const unprot = encodeCbor(new CborTag(18, [header, new Map([[4, kid]]), p, sig]));
      expect(codeOf(() => verifyNotice(unprot, vkey))).toBe('MALFORMED_NOTICE');
      const detached = encodeCbor(new CborTag(18, [header, new Map(), null, sig]));
      expect(codeOf(() => verifyNotice(detached, vkey))).toBe('MALFORMED_NOTICE');
      const extra = encodeCbor(
        new Map<number, unknown>([
          [1, -8],
          [3, NOTICE_CONTENT_TYPE],
          [4, kid],
          [15, new Map([[1, ORIGIN]])],
        ]) as never,
      );
      const withExtra = encodeCbor(
        new CborTag(18, [extra, new Map(), p, signer.sign(noticeToBeSigned(extra, p))]),
      );
      expect(codeOf(() => verifyNotice(withExtra, vkey))).toBe('MALFORMED_NOTICE');
      const untagged = encodeCbor([header, new Map(), p, sig]);
      expect(codeOf(() => verifyNotice(untagged, vkey))).toBe('MALFORMED_NOTICE');
    });

    it('refuses to encode fields of the wrong type', () => {
      expect(() => encodeNoticePayload({ ...refused, sequence: -1 })).toThrow(RangeError);
      expect(() => encodeNoticePayload({ ...refused, digest: new Uint8Array(3) })).toThrow(
        TypeError,
      );
      expect(() => encodeNoticePayload({ ...refused, code: 'lower' })).toThrow(TypeError);
      expect(codeOf(() => decodeNoticePayload(utf8('x')))).toBe('MALFORMED_NOTICE');
    });
  });
});

/** A receipt message's COSE Receipt (a COSE_Sign1 of the log key). */
function decodeNoticeLike(receiptMsg: Uint8Array): Uint8Array {
  const m = decodeCbor(receiptMsg) as Map<number, unknown>;
  return m.get(7) as Uint8Array;
}
