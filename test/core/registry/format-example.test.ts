import { ed25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../src/core/bytes.ts';
import { ed25519Signer } from '../../../src/core/note/index.ts';
import {
  encodeSignerKey,
  encodeVerifierKey,
  keyId,
  withType,
} from '../../../src/core/note/key-format.ts';
import {
  signKeyRegistration,
  signOperatorDeclaration,
  verifyOperatorDeclaration,
  verifyRegistryEntry,
} from '../../../src/core/registry/index.ts';

// The worked example of docs/registry.md.
const REGISTRATION_HEX =
  'd284586aa4012703782f6170706c69636174696f6e2f766e642e7761747470726f6f662e6b65792d726567697374726174696f6e2b63626f720444f74f775d0fa20178207761747470726f6f662e6578616d706c652f6c6f63616c2f6f70657261746f7202686d74722d30303031a05854a701686d74722d303030310266646576696365036745643235353139045820ed4928c628d1c2c6eae90338905995612959273a5c63f93636c14614ac8737d10581686d74722d3030303106192af8071a6955b93c5840b882b9d8446f60b84476bd8fb920616d5486b087eeadf6119e9652a7e47fc939c91938bd275eaf1b5826956f89aca980e39f927aa3ce9027dbd71c8ad4c1f301';

function key(name: string, fill: number) {
  const seed = new Uint8Array(32).fill(fill);
  const pub = ed25519.getPublicKey(seed);
  const id = keyId(name, withType(1, pub));
  return {
    signer: ed25519Signer(encodeSignerKey(name, id, withType(1, seed))),
    vkey: encodeVerifierKey(name, id, withType(1, pub)),
    pub,
  };
}

describe('when the documented example is rebuilt', () => {
  const log = key('wattproof.example/local', 1);
  const op = key('wattproof.example/local/operator', 2);
  const device = ed25519.getPublicKey(new Uint8Array(32).fill(3));

  it('gives the documented key IDs and registration bytes, which verify through the log key', () => {
    expect(log.signer.keyId.toString(16)).toBe('ff696bcd');
    expect(op.signer.keyId.toString(16)).toBe('f74f775d');
    expect(toHex(device)).toBe('ed4928c628d1c2c6eae90338905995612959273a5c63f93636c14614ac8737d1');
    const reg = signKeyRegistration(
      {
        signerId: 'mtr-0001',
        mode: 'device',
        keyType: 'Ed25519',
        publicKey: device,
        meters: ['mtr-0001'],
        ratedCapacityW: 11_000,
        issuedAt: 1_767_225_660,
      },
      op.signer,
    );
    expect(toHex(reg)).toBe(REGISTRATION_HEX);
    const decl = signOperatorDeclaration(
      { name: op.signer.name, keyId: op.signer.keyId, publicKey: op.pub, issuedAt: 1_767_225_600 },
      log.signer,
    );
    const d = verifyOperatorDeclaration(decl, log.vkey);
    const e = verifyRegistryEntry(fromHex(REGISTRATION_HEX), d);
    expect(e.kind === 0x10 && e.registration.ratedCapacityW).toBe(11_000);
  });
});
