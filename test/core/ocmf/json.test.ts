import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonNumber, OcmfError, parseJson, type JsonValue } from '../../../src/core/ocmf/index.ts';

/** Converts our value tree to what JSON.parse would give. */
function plain(v: JsonValue): unknown {
  if (v instanceof JsonNumber) return Number(v.text);
  if (Array.isArray(v)) return v.map(plain);
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [k, plain(x)]));
  return v;
}

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return e instanceof OcmfError ? e.code : `not an OcmfError: ${String(e)}`;
  }
  return 'no error';
}

describe('when parsing JSON with number source text', () => {
  it('keeps each number literal exactly as written', () => {
    const v = parseJson('{"a":2.597E-1,"b":[0.2590, -0, 1e400]}', 'payload') as Map<
      string,
      JsonValue
    >;
    expect((v.get('a') as JsonNumber).text).toBe('2.597E-1');
    expect((v.get('b') as JsonNumber[]).map((n) => n.text)).toEqual(['0.2590', '-0', '1e400']);
  });

  it('agrees with JSON.parse on generated JSON documents', () => {
    fc.assert(
      fc.property(fc.json({ depthSize: 'small' }), (text) => {
        expect(plain(parseJson(text, 'payload'))).toEqual(JSON.parse(text));
      }),
      { numRuns: 300 },
    );
  });

  it('rejects whatever JSON.parse rejects among random strings', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (text) => {
        let native = true;
        try {
          JSON.parse(text);
        } catch {
          native = false;
        }
        const ours = code(() => parseJson(text, 'payload'));
        if (!native) expect(ours).toBe('MALFORMED_JSON');
        else expect(['no error', 'MALFORMED_JSON']).toContain(ours);
      }),
      { numRuns: 500 },
    );
  });

  it.each([
    ['duplicate key', '{"a":1,"a":2}'],
    ['unpaired high surrogate escape', '"\\ud800"'],
    ['unpaired low surrogate escape', '"\\udc00x"'],
    ['leading zero', '01'],
    ['bare fraction', '.5'],
    ['NaN', 'NaN'],
    ['single quotes', "{'a':1}"],
    ['trailing comma', '[1,]'],
    ['control character in string', '"a\u0001"'],
    ['trailing garbage', '{} x'],
    ['nesting too deep', '['.repeat(17) + ']'.repeat(17)],
    ['empty text', ''],
    ['non-JSON whitespace', '\u00a0{}'],
  ])('rejects %s', (_why, text) => {
    expect(code(() => parseJson(text, 'payload'))).toBe('MALFORMED_JSON');
  });

  it('keeps "__proto__" as an ordinary key', () => {
    const v = parseJson('{"__proto__":{"x":1}}', 'payload') as Map<string, JsonValue>;
    expect([...v.keys()]).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});
