/**
 * The opaque paging cursor of `GET /v1/meters/:meterId/readings`: the position after the last
 * reading of a page, bound to the query it belongs to and authenticated, so that a tampered
 * cursor, or one from another query, is refused (400) rather than silently followed.
 *
 * Layout, base64url without padding (RFC 4648 §5): `0x01 ‖ u64be(intervalStart) ‖
 * u64be(index) ‖ tag`, where `tag` is the first 16 bytes of HMAC-SHA-256 (RFC 2104) under a
 * key drawn when the app starts, over `meterId (length-prefixed UTF-8) ‖ u64be(from) ‖
 * u64be(to) ‖` the first 17 bytes. Cursors stay valid until the node restarts.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { concatBytes, readU64be, u64be, utf8 } from '../core/bytes.ts';
import type { MeterEntryPosition } from '../ledger/index.ts';
import { ApiError } from './errors.ts';

const VERSION = 0x01;
const BODY = 17;
const TAG = 16;
const CURSOR_RE = /^[A-Za-z0-9_-]{44}$/;

/** The query a cursor belongs to. */
export interface CursorQuery {
  readonly meterId: string;
  readonly from: number;
  readonly to: number;
}

/** Makes and opens cursors under one key. */
export class ReadingsCursor {
  constructor(private readonly key: Uint8Array = new Uint8Array(randomBytes(32))) {}

  private tag(q: CursorQuery, body: Uint8Array): Uint8Array {
    const meter = utf8(q.meterId);
    const mac = createHmac('sha256', this.key)
      .update(concatBytes(Uint8Array.of(meter.length), meter, u64be(q.from), u64be(q.to), body))
      .digest();
    return new Uint8Array(mac.subarray(0, TAG));
  }

  /** The cursor that resumes `q` after `pos`. */
  make(q: CursorQuery, pos: MeterEntryPosition): string {
    const body = concatBytes(Uint8Array.of(VERSION), u64be(pos.intervalStart), u64be(pos.index));
    return Buffer.from(concatBytes(body, this.tag(q, body))).toString('base64url');
  }

  /**
   * The position `cursor` resumes after. Throws `INVALID_REQUEST` (400) for anything that is
   * not a cursor this app made for exactly this meter and period.
   */
  open(q: CursorQuery, cursor: string): MeterEntryPosition {
    const bad = (why: string): ApiError =>
      new ApiError('INVALID_REQUEST', `querystring/cursor ${why}`);
    if (!CURSOR_RE.test(cursor)) {
      throw bad('is not a cursor: pass the `next` value of the previous page unchanged');
    }
    const raw = new Uint8Array(Buffer.from(cursor, 'base64url'));
    const body = raw.subarray(0, BODY);
    // 33 bytes are exactly 44 base64url characters: every such string is one canonical cursor.
    if (
      raw.length !== BODY + TAG ||
      raw[0] !== VERSION ||
      !timingSafeEqual(raw.subarray(BODY), this.tag(q, body))
    ) {
      throw bad(
        'was altered, or belongs to another meter, period or node start: pass the `next` value of the previous page with the same meterId, from and to',
      );
    }
    return { intervalStart: readU64be(body, 1), index: readU64be(body, 9) };
  }
}
