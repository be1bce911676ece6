/**
 * The to-be-signed bytes of a COSE_Sign1 (RFC 9052 §4.4).
 */
import { encodeCborView } from '../cbor/index.ts';

const EMPTY = new Uint8Array(0);

/**
 * `Sig_structure = ["Signature1", body_protected, external_aad, payload]`, CBOR-encoded
 * (RFC 9052 §4.4). `protectedBytes` and `payload` must be the exact bytes carried in the
 * message — never a re-serialization. Signed readings use an empty `external_aad`.
 */
export function sigStructure1(
  protectedBytes: Uint8Array,
  payload: Uint8Array,
  externalAad: Uint8Array = EMPTY,
): Uint8Array {
  return encodeCborView(['Signature1', protectedBytes, externalAad, payload]);
}
