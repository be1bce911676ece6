/**
 * Strict CBOR decoding (RFC 8949): only well-formed, deterministically encoded input
 * (RFC 8949 §4.2.1) is accepted, so every accepted byte string is the one and only encoding of
 * its value and `encodeCbor(decodeCbor(b))` returns `b` again.
 */
import { CborError } from './errors.ts';
import type { CborErrorCode } from './errors.ts';
import { encodeFloatShortest, halfToNumber } from './float.ts';
import { CborFloat, CborTag } from './types.ts';
import type { CborKey, CborMap, CborValue } from './types.ts';

/** Default nesting limit of arrays, maps and tags (the top-level item is depth 0). */
export const DEFAULT_MAX_DEPTH = 16;

/** Options of {@link decodeCbor}. */
export interface DecodeCborOptions {
  /** Deepest nesting of arrays, maps and tags allowed; default {@link DEFAULT_MAX_DEPTH}. */
  readonly maxDepth?: number;
  /**
   * Byte strings as views into `bytes` instead of copies: for a caller that owns `bytes` and
   * keeps it unchanged for as long as it keeps the decoded value.
   */
  readonly views?: boolean;
}

/** Longest text string decoded byte by byte when it is all ASCII (RFC 3629: ASCII is UTF-8). */
const ASCII_FAST_MAX = 64;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const utf8Strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function fail(code: CborErrorCode, message: string, offset: number): never {
  throw new CborError(code, message, { evidence: { offset } });
}

class Reader {
  pos = 0;
  private readonly view: DataView;

  constructor(
    private readonly b: Uint8Array,
    private readonly maxDepth: number,
    private readonly views: boolean,
  ) {
    this.view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }

  private need(n: number, start: number): void {
    if (this.b.length - this.pos < n) fail('TRUNCATED', 'input ends inside a data item', start);
  }

  /** Reads the argument for additional information `ai` (RFC 8949 §3), shortest form only. */
  private argument(ai: number, start: number): number | bigint {
    if (ai < 24) return ai;
    let v: number | bigint;
    let min: number | bigint;
    switch (ai) {
      case 24:
        this.need(1, start);
        v = this.b[this.pos]!;
        this.pos += 1;
        min = 24;
        break;
      case 25:
        this.need(2, start);
        v = this.view.getUint16(this.pos);
        this.pos += 2;
        min = 0x100;
        break;
      case 26:
        this.need(4, start);
        v = this.view.getUint32(this.pos);
        this.pos += 4;
        min = 0x10000;
        break;
      case 27:
        this.need(8, start);
        v = this.view.getBigUint64(this.pos);
        this.pos += 8;
        min = 0x100000000n;
        break;
      case 31:
        return fail('INDEFINITE_LENGTH', 'indefinite-length items are not accepted', start);
      default:
        return fail('RESERVED', `reserved additional information ${ai}`, start);
    }
    if (v < min) fail('NON_CANONICAL', 'argument not in its shortest form', start);
    return typeof v === 'bigint' && v <= MAX_SAFE ? Number(v) : v;
  }

  /** A length or count: must fit in the bytes left (each element needs ≥ `unit` bytes). */
  private length(ai: number, start: number, unit: number): number {
    const n = this.argument(ai, start);
    if (typeof n === 'bigint' || n * unit > this.b.length - this.pos) {
      fail('LENGTH_EXCEEDS_INPUT', 'declared length exceeds the input', start);
    }
    return n;
  }

  item(depth: number): CborValue {
    const start = this.pos;
    this.need(1, start);
    const ib = this.b[this.pos++]!;
    const major = ib >> 5;
    const ai = ib & 0x1f;
    if (ai === 31 && (major === 0 || major === 1 || major === 6)) {
      fail('MALFORMED', 'additional information 31 is not valid for this major type', start);
    }
    switch (major) {
      case 0:
        return this.argument(ai, start);
      case 1: {
        const n = this.argument(ai, start);
        if (typeof n === 'number' && n < Number.MAX_SAFE_INTEGER) return -1 - n;
        const v = -1n - BigInt(n);
        return v >= -MAX_SAFE ? Number(v) : v;
      }
      case 2: {
        const n = this.length(ai, start, 1);
        const out = this.views
          ? this.b.subarray(this.pos, this.pos + n)
          : this.b.slice(this.pos, this.pos + n);
        this.pos += n;
        return out;
      }
      case 3: {
        const n = this.length(ai, start, 1);
        const at = this.pos;
        this.pos += n;
        // Short ASCII text (ids, units, OBIS codes) without the decoder: the same string.
        if (n <= ASCII_FAST_MAX) {
          let text = '';
          let i = at;
          for (; i < at + n; i++) {
            const c = this.b[i]!;
            if (c >= 0x80) break;
            text += String.fromCharCode(c);
          }
          if (i === at + n) return text;
        }
        const raw = this.b.subarray(at, at + n);
        try {
          return utf8Strict.decode(raw);
        } catch (e) {
          throw new CborError('INVALID_UTF8', 'text string is not valid UTF-8', {
            cause: e,
            evidence: { offset: start },
          });
        }
      }
      case 4: {
        const n = this.length(ai, start, 1);
        this.enter(depth, start);
        const out: CborValue[] = [];
        for (let i = 0; i < n; i++) out.push(this.item(depth + 1));
        return out;
      }
      case 5:
        return this.map(ai, depth, start);
      case 6: {
        const tag = this.argument(ai, start);
        if (typeof tag === 'bigint') fail('UNSUPPORTED', 'tag number above 2^53-1', start);
        this.enter(depth, start);
        return new CborTag(tag, this.item(depth + 1));
      }
      default:
        return this.simple(ai, start);
    }
  }

  private enter(depth: number, start: number): void {
    if (depth + 1 > this.maxDepth) fail('TOO_DEEP', `nesting deeper than ${this.maxDepth}`, start);
  }

  private map(ai: number, depth: number, start: number): CborMap {
    const n = this.length(ai, start, 2);
    this.enter(depth, start);
    const out: CborMap = new Map();
    let prevKey: Uint8Array | undefined;
    for (let i = 0; i < n; i++) {
      const keyStart = this.pos;
      const key = this.item(depth + 1);
      if (typeof key !== 'number' && typeof key !== 'string') {
        fail('UNSUPPORTED', 'map keys must be integers in the safe range or text', keyStart);
      }
      const keyBytes = this.b.subarray(keyStart, this.pos);
      if (prevKey !== undefined) {
        const c = compareBytes(prevKey, keyBytes);
        if (c === 0) fail('DUPLICATE_KEY', 'duplicate map key', keyStart);
        if (c > 0) fail('NON_CANONICAL', 'map keys not in bytewise lexicographic order', keyStart);
      }
      prevKey = keyBytes;
      out.set(key as CborKey, this.item(depth + 1));
    }
    return out;
  }

  private simple(ai: number, start: number): CborValue {
    switch (ai) {
      case 20:
        return false;
      case 21:
        return true;
      case 22:
        return null;
      case 23:
        return undefined;
      case 24: {
        this.need(1, start);
        const v = this.b[this.pos++]!;
        if (v < 32) fail('MALFORMED', 'two-byte simple value below 32', start);
        return fail('UNSUPPORTED', `simple value ${v}`, start);
      }
      case 25:
      case 26:
      case 27:
        return this.float(ai, start);
      case 31:
        return fail('INDEFINITE_LENGTH', 'unexpected "break" stop code', start);
      default:
        if (ai >= 28) return fail('RESERVED', `reserved additional information ${ai}`, start);
        return fail('UNSUPPORTED', `simple value ${ai}`, start);
    }
  }

  private float(ai: number, start: number): CborFloat {
    const width = ai === 25 ? 2 : ai === 26 ? 4 : 8;
    this.need(width, start);
    const v =
      ai === 25
        ? halfToNumber(this.view.getUint16(this.pos))
        : ai === 26
          ? this.view.getFloat32(this.pos)
          : this.view.getFloat64(this.pos);
    this.pos += width;
    const canonical = encodeFloatShortest(v);
    if (compareBytes(canonical, this.b.subarray(start, this.pos)) !== 0) {
      fail('NON_CANONICAL', 'float not in its shortest exact form', start);
    }
    return new CborFloat(v);
  }
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/**
 * Decodes exactly one deterministically encoded CBOR data item (RFC 8949 §4.2.1) filling all of
 * `bytes`. Throws {@link CborError} — and nothing else — for any input it refuses; see
 * {@link CborErrorCode} for the reasons. Byte strings are returned as copies unless
 * `options.views` is set.
 */
export function decodeCbor(bytes: Uint8Array, options: DecodeCborOptions = {}): CborValue {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('decodeCbor: expected a Uint8Array');
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  if (!Number.isSafeInteger(maxDepth) || maxDepth < 0) {
    throw new RangeError('decodeCbor: maxDepth must be a non-negative integer');
  }
  const r = new Reader(bytes, maxDepth, options.views === true);
  let value: CborValue;
  try {
    value = r.item(0);
  } catch (e) {
    if (e instanceof CborError) throw e;
    throw new CborError('MALFORMED', 'undecodable CBOR', { cause: e, evidence: { offset: r.pos } });
  }
  if (r.pos !== bytes.length) fail('TRAILING_BYTES', 'bytes follow the data item', r.pos);
  return value;
}
