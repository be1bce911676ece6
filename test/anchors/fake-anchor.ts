/**
 * A scriptable anchor and verifier for tests. A record's "proof" is the checkpoint digest
 * (anchors/anchor.ts) in base64, so the verifier tells a record of one checkpoint from a
 * record of another; it proves nothing about time.
 */
import { fromBase64, toBase64 } from '../../src/core/bytes.ts';
import {
  AnchorError,
  checkpointDigest,
  recordBase,
  type Anchor,
  type AnchorAttestation,
  type AnchoredCheckpoint,
  type AnchorRecordJson,
  type AnchorVerifier,
} from '../../anchors/anchor.ts';

/** An anchor that records its calls and fails, hangs or lies on demand. */
export class FakeAnchor implements Anchor {
  readonly name: string;
  readonly calls: AnchoredCheckpoint[] = [];
  /** Calls still to fail with `ANCHOR_UNAVAILABLE`. */
  failNext = 0;
  /** When set, each call waits for it (or for its abort signal). */
  gate: Promise<void> | undefined;
  /** When set, the record names this size instead of the checkpoint's. */
  lieAboutSize: number | undefined;
  /** Calls whose abort signal fired. */
  aborted = 0;

  constructor(
    readonly type = 'fake',
    private readonly clock: () => number = Date.now,
  ) {
    this.name = `${type}:test`;
  }

  async anchor(cp: AnchoredCheckpoint, signal?: AbortSignal): Promise<AnchorRecordJson> {
    this.calls.push(cp);
    signal?.addEventListener('abort', () => this.aborted++, { once: true });
    if (this.failNext > 0) {
      this.failNext--;
      throw new AnchorError('ANCHOR_UNAVAILABLE', 'the fake anchor is down');
    }
    if (this.gate !== undefined) await this.gate;
    const base = recordBase(this.type, cp, Math.floor(this.clock() / 1000));
    return {
      ...base,
      ...(this.lieAboutSize !== undefined ? { size: this.lieAboutSize } : {}),
      digest: toBase64(checkpointDigest(cp)),
    };
  }
}

/** Verifies {@link FakeAnchor} records: the digest must be the checkpoint's. */
export class FakeVerifier implements AnchorVerifier {
  constructor(readonly type = 'fake') {}

  async verify(record: AnchorRecordJson, cp: AnchoredCheckpoint): Promise<AnchorAttestation> {
    if (typeof record.digest !== 'string') {
      throw new AnchorError('ANCHOR_MALFORMED', 'no digest');
    }
    const digest = fromBase64(record.digest);
    if (toBase64(digest) !== toBase64(checkpointDigest(cp))) {
      throw new AnchorError('ANCHOR_WRONG_CHECKPOINT', 'the digest is of another checkpoint');
    }
    return {
      type: this.type,
      size: cp.size,
      root: toBase64(cp.root),
      time: record.time,
      detail: 'fake anchor',
    };
  }
}
