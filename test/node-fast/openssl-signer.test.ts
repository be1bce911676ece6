/**
 * The server signs checkpoints and receipt roots with OpenSSL; the signatures must be the
 * core's, byte for byte (Ed25519 is deterministic, RFC 8032 §5.1.6).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeEd25519SignerKey } from '../../src/core/note/ed25519.ts';
import { ed25519Signer, generateEd25519Key } from '../../src/core/note/keys.ts';
import { opensslNoteSigner } from '../../src/node-fast/openssl-signer.ts';

describe('the OpenSSL note signer', () => {
  it('signs every message exactly as the core signer does, under the same name and key ID', () => {
    const { skey } = generateEd25519Key('wattproof.test/openssl');
    const core = ed25519Signer(skey);
    const fast = opensslNoteSigner(core, decodeEd25519SignerKey(skey).seed);
    expect([fast.name, fast.keyId]).toEqual([core.name, core.keyId]);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (message) => {
        expect(fast.sign(message)).toEqual(core.sign(message));
      }),
      { numRuns: 200 },
    );
  });
});
