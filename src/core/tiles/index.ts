/**
 * C2SP tlog-tiles: tile layout arithmetic, resource paths, hash tile and entry bundle formats,
 * and a Merkle node reader over tiles.
 */
export { TileError, type TileErrorCode } from './errors.ts';
export {
  MAX_TILE_LEVEL,
  TILE_HEIGHT,
  TILE_WIDTH,
  entryBundleWidth,
  entryBundlesForSize,
  hashTileWidth,
  locateNode,
  subtreeRootOf,
  tilesChanged,
  tilesForSize,
  type TileRef,
} from './layout.ts';
export { encodeTileIndex, entryBundlePath, hashTilePath, parseTilePath, tilePath } from './path.ts';
export {
  MAX_ENTRY_SIZE,
  decodeEntryBundle,
  decodeHashTile,
  encodeEntryBundle,
  encodeHashTile,
} from './tile.ts';
export { tileNodeReader, type TileFetcher } from './node-reader.ts';
