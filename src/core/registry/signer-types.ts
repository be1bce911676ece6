/**
 * The two facts every registered signer has (docs/registry.md): how it signs (its trust mode)
 * and the type of its key. One definition each; the node, the API, the CLI and the verifier
 * import them from here.
 */

/** How a registered key signs: as the meter itself, or as a collection platform for its meters. */
export type TrustMode = 'device' | 'platform';

/** The modes, in documentation order. */
export const TRUST_MODES: readonly TrustMode[] = ['device', 'platform'];

/** Key types a signer can be registered with. */
export type SignerKeyType = 'Ed25519' | 'P-256' | 'OCMF';

/** All key types, in documentation order. */
export const SIGNER_KEY_TYPES: readonly SignerKeyType[] = ['Ed25519', 'P-256', 'OCMF'];
