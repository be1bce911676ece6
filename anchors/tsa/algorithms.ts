/**
 * The digest and signature algorithms a time-stamp token's SignerInfo may use, and the
 * parameters each AlgorithmIdentifier must carry. Anything else is refused rather than guessed.
 */
import * as asn1js from 'asn1js';
import type { AlgorithmIdentifier } from 'pkijs';

type Params = 'null-or-absent' | 'absent' | 'present';

/** SHA-2 digests (RFC 5754 §2: parameters absent or NULL; both MUST be accepted). */
const DIGESTS: Readonly<Record<string, Params>> = {
  '2.16.840.1.101.3.4.2.1': 'null-or-absent', // id-sha256
  '2.16.840.1.101.3.4.2.2': 'null-or-absent', // id-sha384
  '2.16.840.1.101.3.4.2.3': 'null-or-absent', // id-sha512
};

const SIGNATURES: Readonly<Record<string, Params>> = {
  // RSA PKCS #1 v1.5 (RFC 3370 §3.2, RFC 4055 §5: parameters NULL, absent accepted).
  '1.2.840.113549.1.1.1': 'null-or-absent', // rsaEncryption
  '1.2.840.113549.1.1.11': 'null-or-absent', // sha256WithRSAEncryption
  '1.2.840.113549.1.1.12': 'null-or-absent', // sha384WithRSAEncryption
  '1.2.840.113549.1.1.13': 'null-or-absent', // sha512WithRSAEncryption
  // RSASSA-PSS (RFC 4056 §2: RSASSA-PSS-params present).
  '1.2.840.113549.1.1.10': 'present',
  // ECDSA (RFC 5753 §2.1.1, RFC 5758 §3.2: parameters absent).
  '1.2.840.10045.4.3.2': 'absent', // ecdsa-with-SHA256
  '1.2.840.10045.4.3.3': 'absent', // ecdsa-with-SHA384
  '1.2.840.10045.4.3.4': 'absent', // ecdsa-with-SHA512
};

function problem(
  alg: AlgorithmIdentifier,
  table: Readonly<Record<string, Params>>,
): string | undefined {
  const rule = table[alg.algorithmId];
  if (rule === undefined) return `unsupported algorithm ${alg.algorithmId}`;
  const params: unknown = alg.algorithmParams;
  const absent = params === undefined;
  const isNull = params instanceof asn1js.Null;
  if (rule === 'absent' && !absent) return `${alg.algorithmId} must have no parameters`;
  if (rule === 'null-or-absent' && !absent && !isNull) {
    return `${alg.algorithmId} parameters must be NULL or absent`;
  }
  if (rule === 'present' && (absent || isNull)) return `${alg.algorithmId} needs parameters`;
  return undefined;
}

/** Why `alg` is not an accepted SignerInfo digestAlgorithm, or `undefined`. */
export function digestAlgorithmProblem(alg: AlgorithmIdentifier): string | undefined {
  return problem(alg, DIGESTS);
}

/** Why `alg` is not an accepted SignerInfo signatureAlgorithm, or `undefined`. */
export function signatureAlgorithmProblem(alg: AlgorithmIdentifier): string | undefined {
  return problem(alg, SIGNATURES);
}
