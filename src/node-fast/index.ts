/** The public face of src/node-fast/: what other parts import from it. */
export { fastSha256, nodeHasher, nodeMapHasher } from './node-hasher.ts';
export { opensslNoteSigner } from './openssl-signer.ts';
export { opensslEd25519, withSignatureChecker } from './signature-checker.ts';
export { VerifyPool, type VerifyPoolOptions } from './verify-pool.ts';
