/**
 * Deterministic CBOR encoding (RFC 8949 §4.2.1): shortest-form arguments, definite lengths
 * only, map keys sorted by the bytewise lexicographic order of their encodings, floats in their
 * shortest exact width. Equal values always give identical bytes.
 */
import { encodeFloatShortest } from './float.ts';
import { CborFloat, CborTag } from './types.ts';
import type { CborValue } from './types.ts';

const MAX_ENCODE_DEPTH = 64;
const TWO_64 = 1n << 64n;
const textEncoder = new TextEncoder();
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** One reusable scratch buffer: an encode borrows it and returns it with `result()`. */
let scratch: Uint8Array | undefined = new Uint8Array(4096);

/**
 * Small encodings handed out as views into 8 KiB slabs, as Node's Buffer pool does: one
 * allocation serves many short-lived encodings, instead of one backing store each (which costs
 * an allocation and garbage-collector work per encoding on a hot path). A slab is never written
 * again once handed out, and lives as long as any view of it.
 */
const SLAB_SIZE = 8192;
const SLAB_MAX_VIEW = 1024;
let slab = new Uint8Array(SLAB_SIZE);
let slabUsed = 0;

function slabView(n: number): Uint8Array {
  if (n > SLAB_MAX_VIEW) return new Uint8Array(n);
  if (slabUsed + n > SLAB_SIZE) {
    slab = new Uint8Array(SLAB_SIZE);
    slabUsed = 0;
  }
  const out = slab.subarray(slabUsed, slabUsed + n);
  slabUsed += (n + 7) & ~7;
  return out;
}

class ByteWriter {
  private buf: Uint8Array;
  private len = 0;
  private readonly borrowed: boolean;

  constructor() {
    // Nested encodes (while the scratch buffer is out) get a buffer of their own.
    this.borrowed = scratch !== undefined;
    this.buf = scratch ?? new Uint8Array(256);
    scratch = undefined;
  }

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  byte(b: number): void {
    this.reserve(1);
    this.buf[this.len++] = b;
  }

  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  /** `n` big-endian bytes of `v`, a non-negative safe integer below 2^(8n). */
  uint(v: number, n: number): void {
    this.reserve(n);
    const buf = this.buf;
    let at = this.len + n;
    this.len = at;
    // Above 2^32 the low word is split off arithmetically (bit operators are 32-bit).
    let lo = v % 0x100000000;
    let hi = (v - lo) / 0x100000000;
    for (let i = 0; i < n; i++) {
      buf[--at] = lo & 0xff;
      lo = i === 3 ? hi : lo >>> 8;
      if (i === 3) hi = 0;
    }
  }

  /** The characters of `s`, all below U+0080, as bytes: UTF-8 for ASCII is the same. */
  ascii(s: string): void {
    const n = s.length;
    this.reserve(n);
    const buf = this.buf;
    for (let i = 0; i < n; i++) buf[this.len + i] = s.charCodeAt(i);
    this.len += n;
  }

  /**
   * The bytes written (a copy of their own, or with `view` a view into a shared slab);
   * returns the scratch buffer, which may have grown.
   */
  result(view = false): Uint8Array {
    let out: Uint8Array;
    if (view) {
      out = slabView(this.len);
      out.set(this.buf.subarray(0, this.len));
    } else {
      out = this.buf.slice(0, this.len);
    }
    if (this.borrowed) scratch = this.buf.length <= 1 << 20 ? this.buf : new Uint8Array(4096);
    return out;
  }
}

/** Writes an initial byte and its shortest argument (RFC 8949 §3, §4.2.1). */
function writeHead(w: ByteWriter, major: number, arg: number | bigint): void {
  const mt = major << 5;
  if (typeof arg === 'number' && arg < 24) {
    w.byte(mt | arg);
  } else if (typeof arg === 'number' && arg < 0x100) {
    w.byte(mt | 24);
    w.byte(arg);
  } else if (typeof arg === 'number' && arg < 0x10000) {
    w.byte(mt | 25);
    w.byte(arg >> 8);
    w.byte(arg & 0xff);
  } else if (typeof arg === 'number' && arg < 0x100000000) {
    w.byte(mt | 26);
    w.uint(arg, 4);
  } else if (typeof arg === 'number' && Number.isSafeInteger(arg)) {
    w.byte(mt | 27);
    w.uint(arg, 8);
  } else {
    const big = BigInt(arg);
    if (big < 0x100000000n) {
      writeHead(w, major, Number(big));
      return;
    }
    const out = new Uint8Array(9);
    out[0] = mt | 27;
    new DataView(out.buffer).setBigUint64(1, big);
    w.bytes(out);
  }
}

function writeInteger(w: ByteWriter, v: number | bigint): void {
  if (typeof v === 'number') {
    if (v >= 0) writeHead(w, 0, v);
    else writeHead(w, 1, -1 - v);
    return;
  }
  if (v >= TWO_64 || v < -TWO_64)
    throw new RangeError('encodeCbor: integer outside [-2^64, 2^64-1]');
  if (v >= 0n) writeHead(w, 0, v);
  else writeHead(w, 1, -1n - v);
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return false;
  return true;
}

function writeText(w: ByteWriter, s: string): void {
  if (isAscii(s)) {
    writeHead(w, 3, s.length);
    w.ascii(s);
    return;
  }
  if (LONE_SURROGATE.test(s)) throw new TypeError('encodeCbor: string has a lone surrogate');
  const b = textEncoder.encode(s);
  writeHead(w, 3, b.length);
  w.bytes(b);
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

function writeValue(w: ByteWriter, v: CborValue, depth: number): void {
  if (depth > MAX_ENCODE_DEPTH) throw new RangeError('encodeCbor: nesting too deep');
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) {
      throw new TypeError('encodeCbor: numbers must be safe integers; wrap floats in CborFloat');
    }
    writeInteger(w, v === 0 ? 0 : v);
  } else if (typeof v === 'bigint') {
    writeInteger(w, v);
  } else if (typeof v === 'string') {
    writeText(w, v);
  } else if (v instanceof Uint8Array) {
    writeHead(w, 2, v.length);
    w.bytes(v);
  } else if (v === false) {
    w.byte(0xf4);
  } else if (v === true) {
    w.byte(0xf5);
  } else if (v === null) {
    w.byte(0xf6);
  } else if (v === undefined) {
    w.byte(0xf7);
  } else if (Array.isArray(v)) {
    writeHead(w, 4, v.length);
    for (const item of v) writeValue(w, item, depth + 1);
  } else if (v instanceof Map) {
    // Keys sorted by their encoded bytes (RFC 8949 §4.2.1); values written in place. Maps built
    // in key order (the records and messages of this project are) are written as they are.
    if (writeSortedMap(w, v, depth)) return;
    const entries: { key: Uint8Array; value: CborValue }[] = [];
    for (const [k, val] of v) {
      if (typeof k !== 'string' && !(typeof k === 'number' && Number.isSafeInteger(k))) {
        throw new TypeError('encodeCbor: map keys must be safe integers or strings');
      }
      entries.push({ key: encodeKey(k), value: val });
    }
    entries.sort((a, b) => compareBytes(a.key, b.key));
    writeHead(w, 5, entries.length);
    for (const e of entries) {
      w.bytes(e.key);
      writeValue(w, e.value, depth + 1);
    }
  } else if (v instanceof CborTag) {
    writeHead(w, 6, v.tag);
    writeValue(w, v.value, depth + 1);
  } else if (v instanceof CborFloat) {
    w.bytes(encodeFloatShortest(v.value));
  } else {
    throw new TypeError('encodeCbor: unsupported value type');
  }
}

/**
 * Writes `m` if its keys, as given, are already in the order RFC 8949 §4.2.1 requires (each
 * encoded key bytewise greater than the one before); returns false, having written nothing,
 * when they are not.
 */
function writeSortedMap(w: ByteWriter, m: Map<CborValue, CborValue>, depth: number): boolean {
  let prev: Uint8Array | undefined;
  for (const k of m.keys()) {
    if (typeof k !== 'string' && !(typeof k === 'number' && Number.isSafeInteger(k))) {
      return false; // the sorting path reports the key
    }
    const key = encodeKey(k);
    if (prev !== undefined && compareBytes(prev, key) >= 0) return false;
    prev = key;
  }
  writeHead(w, 5, m.size);
  for (const [k, val] of m) {
    w.bytes(encodeKey(k as number | string));
    writeValue(w, val, depth + 1);
  }
  return true;
}

const keyCache = new Map<number | string, Uint8Array>();

/** The encoding of a map key; the common small keys are cached. */
function encodeKey(k: number | string): Uint8Array {
  let b = keyCache.get(k);
  if (b === undefined) {
    b = encodeInner(k, 0);
    if (keyCache.size < 4096) keyCache.set(k, b);
  }
  return b;
}

function encodeInner(v: CborValue, depth: number, view = false): Uint8Array {
  const w = new ByteWriter();
  try {
    writeValue(w, v, depth);
  } catch (e) {
    w.result(); // give the scratch buffer back
    throw e;
  }
  return w.result(view);
}

/**
 * Deterministically encoded CBOR bytes of `value` (RFC 8949 §4.2.1 "Core Deterministic Encoding
 * Requirements"). Throws `TypeError` for values outside the data model ({@link CborValue}):
 * non-integer numbers (use {@link CborFloat}), plain objects, strings with lone surrogates;
 * `RangeError` for integers outside [−2^64, 2^64 − 1] or nesting deeper than 64.
 */
export function encodeCbor(value: CborValue): Uint8Array {
  return encodeInner(value, 0);
}

/**
 * {@link encodeCbor}, but an encoding of up to 1 KiB comes as a view into a shared 8 KiB slab
 * (`byteOffset` may be non-zero): for bytes that are used at once and dropped — published,
 * written to storage, hashed, signed. A view kept for long keeps its whole slab alive, so
 * values that are kept use {@link encodeCbor}.
 */
export function encodeCborView(value: CborValue): Uint8Array {
  return encodeInner(value, 0, true);
}

/**
 * {@link encodeCborView} of a map whose keys are the small non-negative integers `keys[0..n)`,
 * strictly ascending, with values `values[0..n)` — the same bytes (RFC 8949 §4.2.1: keys in
 * bytewise order, which for integers below 24 is their numeric order), written without building
 * a `Map`. For records written once per reading. Throws `RangeError` for keys out of order or
 * outside [0, 23], and what {@link encodeCbor} throws for a value.
 */
export function encodeCborIntMapView(
  keys: readonly number[],
  values: readonly CborValue[],
  n: number = keys.length,
): Uint8Array {
  const w = new ByteWriter();
  try {
    writeHead(w, 5, n);
    let prev = -1;
    for (let i = 0; i < n; i++) {
      const k = keys[i]!;
      if (!Number.isInteger(k) || k <= prev || k > 23) {
        throw new RangeError('encodeCborIntMapView: keys must ascend within [0, 23]');
      }
      prev = k;
      w.byte(k);
      writeValue(w, values[i], 1);
    }
  } catch (e) {
    w.result();
    throw e;
  }
  return w.result(true);
}
