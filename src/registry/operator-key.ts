/**
 * The operator key on disk (docs/registry.md §Keys): an Ed25519 signed-note private key
 * (c2sp.org/signed-note) named `<origin>/operator` in `data/operator.key`, mode 0600, created on
 * first start. It signs key registrations and revocations; the log key declares it.
 */
import { decodeVerifierKey } from '../core/note/index.ts';
import type { NoteSigner } from '../core/note/index.ts';
import { loadOrCreateNoteKey } from '../log/index.ts';

/** The loaded operator key. */
export interface OperatorKey {
  /** Signs entries; `name` is the key name, `keyId` its signed-note key ID. */
  readonly signer: NoteSigner;
  /** Verifier key `name+keyid+base64(0x01‖pub)`. */
  readonly vkey: string;
  /** Ed25519 public key, 32 bytes. */
  readonly publicKey: Uint8Array;
  /** True when this call created the key file. */
  readonly created: boolean;
}

/** The operator key name of the log `origin`: `<origin>/operator`. */
export function operatorKeyName(origin: string): string {
  return `${origin}/operator`;
}

/**
 * Loads the operator key at `path` or creates it (exclusively, mode 0600). Throws `LogKeyError`
 * if the file is readable by others, malformed, or names another key.
 */
export async function loadOperatorKey(path: string, origin: string): Promise<OperatorKey> {
  const k = await loadOrCreateNoteKey(path, operatorKeyName(origin), 'operator key');
  return {
    signer: k.signer,
    vkey: k.vkey,
    publicKey: decodeVerifierKey(k.vkey).key.slice(),
    created: k.created,
  };
}
