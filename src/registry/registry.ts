/**
 * The key registry of a node (DESIGN.md decision 6; docs/registry.md): every device and
 * platform key the ingest accepts, held in memory for synchronous look-ups and backed by log
 * entries. Registering or revoking a key appends an operator-signed entry to the ledger and,
 * in the same atomic batch, the registry's own record of it; the operator key is declared in
 * the log by the log key. Each active signer also holds a broker credential (its MQTT login,
 * stored hashed, node-local, never in the log): issued with the registration, re-issued on the
 * operator's request, deleted with the revocation.
 */
import { decodeVerifierKey } from '../core/note/index.ts';
import type { NoteSigner } from '../core/note/index.ts';
import { EntryKind } from '../core/leaf/index.ts';
import {
  ed25519KeyId,
  sameOperatorKey,
  signKeyRegistration,
  signKeyRevocation,
  signOperatorDeclaration,
} from '../core/registry/index.ts';
import type {
  KeyRegistration,
  OperatorKeyDeclaration,
  TrustMode,
  SignerKeyType,
} from '../core/registry/index.ts';
import type { SignerDirectory } from './signer.ts';
import type { Ledger, LedgerAppended } from '../ledger/index.ts';
import { hashMosquittoPasswordSync } from '../mqtt/index.ts';
import type { LevelStore } from '../storage/index.ts';
import {
  CREDENTIAL_RANGE,
  credentialKey,
  decodeCredentialRecord,
  encodeCredentialRecord,
  newBrokerSecret,
  type BrokerCredential,
  type IssuedBrokerCredential,
} from './broker-credential.ts';
import { SignerRegistryError } from './errors.ts';
import type { OperatorKey } from './operator-key.ts';
import {
  DECLARATION_RANGE,
  declarationKey,
  decodeDeclarationRecord,
  decodeSignerRecord,
  encodeDeclarationRecord,
  encodeSignerRecord,
  SIGNER_RANGE,
  signerKey,
  type RegisteredSigner,
} from './signer-record.ts';

/** What {@link Registry.load} needs. */
export interface RegistryOptions {
  /** The node's store (records under prefix 0x30). */
  readonly store: LevelStore;
  /** The ledger the registry entries are appended to. */
  readonly ledger: Ledger;
  /** The operator key that signs registrations and revocations. */
  readonly operatorKey: Pick<OperatorKey, 'signer' | 'publicKey'>;
  /** Clock, ms since the Unix epoch (tests pass a fixed one). */
  readonly now?: () => number;
}

/** A registration request: a {@link KeyRegistration} without its issued-at time. */
export interface RegisterRequest {
  readonly signerId: string;
  readonly mode: TrustMode;
  readonly keyType: SignerKeyType;
  /** In the registered form (see `validateSignerPublicKey`; `normalizeSignerPublicKey` gets it there). */
  readonly publicKey: Uint8Array;
  readonly meters: readonly string[];
  readonly ratedCapacityW: number;
}

/** A committed registry change. */
export interface RegistryChange {
  /** The signer after the change. */
  readonly signer: RegisteredSigner;
  /** Leaf index of the entry. */
  readonly index: number;
  /** Tree size of the checkpoint that first includes it. */
  readonly size: number;
  /** The broker credential issued with a registration (its secret is shown only here). */
  readonly credential?: IssuedBrokerCredential;
}

/** A declaration of the operator key, with its leaf index. */
export interface DeclarationAt {
  readonly index: number;
  readonly declaration: OperatorKeyDeclaration;
}

function first(appended: readonly LedgerAppended[]): number {
  const a = appended[0];
  if (a === undefined) throw new Error('registry: the ledger appended nothing');
  return a.index;
}

/** The registry: signers by id, in memory, backed by the log and the store. */
export class Registry implements SignerDirectory {
  private readonly signers = new Map<string, RegisteredSigner>();
  private readonly credentials = new Map<string, BrokerCredential>();
  /** Credential writes one after another, so memory and store agree on the last one. */
  private credentialWrites: Promise<unknown> = Promise.resolve();
  private readonly declarations: DeclarationAt[] = [];
  private readonly operator: OperatorKeyDeclaration;

  private constructor(
    private readonly store: LevelStore,
    private readonly ledger: Ledger,
    private readonly operatorSigner: NoteSigner,
    operatorPublicKey: Uint8Array,
    private readonly now: () => number,
  ) {
    this.operator = {
      name: operatorSigner.name,
      keyId: operatorSigner.keyId,
      publicKey: operatorPublicKey.slice(),
      issuedAt: 0,
    };
  }

  /**
   * Reads every signer record and operator declaration (prefix 0x30) into memory. Throws
   * `OPERATOR_KEY_MISMATCH` if the operator signer's key ID is not that of its public key.
   */
  static async load(options: RegistryOptions): Promise<Registry> {
    const { signer, publicKey } = options.operatorKey;
    if (ed25519KeyId(signer.name, publicKey) !== signer.keyId) {
      throw new SignerRegistryError(
        'OPERATOR_KEY_MISMATCH',
        'the operator signer does not match the operator public key',
      );
    }
    const r = new Registry(
      options.store,
      options.ledger,
      signer,
      publicKey,
      options.now ?? Date.now,
    );
    for await (const [, v] of options.store.range(SIGNER_RANGE)) {
      const s = Object.freeze(decodeSignerRecord(v));
      r.signers.set(s.signerId, s);
    }
    for await (const [k, v] of options.store.range(DECLARATION_RANGE)) {
      r.declarations.push(decodeDeclarationRecord(k, v));
    }
    for await (const [k, v] of options.store.range(CREDENTIAL_RANGE)) {
      const c = Object.freeze(decodeCredentialRecord(k, v));
      r.credentials.set(c.signerId, c);
    }
    return r;
  }

  /** The signer with this id, revoked or not (`revokedAt` tells), if registered. */
  get(signerId: string): RegisteredSigner | undefined {
    return this.signers.get(signerId);
  }

  /** Every signer, in registration (leaf index) order. */
  list(): RegisteredSigner[] {
    return [...this.signers.values()].sort((a, b) => a.registeredAt - b.registeredAt);
  }

  /**
   * The broker credential of an active signer (its hash, never the secret), if one was issued;
   * undefined for an unknown or revoked signer.
   */
  brokerCredential(signerId: string): BrokerCredential | undefined {
    const s = this.signers.get(signerId);
    if (s === undefined || s.revokedAt !== undefined) return undefined;
    return this.credentials.get(signerId);
  }

  /** The broker credentials of every active signer, in registration order. */
  brokerCredentials(): BrokerCredential[] {
    return this.list()
      .map((s) => this.brokerCredential(s.signerId))
      .filter((c): c is BrokerCredential => c !== undefined);
  }

  /**
   * Issues a new broker credential for an active signer, replacing the old one (which stops
   * working at once, also for connections made with it). Resolves once the hash is durable,
   * with the secret, which is not kept. Throws `SIGNER_NOT_FOUND` or `SIGNER_REVOKED`.
   */
  async issueBrokerCredential(signerId: string): Promise<IssuedBrokerCredential> {
    this.checkActive(signerId);
    const password = newBrokerSecret();
    const passwordHash = hashMosquittoPasswordSync(password);
    const write = this.credentialWrites.then(async () => {
      this.checkActive(signerId);
      const c: BrokerCredential = Object.freeze({
        signerId,
        passwordHash,
        issuedAt: this.seconds(),
      });
      await this.store.commit(
        [this.store.putOp(credentialKey(signerId), encodeCredentialRecord(c))],
        true,
      );
      this.credentials.set(signerId, c);
      return c;
    });
    this.credentialWrites = write.catch(() => undefined);
    const c = await write;
    return { username: signerId, password, issuedAt: c.issuedAt };
  }

  /** Every operator key declaration in the log, in leaf order (evidence bundles carry them). */
  operatorDeclarations(): readonly DeclarationAt[] {
    return [...this.declarations];
  }

  /** The declaration of the current operator key, if the log holds one. */
  currentDeclaration(): DeclarationAt | undefined {
    const last = this.declarations.at(-1);
    return last !== undefined && sameOperatorKey(last.declaration, this.operator)
      ? last
      : undefined;
  }

  /**
   * Makes sure the log declares the current operator key: if the latest declaration is of
   * another key (or there is none — the first start), appends a new one signed by `logSigner`,
   * the log's own key. Idempotent; concurrent calls append once.
   */
  async ensureOperatorDeclared(
    logSigner: NoteSigner,
  ): Promise<DeclarationAt & { created: boolean }> {
    const log = this.ledger.log;
    const vkey = decodeVerifierKey(log.vkey);
    if (logSigner.name !== log.origin || logSigner.keyId !== vkey.keyId) {
      throw new SignerRegistryError('OPERATOR_KEY_MISMATCH', 'the signer given is not the log key');
    }
    const current = this.currentDeclaration();
    if (current !== undefined) return { ...current, created: false };
    const declaration: OperatorKeyDeclaration = { ...this.operator, issuedAt: this.seconds() };
    const bytes = signOperatorDeclaration(declaration, logSigner);
    const plan = this.ledger.plan([
      { kind: EntryKind.operatorKey, bytes, meta: { receivedAt: this.now() } },
    ]);
    const at: DeclarationAt = { index: first(plan.entries), declaration };
    this.declarations.push(at);
    await this.ledger.commit(plan, [
      this.store.putOp(declarationKey(at.index), encodeDeclarationRecord(declaration)),
    ]);
    return { ...at, created: true };
  }

  /**
   * Registers a key: signs the registration with the operator key and appends it, with the
   * signer's first broker credential in the same batch; the signer is visible to {@link get}
   * as soon as this is called (before the commit). Resolves once the entry and the records are
   * durable, with the credential's secret (shown once: only its hash is kept). Throws
   * `SIGNER_EXISTS`, `OPERATOR_NOT_DECLARED`, or the core's `INVALID_FIELD`.
   */
  async register(req: RegisterRequest): Promise<RegistryChange> {
    if (this.signers.has(req.signerId)) {
      throw new SignerRegistryError(
        'SIGNER_EXISTS',
        `signer "${req.signerId}" is already registered`,
        {
          evidence: { signerId: req.signerId },
        },
      );
    }
    this.checkDeclared();
    const registration: KeyRegistration = {
      signerId: req.signerId,
      mode: req.mode,
      keyType: req.keyType,
      publicKey: req.publicKey.slice(),
      meters: [...req.meters],
      ratedCapacityW: req.ratedCapacityW,
      issuedAt: this.seconds(),
    };
    const bytes = signKeyRegistration(registration, this.operatorSigner);
    // Hashed in this turn, so that the signer is visible to get() as soon as this is called.
    const password = newBrokerSecret();
    const credential: BrokerCredential = Object.freeze({
      signerId: req.signerId,
      passwordHash: hashMosquittoPasswordSync(password),
      issuedAt: registration.issuedAt,
    });
    const plan = this.ledger.plan([
      {
        kind: EntryKind.keyRegistration,
        bytes,
        meta: { receivedAt: this.now(), signerId: req.signerId },
      },
    ]);
    const signer: RegisteredSigner = Object.freeze({
      ...registration,
      registeredAt: first(plan.entries),
    });
    this.signers.set(signer.signerId, signer);
    this.credentials.set(signer.signerId, credential);
    const r = await this.ledger.commit(plan, [
      this.store.putOp(signerKey(signer.signerId), encodeSignerRecord(signer)),
      this.store.putOp(credentialKey(signer.signerId), encodeCredentialRecord(credential)),
    ]);
    return {
      signer,
      index: signer.registeredAt,
      size: r.size,
      credential: { username: signer.signerId, password, issuedAt: credential.issuedAt },
    };
  }

  /**
   * Revokes a key: signs the revocation with the operator key and appends it, deleting the
   * signer's broker credential in the same batch; {@link get} shows `revokedAt` (and the
   * broker refuses the signer) as soon as this is called. Throws `SIGNER_NOT_FOUND`, `SIGNER_REVOKED`,
   * `OPERATOR_NOT_DECLARED`, or the core's `INVALID_FIELD` (reason).
   */
  async revoke(signerId: string, reason: string): Promise<RegistryChange> {
    const old = this.signers.get(signerId);
    if (old === undefined) {
      throw new SignerRegistryError('SIGNER_NOT_FOUND', `no signer "${signerId}" is registered`, {
        evidence: { signerId },
      });
    }
    if (old.revokedAt !== undefined) {
      throw new SignerRegistryError(
        'SIGNER_REVOKED',
        `signer "${signerId}" was revoked already, at leaf ${old.revokedAt}`,
        { evidence: { signerId, revokedAt: old.revokedAt } },
      );
    }
    this.checkDeclared();
    const issuedAt = this.seconds();
    const bytes = signKeyRevocation({ signerId, reason, issuedAt }, this.operatorSigner);
    const plan = this.ledger.plan([
      { kind: EntryKind.keyRevocation, bytes, meta: { receivedAt: this.now(), signerId } },
    ]);
    const signer: RegisteredSigner = Object.freeze({
      ...old,
      revokedAt: first(plan.entries),
      revocationReason: reason,
      revokedIssuedAt: issuedAt,
    });
    this.signers.set(signerId, signer);
    this.credentials.delete(signerId);
    const r = await this.ledger.commit(plan, [
      this.store.putOp(signerKey(signerId), encodeSignerRecord(signer)),
      this.store.delOp(credentialKey(signerId)),
    ]);
    return { signer, index: signer.revokedAt!, size: r.size };
  }

  private checkActive(signerId: string): void {
    const s = this.signers.get(signerId);
    if (s === undefined) {
      throw new SignerRegistryError('SIGNER_NOT_FOUND', `no signer "${signerId}" is registered`, {
        evidence: { signerId },
      });
    }
    if (s.revokedAt !== undefined) {
      throw new SignerRegistryError(
        'SIGNER_REVOKED',
        `signer "${signerId}" is revoked (at leaf ${s.revokedAt}): it gets no broker credential`,
        { evidence: { signerId, revokedAt: s.revokedAt } },
      );
    }
  }

  private checkDeclared(): void {
    if (this.currentDeclaration() === undefined) {
      throw new SignerRegistryError(
        'OPERATOR_NOT_DECLARED',
        'the operator key is not declared in the log yet (ensureOperatorDeclared)',
      );
    }
  }

  private seconds(): number {
    return Math.floor(this.now() / 1000);
  }
}
