/**
 * Verification of a decoded COSE_Sign1 (RFC 9052 §4.4) over the exact protected and payload
 * bytes received.
 */
import { isSupportedAlg, verifyWithAlg } from './algorithms.ts';
import type { CoseAlgorithm } from './algorithms.ts';
import { CoseError } from './errors.ts';
import { sigStructure1 } from './sig-structure.ts';
import type { DecodedSign1 } from './sign1-decode.ts';

function checkAlg(decoded: DecodedSign1, alg: CoseAlgorithm): void {
  if (!isSupportedAlg(alg)) {
    throw new CoseError('UNSUPPORTED_ALG', `unsupported key algorithm ${String(alg)}`, {
      evidence: { alg },
    });
  }
  if (decoded.alg !== alg) {
    throw new CoseError('ALG_MISMATCH', 'header alg differs from the key algorithm', {
      evidence: { headerAlg: decoded.alg, keyAlg: alg },
    });
  }
}

/**
 * True when `decoded.signature` verifies under `publicKey` over
 * `Sig_structure = ["Signature1", protectedBytes, h'', payload]` (RFC 9052 §4.4), built from
 * the bytes received. `alg` is the algorithm the key is registered for; the header must name
 * the same one, else `ALG_MISMATCH` is thrown (an algorithm is never taken from the message
 * alone). Returns false for a wrong or malformed signature (ES256: anything but 64 bytes
 * `r ‖ s`; high-S accepted); throws `INVALID_KEY` for a malformed public key.
 */
export function verifyCoseSign1(
  decoded: DecodedSign1,
  publicKey: Uint8Array,
  alg: CoseAlgorithm,
): boolean {
  checkAlg(decoded, alg);
  const toBeSigned = sigStructure1(decoded.protectedBytes, decoded.payload);
  return verifyWithAlg(alg, decoded.signature, toBeSigned, publicKey);
}

/** Like {@link verifyCoseSign1}, but throws `BAD_SIGNATURE` instead of returning false. */
export function assertCoseSign1(
  decoded: DecodedSign1,
  publicKey: Uint8Array,
  alg: CoseAlgorithm,
): void {
  if (!verifyCoseSign1(decoded, publicKey, alg)) {
    throw new CoseError('BAD_SIGNATURE', 'COSE_Sign1 signature does not verify', {
      evidence: { alg, kid: decoded.kid, iss: decoded.iss, sub: decoded.sub },
    });
  }
}
