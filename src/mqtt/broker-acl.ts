/**
 * Who may publish and subscribe where on the node's broker (docs/mqtt.md §Access control): one
 * set of rules, checked by the embedded broker and written out as a Mosquitto ACL file for an
 * external broker, so that the two never disagree.
 *
 * - A device signer publishes to `<root>/meters/<meter>/readings` and subscribes to
 *   `<root>/meters/<meter>/receipts`, for its meter (a device is registered for exactly one).
 * - A platform publishes to `<root>/platforms/<id>/readings` and subscribes to
 *   `<root>/platforms/<id>/receipts` and to the receipts topic of every meter it is registered
 *   for.
 * - The node's own user (external brokers only; the embedded broker hands readings to the node
 *   in process) reads every readings topic and writes every receipts topic.
 * - Nobody else reads readings; a client without a user gets nothing.
 */
import type { TrustMode } from '../core/registry/index.ts';
import { filterCovers, topicMatches } from './topic-filter.ts';

/** The topics a broker user may publish to and the topic filters it may subscribe to. */
export interface TopicGrants {
  /** Topic names or filters a user may publish to. */
  readonly publish: readonly string[];
  /** Topic names or filters a user may receive from (a subscription must stay within one). */
  readonly subscribe: readonly string[];
}

/** What the rules need to know of a registered signer. */
export interface GrantedSigner {
  readonly signerId: string;
  readonly mode: TrustMode;
  readonly meters: readonly string[];
}

/** The grants of a registered signer under the topic root `root` (see the file comment). */
export function signerGrants(signer: GrantedSigner, root: string): TopicGrants {
  if (signer.mode === 'device') {
    return {
      publish: signer.meters.map((m) => `${root}/meters/${m}/readings`),
      subscribe: signer.meters.map((m) => `${root}/meters/${m}/receipts`),
    };
  }
  return {
    publish: [`${root}/platforms/${signer.signerId}/readings`],
    subscribe: [
      `${root}/platforms/${signer.signerId}/receipts`,
      ...signer.meters.map((m) => `${root}/meters/${m}/receipts`),
    ],
  };
}

/** The grants of the node's own user on an external broker: read all readings, write receipts. */
export function nodeGrants(root: string): TopicGrants {
  return {
    publish: [`${root}/meters/+/receipts`, `${root}/platforms/+/receipts`],
    subscribe: [`${root}/meters/+/readings`, `${root}/platforms/+/readings`],
  };
}

/** Fast checks over one {@link TopicGrants}: exact names in sets, filters in a list. */
export class GrantChecker {
  readonly #publishExact: ReadonlySet<string>;
  readonly #publishFilters: readonly string[];
  readonly #readExact: ReadonlySet<string>;
  readonly #readFilters: readonly string[];

  /** Splits the grants into exact names and wildcard filters. */
  constructor(grants: TopicGrants) {
    const wild = (t: string): boolean => t.includes('+') || t.includes('#');
    this.#publishExact = new Set(grants.publish.filter((t) => !wild(t)));
    this.#publishFilters = grants.publish.filter(wild);
    this.#readExact = new Set(grants.subscribe.filter((t) => !wild(t)));
    this.#readFilters = grants.subscribe.filter(wild);
  }

  /** May the user publish to the topic name `topic`? */
  canPublish(topic: string): boolean {
    return (
      this.#publishExact.has(topic) || this.#publishFilters.some((f) => topicMatches(f, topic))
    );
  }

  /** May the user subscribe to `filter`: is everything it matches readable? */
  canSubscribe(filter: string): boolean {
    if (this.#readExact.has(filter)) return true;
    return this.#readFilters.some((g) => filterCovers(g, filter));
  }

  /** May a message on the topic name `topic` be delivered to the user? */
  canReceive(topic: string): boolean {
    return this.#readExact.has(topic) || this.#readFilters.some((f) => topicMatches(f, topic));
  }
}

/** One user of a Mosquitto ACL file. */
export interface AclUser {
  readonly username: string;
  readonly grants: TopicGrants;
}

/**
 * A Mosquitto `acl_file` (mosquitto.conf(5), "acl_file"): no rule before the first `user`
 * line, so an anonymous client may do nothing; then per user `topic write` lines for what it
 * publishes and `topic read` lines for what it receives. A topic both published and received
 * gets `readwrite`.
 */
export function mosquittoAclFile(
  users: readonly AclUser[],
  header: readonly string[] = [],
): string {
  const out = header.map((l) => `# ${l}\n`);
  for (const { username, grants } of users) {
    out.push(`\nuser ${username}\n`);
    const read = new Set(grants.subscribe);
    const write = new Set(grants.publish);
    for (const t of write) out.push(`topic ${read.has(t) ? 'readwrite' : 'write'} ${t}\n`);
    for (const t of read) if (!write.has(t)) out.push(`topic read ${t}\n`);
  }
  return out.join('');
}
