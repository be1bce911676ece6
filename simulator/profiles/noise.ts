/**
 * Deterministic randomness for the profiles: a 32-bit hash of (seed, stream, integer index) and
 * smooth value noise built on it. Every figure a profile produces is a pure function of the seed,
 * the meter and the time, so a day can be replayed, skipped to, or run in real time and always
 * gives the same energy.
 */

/** FNV-1a over a text, the stream id of a meter or a purpose. */
export function hashText(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A 32-bit mix of three integers (murmur3's finaliser applied in turn). */
function mix(a: number, b: number, c: number): number {
  let h = (a ^ Math.imul(b | 0, 0x9e3779b1) ^ Math.imul(c | 0, 0x85ebca77)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Uniform in [0, 1) from (seed, stream, index); `index` may be any safe integer. */
export function uniform(seed: number, stream: number, index: number): number {
  const lo = index % 0x100000000;
  const hi = Math.floor(index / 0x100000000);
  return mix(seed ^ hi, stream, lo) / 0x100000000;
}

/** Smoothstep-interpolated value noise in [0, 1): lattice points every `period` time units. */
export function valueNoise(seed: number, stream: number, t: number, period: number): number {
  const x = t / period;
  const i = Math.floor(x);
  const f = x - i;
  const s = f * f * (3 - 2 * f);
  const a = uniform(seed, stream, i);
  const b = uniform(seed, stream, i + 1);
  return a + (b - a) * s;
}

/** A seeded sequential generator (mulberry32), for choices made once per meter. */
export function sequence(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x100000000;
  };
}
