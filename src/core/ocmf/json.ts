/**
 * A strict JSON parser (RFC 8259) that keeps each number's source text.
 *
 * OCMF §"Readings" (RV) forbids re-writing numbers ("the representation must not be transformed
 * by further handling methods, e.g. processing by JSON parser"), so numbers are returned as
 * {@link JsonNumber} holding the literal exactly as written, never as a double. Objects come back
 * as `Map`s (no prototype pitfalls); a repeated key is rejected (RFC 8259 §4 leaves it
 * undefined, and two readers must not see two different records).
 */
import { OcmfError } from './errors.ts';

/** A JSON number literal, kept as its exact source text (RFC 8259 §6 grammar). */
export class JsonNumber {
  /** The literal as it appeared in the input, e.g. `2.597E-1`. */
  readonly text: string;
  /** Wraps a literal that already matched the RFC 8259 §6 grammar. */
  constructor(text: string) {
    this.text = text;
  }
}

/** A JSON object, keys in document order. */
export type JsonObject = ReadonlyMap<string, JsonValue>;

/** Any JSON value, with numbers as {@link JsonNumber}. */
export type JsonValue = null | boolean | string | JsonNumber | readonly JsonValue[] | JsonObject;

/** Deepest array/object nesting accepted; OCMF needs 3 (payload → RD → reading). */
export const MAX_JSON_DEPTH = 16;

/** True when `v` is a JSON object. */
export function isJsonObject(v: JsonValue | undefined): v is JsonObject {
  return v instanceof Map;
}

const NUMBER_RE = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

class Parser {
  private pos = 0;
  constructor(
    private readonly src: string,
    private readonly section: string,
  ) {}

  fail(why: string): never {
    throw new OcmfError('MALFORMED_JSON', `${this.section}: ${why} at offset ${this.pos}`, {
      evidence: { section: this.section, offset: this.pos },
    });
  }

  skipWs(): void {
    const s = this.src;
    while (this.pos < s.length) {
      const c = s.charCodeAt(this.pos);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
      this.pos++;
    }
  }

  parseDocument(): JsonValue {
    this.skipWs();
    const v = this.value(0);
    this.skipWs();
    if (this.pos !== this.src.length) this.fail('trailing characters');
    return v;
  }

  value(depth: number): JsonValue {
    const c = this.src[this.pos];
    switch (c) {
      case '{':
        return this.object(depth + 1);
      case '[':
        return this.array(depth + 1);
      case '"':
        return this.string();
      case 't':
        return this.literal('true', true);
      case 'f':
        return this.literal('false', false);
      case 'n':
        return this.literal('null', null);
      default:
        return this.number();
    }
  }

  literal<T extends JsonValue>(word: string, v: T): T {
    if (!this.src.startsWith(word, this.pos)) this.fail('unexpected token');
    this.pos += word.length;
    return v;
  }

  number(): JsonNumber {
    NUMBER_RE.lastIndex = this.pos;
    const m = NUMBER_RE.exec(this.src);
    if (m === null) this.fail('unexpected token');
    this.pos += m[0].length;
    return new JsonNumber(m[0]);
  }

  string(): string {
    const s = this.src;
    this.pos++; // opening quote
    let out = '';
    let runStart = this.pos;
    for (;;) {
      if (this.pos >= s.length) this.fail('unterminated string');
      const c = s.charCodeAt(this.pos);
      if (c === 0x22) {
        out += s.slice(runStart, this.pos);
        this.pos++;
        return out;
      }
      if (c < 0x20) this.fail('control character in string');
      if (c !== 0x5c) {
        this.pos++;
        continue;
      }
      out += s.slice(runStart, this.pos);
      out += this.escape();
      runStart = this.pos;
    }
  }

  escape(): string {
    const e = this.src[this.pos + 1];
    this.pos += 2;
    switch (e) {
      case '"':
        return '"';
      case '\\':
        return '\\';
      case '/':
        return '/';
      case 'b':
        return '\b';
      case 'f':
        return '\f';
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      case 'u': {
        const hi = this.hex4();
        if (hi >= 0xdc00 && hi <= 0xdfff) this.fail('unpaired surrogate escape');
        if (hi < 0xd800 || hi > 0xdbff) return String.fromCharCode(hi);
        if (this.src[this.pos] !== '\\' || this.src[this.pos + 1] !== 'u') {
          this.fail('unpaired surrogate escape');
        }
        this.pos += 2;
        const lo = this.hex4();
        if (lo < 0xdc00 || lo > 0xdfff) this.fail('unpaired surrogate escape');
        return String.fromCharCode(hi, lo);
      }
      default:
        this.pos -= 2;
        return this.fail('invalid escape');
    }
  }

  hex4(): number {
    const h = this.src.slice(this.pos, this.pos + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(h)) this.fail('invalid \\u escape');
    this.pos += 4;
    return parseInt(h, 16);
  }

  array(depth: number): JsonValue[] {
    if (depth > MAX_JSON_DEPTH) this.fail('nesting too deep');
    this.pos++;
    const out: JsonValue[] = [];
    this.skipWs();
    if (this.src[this.pos] === ']') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipWs();
      out.push(this.value(depth));
      this.skipWs();
      const c = this.src[this.pos++];
      if (c === ']') return out;
      if (c !== ',') {
        this.pos--;
        this.fail("expected ',' or ']'");
      }
    }
  }

  object(depth: number): JsonObject {
    if (depth > MAX_JSON_DEPTH) this.fail('nesting too deep');
    this.pos++;
    const out = new Map<string, JsonValue>();
    this.skipWs();
    if (this.src[this.pos] === '}') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipWs();
      if (this.src[this.pos] !== '"') this.fail('expected a key');
      const key = this.string();
      if (out.has(key)) this.fail(`duplicate key ${JSON.stringify(key)}`);
      this.skipWs();
      if (this.src[this.pos] !== ':') this.fail("expected ':'");
      this.pos++;
      this.skipWs();
      out.set(key, this.value(depth));
      this.skipWs();
      const c = this.src[this.pos++];
      if (c === '}') return out;
      if (c !== ',') {
        this.pos--;
        this.fail("expected ',' or '}'");
      }
    }
  }
}

/**
 * Parses `text` as one strict RFC 8259 JSON text. Throws {@link OcmfError} `MALFORMED_JSON`
 * (naming `section` in the message) on any syntax error, a duplicate key, an unpaired
 * surrogate escape or nesting beyond {@link MAX_JSON_DEPTH}.
 */
export function parseJson(text: string, section: string): JsonValue {
  return new Parser(text, section).parseDocument();
}
