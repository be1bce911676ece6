/**
 * A minimal strict DER reader (ITU-T X.690 §8 and §10): single-byte tags, definite minimal
 * lengths, no trailing bytes. Enough for SubjectPublicKeyInfo (RFC 5280 §4.1) and
 * ECDSA-Sig-Value (RFC 3279 §2.2.3).
 */

/** ASN.1 universal tags used here (X.680 §8.6). */
export const DerTag = {
  integer: 0x02,
  bitString: 0x03,
  null: 0x05,
  oid: 0x06,
  sequence: 0x30,
} as const;

/** Thrown by the reader; callers turn it into their own typed error. */
export class DerSyntaxError extends Error {}

/** A cursor over DER bytes. */
export class DerReader {
  private pos = 0;
  /** Reads from `bytes`, starting at offset 0. */
  constructor(private readonly bytes: Uint8Array) {}

  /** True when every byte has been consumed. */
  get done(): boolean {
    return this.pos === this.bytes.length;
  }

  /** The next tag byte without consuming it, or -1 at the end. */
  peekTag(): number {
    return this.pos < this.bytes.length ? this.bytes[this.pos]! : -1;
  }

  /**
   * Reads one TLV with the given tag and returns its contents. Lengths must use the shortest
   * form (X.690 §10.1): short form below 128, long form without leading zero bytes.
   */
  read(tag: number): Uint8Array {
    const b = this.bytes;
    if (this.pos >= b.length || b[this.pos] !== tag)
      throw new DerSyntaxError(`expected tag ${tag}`);
    this.pos++;
    if (this.pos >= b.length) throw new DerSyntaxError('truncated length');
    const first = b[this.pos++]!;
    let len: number;
    if (first < 0x80) {
      len = first;
    } else {
      const n = first & 0x7f;
      if (n === 0 || n > 3) throw new DerSyntaxError('unsupported length form');
      if (this.pos + n > b.length) throw new DerSyntaxError('truncated length');
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + b[this.pos++]!;
      if (len < 0x80 || b[this.pos - n] === 0) throw new DerSyntaxError('non-minimal length');
    }
    if (this.pos + len > b.length) throw new DerSyntaxError('truncated contents');
    const out = b.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  /** Throws unless every byte has been consumed. */
  end(): void {
    if (!this.done) throw new DerSyntaxError('trailing bytes');
  }
}

/**
 * Contents of a DER INTEGER as a non-negative bigint (X.690 §8.3): minimal two's complement,
 * so no redundant leading 0x00 and no negative values.
 */
export function derUnsignedInteger(contents: Uint8Array): bigint {
  if (contents.length === 0) throw new DerSyntaxError('empty INTEGER');
  if (contents[0]! & 0x80) throw new DerSyntaxError('negative INTEGER');
  if (contents.length > 1 && contents[0] === 0 && !(contents[1]! & 0x80)) {
    throw new DerSyntaxError('non-minimal INTEGER');
  }
  let v = 0n;
  for (const byte of contents) v = (v << 8n) | BigInt(byte);
  return v;
}

/** Dotted form of OBJECT IDENTIFIER contents (X.690 §8.19), minimal base-128 arcs only. */
export function derOidToString(contents: Uint8Array): string {
  if (contents.length === 0 || contents.length > 32) throw new DerSyntaxError('bad OID length');
  const arcs: number[] = [];
  let v = 0;
  let started = false;
  for (let i = 0; i < contents.length; i++) {
    const byte = contents[i]!;
    if (!started && byte === 0x80) throw new DerSyntaxError('non-minimal OID arc');
    started = true;
    v = v * 128 + (byte & 0x7f);
    if (v > Number.MAX_SAFE_INTEGER / 128) throw new DerSyntaxError('OID arc too large');
    if (!(byte & 0x80)) {
      arcs.push(v);
      v = 0;
      started = false;
    }
  }
  if (started) throw new DerSyntaxError('truncated OID');
  const first = arcs[0]!;
  const head = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80];
  return [...head, ...arcs.slice(1)].join('.');
}
