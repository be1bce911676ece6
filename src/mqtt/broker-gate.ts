/**
 * The embedded broker's access decisions (docs/mqtt.md §Access control), apart from aedes: who
 * may connect (MQTT 3.1.1 §3.1.3.4–5 user name and password, checked against Mosquitto type-7
 * hashes) and what a connected client may publish, subscribe to and receive
 * ({@link GrantChecker}). Every decision after the login looks the user up again, so a revoked
 * signer or a re-issued credential stops an open connection at its next packet.
 */
import { GrantChecker, type TopicGrants } from './broker-acl.ts';
import { verifyMosquittoPassword } from './mosquitto-password.ts';

/** A broker user as the access source holds it. */
export interface BrokerUser {
  /** `$7$…` hash of its password (src/mqtt/mosquitto-password.ts). */
  readonly passwordHash: string;
  readonly grants: TopicGrants;
}

/** Where the broker looks users up (the node's registry; synchronous, held in memory). */
export interface BrokerAccess {
  /** The user named `username`, or undefined if there is none (unknown, revoked, no credential). */
  user(username: string): BrokerUser | undefined;
}

/** What a connection logged in as. */
export type BrokerSession =
  | { readonly kind: 'anonymous' }
  | { readonly kind: 'user'; readonly username: string; readonly passwordHash: string };

/**
 * The outcome of a login: a session, or the MQTT 3.1.1 CONNACK return code to refuse with
 * (§3.2.2.3: 4 bad user name or password, 5 not authorized).
 */
export type LoginResult =
  | { readonly ok: true; readonly session: BrokerSession }
  | { readonly ok: false; readonly returnCode: 4 | 5; readonly reason: string };

const ANONYMOUS: BrokerSession = { kind: 'anonymous' };

/** Access decisions for one broker: closed (users from a {@link BrokerAccess}) or open. */
export class BrokerGate {
  readonly #access: BrokerAccess | undefined;
  readonly #checkers = new WeakMap<TopicGrants, GrantChecker>();

  /**
   * `access` closes the broker to everyone but its users; `'anonymous'` opens it to any client
   * for anything (development and demos only: anyone may then read every reading).
   */
  constructor(access: BrokerAccess | 'anonymous') {
    this.#access = access === 'anonymous' ? undefined : access;
  }

  /** True when any client may do anything. */
  get open(): boolean {
    return this.#access === undefined;
  }

  /**
   * Checks a CONNECT's credentials. Closed: no user name is refused with 5 (not authorized),
   * an unknown user or a wrong password with 4. Open: every client is let in.
   */
  async login(
    username: string | undefined,
    password: Uint8Array | undefined,
  ): Promise<LoginResult> {
    const access = this.#access;
    if (access === undefined) return { ok: true, session: ANONYMOUS };
    if (username === undefined || username === '') {
      return { ok: false, returnCode: 5, reason: 'anonymous clients are not allowed' };
    }
    const user = access.user(username);
    if (user === undefined || password === undefined) {
      return { ok: false, returnCode: 4, reason: `no credential for user "${username}"` };
    }
    if (!(await verifyMosquittoPassword(password, user.passwordHash))) {
      return { ok: false, returnCode: 4, reason: `wrong password for user "${username}"` };
    }
    return { ok: true, session: { kind: 'user', username, passwordHash: user.passwordHash } };
  }

  /** May this session publish to the topic name `topic`? */
  canPublish(session: BrokerSession, topic: string): boolean {
    const c = this.#checker(session);
    return c === 'all' || (c !== undefined && c.canPublish(topic));
  }

  /** May this session subscribe to the topic filter `filter`? */
  canSubscribe(session: BrokerSession, filter: string): boolean {
    const c = this.#checker(session);
    return c === 'all' || (c !== undefined && c.canSubscribe(filter));
  }

  /** May a message on `topic` be delivered to this session? */
  canReceive(session: BrokerSession, topic: string): boolean {
    const c = this.#checker(session);
    return c === 'all' || (c !== undefined && c.canReceive(topic));
  }

  /** 'all' when open; the user's checker while its credential is current; else undefined. */
  #checker(session: BrokerSession): GrantChecker | 'all' | undefined {
    const access = this.#access;
    if (access === undefined) return 'all';
    if (session.kind !== 'user') return undefined;
    const user = access.user(session.username);
    if (user === undefined || user.passwordHash !== session.passwordHash) return undefined;
    let checker = this.#checkers.get(user.grants);
    if (checker === undefined) {
      checker = new GrantChecker(user.grants);
      this.#checkers.set(user.grants, checker);
    }
    return checker;
  }
}
