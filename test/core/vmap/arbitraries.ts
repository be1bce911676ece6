/**
 * fast-check generators for map tests: keys of the shapes the ledger uses (32-byte hashes, some
 * with a short suffix), keys sharing long prefixes, and short keys over 00/01/61/FF that exercise
 * the padding rule; batches of sets with repeated keys.
 */
import fc from 'fast-check';

const BASE = Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff);

/** A 32-byte key equal to a fixed base except from a random bit on. */
const nearBase = fc
  .tuple(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ minLength: 32, maxLength: 32 }))
  .map(([bit, tail]) => {
    const k = BASE.slice();
    const byte = bit >> 3;
    const mask = 0xff >> (bit & 7);
    k[byte] = (k[byte]! & ~mask) | (tail[byte]! & mask);
    for (let i = byte + 1; i < 32; i++) k[i] = tail[i]!;
    return k;
  });

const shortKey = fc
  .array(fc.constantFrom(0x00, 0x01, 0x61, 0xff), { maxLength: 4 })
  .map((a) => Uint8Array.from(a));

const withSuffix = fc
  .tuple(nearBase, fc.uint8Array({ minLength: 0, maxLength: 4 }))
  .map(([k, s]) => Uint8Array.from([...k, ...s]));

/** A key of one of the shapes above. */
export const mapKey: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ minLength: 32, maxLength: 32 }),
  nearBase,
  shortKey,
  withSuffix,
);

/** A value of 0 to 40 bytes. */
export const mapValue: fc.Arbitrary<Uint8Array> = fc.uint8Array({ maxLength: 40 });

/** A batch of sets, keys possibly repeated within and across batches. */
export const mapBatch = fc.array(fc.record({ key: mapKey, value: mapValue }), { maxLength: 40 });

/** Probe keys: a key of the map (index into it) or a fresh one. */
export const probe = fc.oneof(fc.nat(), mapKey);
