/**
 * The registry as the embedded broker's user source (docs/mqtt.md §Access control): a user is
 * an active signer with a broker credential; its grants follow from its mode and meters
 * (`signerGrants`). Revoking the signer or re-issuing its credential changes what this answers
 * at once, and the broker asks again at every packet.
 */
import { signerGrants, type TopicGrants } from '../mqtt/index.ts';
import type { BrokerAccess, BrokerUser } from '../mqtt/index.ts';
import type { RegisteredSigner } from './signer-record.ts';
import type { Registry } from './registry.ts';

/** The broker users of `registry` under the topic root `root`. */
export function registryBrokerAccess(
  registry: Pick<Registry, 'get' | 'brokerCredential'>,
  root: string,
): BrokerAccess {
  // Signer records are frozen and replaced on change: one grants object per record.
  const grants = new WeakMap<RegisteredSigner, TopicGrants>();
  return {
    user(username: string): BrokerUser | undefined {
      const signer = registry.get(username);
      if (signer === undefined || signer.revokedAt !== undefined) return undefined;
      const credential = registry.brokerCredential(username);
      if (credential === undefined) return undefined;
      let g = grants.get(signer);
      if (g === undefined) {
        g = signerGrants(signer, root);
        grants.set(signer, g);
      }
      return { passwordHash: credential.passwordHash, grants: g };
    },
  };
}
