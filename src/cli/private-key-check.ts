/**
 * Recognises private keys handed to `wattproof devices register --public-key`, so that the CLI
 * refuses them before any request and a secret never leaves the operator's machine
 * (docs/registry.md §CLI). What counts as a private key:
 *
 * - text: a PEM block whose label ends in `PRIVATE KEY` (RFC 7468 §10 `PRIVATE KEY`, §11
 *   `ENCRYPTED PRIVATE KEY`; SEC 1 `EC PRIVATE KEY`; PKCS #1 `RSA PRIVATE KEY`; OpenSSH's
 *   `OPENSSH PRIVATE KEY`), a PuTTY key file, a signed-note private key (`PRIVATE+KEY+…`,
 *   the format of the node's own key files);
 * - DER: a SEQUENCE whose first element is an INTEGER, the shape of PKCS #8 PrivateKeyInfo
 *   (RFC 5958 §2), SEC 1 ECPrivateKey (RFC 5915 §3) and PKCS #1 RSAPrivateKey (RFC 8017
 *   §A.1.2); a public key's SubjectPublicKeyInfo starts with a SEQUENCE instead (RFC 5280
 *   §4.1.2.7);
 * - raw bytes of a length no public key of the key type has: 64 bytes for Ed25519 (seed ‖
 *   public key, as libsodium stores a secret key), 32 bytes for P-256 (the scalar; its public
 *   forms are 33 and 65 bytes), 24, 32 or 48 bytes for OCMF (the scalars of its curves; its
 *   public form is DER).
 *
 * Ambiguous: 32 raw bytes for Ed25519 are a public key or a seed alike (RFC 8032 §5.1.5). Such
 * a value is sent only when it is a valid point encoding (RFC 8032 §5.1.3), as a public key
 * must be; a seed fails that test about half the time and is then refused here, the other half
 * it cannot be told from a public key. Files in SPKI form (PEM `PUBLIC KEY`) avoid the doubt.
 */
import { validateSignerPublicKey, type SignerKeyType } from '../core/registry/index.ts';

const PEM_PRIVATE = /-----BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY)-----/;

/** Why `text` holds a private key, or undefined. */
export function privateKeyInText(text: string): string | undefined {
  const pem = PEM_PRIVATE.exec(text);
  if (pem !== null) return `a PEM "${pem[1]}" block`;
  if (/^PuTTY-User-Key-File-\d+:/m.test(text)) return 'a PuTTY private key file';
  if (/^\s*PRIVATE\+KEY\+/.test(text)) return 'a signed-note private key (PRIVATE+KEY+…)';
  return undefined;
}

/** The DER length at `b[i]` and the offset after it, or undefined (X.690 §8.1.3). */
function derLength(b: Uint8Array, i: number): { length: number; next: number } | undefined {
  const first = b[i];
  if (first === undefined) return undefined;
  if (first < 0x80) return { length: first, next: i + 1 };
  const n = first & 0x7f;
  if (n === 0 || n > 3 || i + 1 + n > b.length) return undefined;
  let length = 0;
  for (let k = 0; k < n; k++) length = length * 256 + b[i + 1 + k]!;
  return { length, next: i + 1 + n };
}

/** Why the key bytes `b`, meant for `keyType`, are a private key, or undefined. */
export function privateKeyInBytes(b: Uint8Array, keyType: string): string | undefined {
  if (b[0] === 0x30) {
    const outer = derLength(b, 1);
    if (outer !== undefined && outer.next + outer.length === b.length && b[outer.next] === 0x02) {
      const inner = derLength(b, outer.next + 1);
      const version = inner?.length === 1 ? b[inner.next] : undefined;
      const after = inner === undefined ? undefined : b[inner.next + inner.length];
      const form =
        after === 0x30 && (version === 0 || version === 1)
          ? 'PKCS #8'
          : after === 0x04 && version === 1
            ? 'SEC 1 EC'
            : 'PKCS #1 or other';
      return `a DER ${form} private key`;
    }
  }
  const raw = RAW_PRIVATE_SIZES[keyType as SignerKeyType];
  if (raw?.includes(b.length)) {
    return `${b.length} raw bytes, the size of a ${keyType} private key and of no ${keyType} public key`;
  }
  if (keyType === 'Ed25519' && b.length === 32) {
    try {
      validateSignerPublicKey('Ed25519', b);
    } catch {
      return '32 bytes that are no Ed25519 public key (not a point, RFC 8032 §5.1.3): most likely a private seed';
    }
  }
  return undefined;
}

const RAW_PRIVATE_SIZES: Readonly<Record<SignerKeyType, readonly number[]>> = {
  Ed25519: [64],
  'P-256': [32],
  OCMF: [24, 32, 48],
};
