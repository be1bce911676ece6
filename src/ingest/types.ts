/**
 * The contracts between the parts of an ingest node: the transport that brings messages in
 * (an MQTT client of an external broker, or the embedded broker), the registry that knows the
 * signers, the signature verifier, and the pipeline that turns messages into ledger entries.
 */

/** How a reading was signed: by the meter itself, or by a collection platform for the meter. */
export type TrustMode = 'device' | 'platform';

/** Key types a signer can be registered with. */
export type SignerKeyType = 'Ed25519' | 'P-256' | 'OCMF';

/** One message as it arrived from the broker. */
export interface InboundMessage {
  /** The MQTT topic it was published on. */
  readonly topic: string;
  /** The exact payload bytes. */
  readonly payload: Uint8Array;
  /** When the node received it, ms since the Unix epoch. */
  readonly receivedAt: number;
}

/**
 * What the transport sends back once a message's outcome is durable: an MQTT 5 PUBACK reason
 * code (0 success; 0x80 unspecified error; 0x87 not authorized; 0x97 quota exceeded;
 * 0x99 payload format invalid). MQTT 3.1.1 PUBACKs carry no code.
 */
export interface AckOutcome {
  readonly reasonCode: number;
}

/**
 * Called by a transport for each message on a readings topic. It resolves only once the
 * message's outcome (entry, duplicate or quarantine record) is committed; the transport sends
 * the PUBACK then, and never before. If it rejects, the transport does not acknowledge, so the
 * broker delivers the message again.
 */
export type MessageHandler = (message: InboundMessage) => Promise<AckOutcome>;

/** A way for messages to come in and receipts to go out. */
export interface MessageSource {
  /** Human description for logs, e.g. `mqtt://127.0.0.1:1883` or `embedded broker on 127.0.0.1:1883`. */
  readonly description: string;
  /** Starts delivering messages to `handler`. Rejects with a clear error if the broker cannot be reached or the port is taken. */
  start(handler: MessageHandler): Promise<void>;
  /** Publishes `payload` on `topic` at QoS 0 (receipts). Never throws for a lost connection. */
  publish(topic: string, payload: Uint8Array): void;
  /** Stops taking messages, waits for the handler's outstanding promises, sends their acks, disconnects. */
  stop(): Promise<void>;
}

/** A registered signing key (device or platform), as the registry holds it. */
export interface SignerRecord {
  /** The signer's id: the COSE `kid` (UTF-8) and CWT `iss`; for OCMF meters, the meter serial. */
  readonly signerId: string;
  readonly mode: TrustMode;
  readonly keyType: SignerKeyType;
  /** Ed25519: 32 raw bytes; P-256: 65-byte SEC1 uncompressed point; OCMF: DER SubjectPublicKeyInfo. */
  readonly publicKey: Uint8Array;
  /** Meters this signer may sign readings for (a device: exactly its own meter). */
  readonly meters: readonly string[];
  /** Rated capacity in watts, per meter, for plausibility checks. */
  readonly ratedCapacityW: number;
  /** Leaf index of the registration entry. */
  readonly registeredAt: number;
  /** Leaf index of the revocation entry, if revoked. */
  readonly revokedAt?: number;
}

/** Looks signers up (synchronously: the registry keeps them in memory). */
export interface SignerDirectory {
  /** The signer with this id (COSE kid, or OCMF meter serial), if registered. */
  get(signerId: string): SignerRecord | undefined;
}

/** One signature to check. */
export interface SignatureCheck {
  readonly keyType: SignerKeyType;
  /** As in {@link SignerRecord.publicKey}. */
  readonly publicKey: Uint8Array;
  /** The exact signed bytes (COSE Sig_structure; OCMF payload bytes). */
  readonly message: Uint8Array;
  /** Ed25519: 64 bytes; P-256 (COSE): r‖s, 64 bytes; OCMF: DER ECDSA, over SHA-256. */
  readonly signature: Uint8Array;
}

/** Checks signatures in bulk (a `node:crypto` worker pool on the server; `@noble` in the core). */
export interface SignatureVerifier {
  /** One verdict per check, in order; a malformed key or signature is `false`, never a throw. */
  verifyBatch(checks: readonly SignatureCheck[]): Promise<boolean[]>;
  /** Stops the workers. */
  close(): Promise<void>;
}
