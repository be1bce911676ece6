/**
 * Text encodings of note keys (c2sp.org/signed-note §Verifier keys): verifier keys
 * `<name>+<hex8 key ID>+<base64(type ‖ key)>` and signer keys
 * `PRIVATE+KEY+<name>+<hex8 key ID>+<base64(type ‖ key)>`, plus the key ID rule of
 * signed-note §Signatures.
 */
import { fromBase64, hasLoneSurrogate, toBase64, utf8 } from '../bytes.ts';
import { sha256Bytes } from '../merkle/index.ts';
import { NoteError } from './errors.ts';

/** Signature type bytes assigned by c2sp.org/signed-note §Signature types. */
export const SignatureType = {
  /** Ed25519 over the note text (signed-note §Ed25519 signatures). */
  ed25519: 0x01,
  /** ECDSA with SHA-256, as used by Rekor and transparency-dev/witness. */
  ecdsaSha256: 0x02,
  /** Timestamped Ed25519 witness cosignature (c2sp.org/tlog-cosignature). */
  cosignatureV1: 0x04,
} as const;

// Unicode White_Space (the set Go's unicode.IsSpace uses).
const UNICODE_SPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;

export { hasLoneSurrogate };

/**
 * A key name is valid when it is non-empty, valid UTF-8, and contains neither Unicode spaces
 * nor `+` (c2sp.org/signed-note §Format).
 */
export function isValidKeyName(name: string): boolean {
  return (
    typeof name === 'string' &&
    name.length > 0 &&
    !name.includes('+') &&
    !UNICODE_SPACE.test(name) &&
    !hasLoneSurrogate(name)
  );
}

/**
 * Key ID = SHA-256(key name ‖ 0x0A ‖ signature type ‖ public key)[:4] as a big-endian uint32
 * (c2sp.org/signed-note §Signatures). `typeAndKey` is the type byte followed by the key.
 */
export function keyId(name: string, typeAndKey: Uint8Array): number {
  const n = utf8(name);
  const buf = new Uint8Array(n.length + 1 + typeAndKey.length);
  buf.set(n, 0);
  buf[n.length] = 0x0a;
  buf.set(typeAndKey, n.length + 1);
  return readU32be(sha256Bytes(buf));
}

/** First four bytes of `b` as a big-endian uint32. */
export function readU32be(b: Uint8Array, offset = 0): number {
  return (
    ((b[offset]! << 24) | (b[offset + 1]! << 16) | (b[offset + 2]! << 8) | b[offset + 3]!) >>> 0
  );
}

/** Four-byte big-endian encoding of a uint32. */
export function u32be(n: number): Uint8Array {
  return new Uint8Array([(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
}

/** Eight lowercase hex digits of a key ID, as written in vkeys and skeys. */
export function formatKeyId(id: number): string {
  return (id >>> 0).toString(16).padStart(8, '0');
}

/** A decoded vkey or skey: name, claimed key ID, and `type ‖ key` bytes (type byte first). */
export interface EncodedKey {
  readonly name: string;
  readonly keyId: number;
  readonly type: number;
  /** The key material after the type byte. */
  readonly key: Uint8Array;
  /** `type ‖ key`, as hashed into the key ID. */
  readonly typeAndKey: Uint8Array;
}

function decodeParts(name: string, hex: string, b64: string, what: string): EncodedKey {
  if (!isValidKeyName(name)) throw new NoteError('MALFORMED_KEY', `${what}: invalid key name`);
  if (!/^[0-9a-f]{8}$/.test(hex)) {
    throw new NoteError('MALFORMED_KEY', `${what}: key ID is not 8 lowercase hex digits`);
  }
  let typeAndKey: Uint8Array;
  try {
    typeAndKey = fromBase64(b64);
  } catch (cause) {
    throw new NoteError('MALFORMED_KEY', `${what}: key is not strict base64`, { cause });
  }
  if (typeAndKey.length < 2) throw new NoteError('MALFORMED_KEY', `${what}: key too short`);
  return {
    name,
    keyId: parseInt(hex, 16),
    type: typeAndKey[0]!,
    key: typeAndKey.subarray(1),
    typeAndKey,
  };
}

/**
 * Splits a vkey `<name>+<hex8>+<base64>` on its first two `+` only (the base64 part may itself
 * contain `+`) and decodes it. Does not check the key ID against the key.
 */
export function decodeVerifierKey(vkey: string): EncodedKey {
  if (typeof vkey !== 'string') throw new TypeError('vkey must be a string');
  const i = vkey.indexOf('+');
  const j = i < 0 ? -1 : vkey.indexOf('+', i + 1);
  if (j < 0) throw new NoteError('MALFORMED_KEY', 'vkey: expected <name>+<keyid>+<key>');
  return decodeParts(vkey.slice(0, i), vkey.slice(i + 1, j), vkey.slice(j + 1), 'vkey');
}

const SKEY_PREFIX = 'PRIVATE+KEY+';

/**
 * Splits an skey `PRIVATE+KEY+<name>+<hex8>+<base64>` on its first four `+` only and decodes
 * it. Does not check the key ID against the key.
 */
export function decodeSignerKey(skey: string): EncodedKey {
  if (typeof skey !== 'string') throw new TypeError('skey must be a string');
  if (!skey.startsWith(SKEY_PREFIX)) {
    throw new NoteError('MALFORMED_KEY', 'skey: expected PRIVATE+KEY+<name>+<keyid>+<key>');
  }
  const rest = skey.slice(SKEY_PREFIX.length);
  const i = rest.indexOf('+');
  const j = i < 0 ? -1 : rest.indexOf('+', i + 1);
  if (j < 0)
    throw new NoteError('MALFORMED_KEY', 'skey: expected PRIVATE+KEY+<name>+<keyid>+<key>');
  return decodeParts(rest.slice(0, i), rest.slice(i + 1, j), rest.slice(j + 1), 'skey');
}

/** Formats a vkey `<name>+<hex8 key ID>+<base64(typeAndKey)>`. */
export function encodeVerifierKey(name: string, id: number, typeAndKey: Uint8Array): string {
  return `${name}+${formatKeyId(id)}+${toBase64(typeAndKey)}`;
}

/** Formats an skey `PRIVATE+KEY+<name>+<hex8 key ID>+<base64(typeAndKey)>`. */
export function encodeSignerKey(name: string, id: number, typeAndKey: Uint8Array): string {
  return `${SKEY_PREFIX}${encodeVerifierKey(name, id, typeAndKey)}`;
}

/** `type ‖ key` as one byte array. */
export function withType(type: number, key: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + key.length);
  out[0] = type;
  out.set(key, 1);
  return out;
}
