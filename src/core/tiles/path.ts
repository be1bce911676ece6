/**
 * C2SP tlog-tiles resource paths: `tile/<L>/<N>[.p/<W>]` and `tile/entries/<N>[.p/<W>]`, with
 * `<N>` written as zero-padded 3-digit groups, all but the last prefixed with `x`.
 */
import { TileError } from './errors.ts';
import { MAX_TILE_LEVEL, TILE_WIDTH, type TileRef } from './layout.ts';

function requireIndex(index: number): void {
  if (!Number.isSafeInteger(index) || index < 0) {
    throw new TileError('INVALID_TILE', 'tile index must be a non-negative safe integer', {
      evidence: { index: String(index) },
    });
  }
}

function widthSuffix(width: number | undefined): string {
  if (width === undefined || width === TILE_WIDTH) return '';
  if (!Number.isInteger(width) || width < 1 || width > TILE_WIDTH) {
    throw new TileError('INVALID_TILE', 'tile width must be an integer in 1..256', {
      evidence: { width: String(width) },
    });
  }
  return `.p/${width}`;
}

/** `<N>` of C2SP tlog-tiles: index 1234067 → `x001/x234/067`, 5 → `005`. */
export function encodeTileIndex(index: number): string {
  requireIndex(index);
  let n = index;
  let out = String(n % 1000).padStart(3, '0');
  while (n >= 1000) {
    n = Math.floor(n / 1000);
    out = `x${String(n % 1000).padStart(3, '0')}/${out}`;
  }
  return out;
}

/**
 * Path of hash tile `level`/`index` (C2SP tlog-tiles "Merkle Tree"): `tile/0/x001/x234/067`,
 * with `.p/<width>` for a partial tile (no suffix when `width` is 256 or omitted).
 */
export function hashTilePath(level: number, index: number, width?: number): string {
  if (!Number.isInteger(level) || level < 0 || level > MAX_TILE_LEVEL) {
    throw new TileError('INVALID_TILE', 'tile level must be an integer in 0..63', {
      evidence: { level: String(level) },
    });
  }
  return `tile/${level}/${encodeTileIndex(index)}${widthSuffix(width)}`;
}

/** Path of entry bundle `index` (C2SP tlog-tiles "Log entries"): `tile/entries/<N>[.p/<W>]`. */
export function entryBundlePath(index: number, width?: number): string {
  return `tile/entries/${encodeTileIndex(index)}${widthSuffix(width)}`;
}

/** Path of any {@link TileRef}. */
export function tilePath(ref: TileRef): string {
  return ref.kind === 'entries'
    ? entryBundlePath(ref.index, ref.width)
    : hashTilePath(ref.level, ref.index, ref.width);
}

const LEVEL = /^(?:0|[1-9][0-9]?)$/;
const GROUP = /^[0-9]{3}$/;
const WIDTH = /^[1-9][0-9]{0,2}$/;

function malformed(path: unknown, why: string): never {
  throw new TileError('MALFORMED_PATH', `not a tlog-tiles path: ${why}`, {
    evidence: { path: typeof path === 'string' ? path.slice(0, 200) : typeof path },
  });
}

/**
 * Parses a C2SP tlog-tiles path that starts with `tile/`. Strict: only the canonical form is
 * accepted (level 0..63 without leading zeros; 3-digit groups, `x` on every group but the last,
 * no leading `x000` group; `.p/<W>` only with W in 1..255 without leading zeros). Go sumdb
 * paths, which carry a tile height (`tile/8/0/001`), are rejected. Throws `MALFORMED_PATH`.
 */
export function parseTilePath(path: string): TileRef {
  if (typeof path !== 'string' || path.length > 200) malformed(path, 'not a short string');
  const parts = path.split('/');
  if (parts[0] !== 'tile' || parts.length < 3) malformed(path, 'expected tile/<L>/<N>');

  let width = TILE_WIDTH;
  if (parts.length >= 4 && parts[parts.length - 2]!.endsWith('.p')) {
    const w = parts.pop()!;
    if (!WIDTH.test(w) || Number(w) >= TILE_WIDTH) malformed(path, 'partial width must be 1..255');
    width = Number(w);
    parts[parts.length - 1] = parts[parts.length - 1]!.slice(0, -2);
  }

  const levelPart = parts[1]!;
  let kind: TileRef['kind'];
  let level = 0;
  if (levelPart === 'entries') {
    kind = 'entries';
  } else if (LEVEL.test(levelPart) && Number(levelPart) <= MAX_TILE_LEVEL) {
    kind = 'hash';
    level = Number(levelPart);
  } else {
    malformed(path, 'level must be 0..63 or "entries"');
  }

  const groups = parts.slice(2);
  let index = 0;
  groups.forEach((g, i) => {
    const last = i === groups.length - 1;
    const digits = last
      ? g
      : g.startsWith('x')
        ? g.slice(1)
        : malformed(path, 'inner groups start with x');
    if (!GROUP.test(digits)) malformed(path, 'index groups are 3 digits');
    if (i === 0 && !last && digits === '000') malformed(path, 'leading zero group');
    index = index * 1000 + Number(digits);
  });
  if (!Number.isSafeInteger(index)) malformed(path, 'index too large');
  return { kind, level, index, width };
}
