/**
 * What the public log HTTP routes (C2SP tlog-tiles) need from a log: its identity, the latest
 * signed checkpoint, and read access to hash tiles and entry bundles. The LevelDB log
 * implements it; tests use an in-memory one.
 */
export interface LogReadModel {
  /** The log's origin line (C2SP tlog-checkpoint), also its key name. */
  readonly origin: string;
  /** The log's verifier key in C2SP signed-note vkey form: `name+keyid+base64(0x01‖pub)`. */
  readonly vkey: string;
  /** The latest published checkpoint as a signed note (UTF-8 bytes), or undefined before the first. */
  checkpoint(): Promise<Uint8Array | undefined>;
  /** Tree size of the latest published checkpoint (0 before the first). */
  publishedSize(): number;
  /**
   * Hash tile `level`/`index` holding its first `width` hashes (`width` 1..256), or undefined when
   * the tile, at the latest published size, has fewer than `width` hashes (C2SP tlog-tiles).
   */
  readHashTile(level: number, index: number, width: number): Promise<Uint8Array | undefined>;
  /** Entry bundle `index` with its first `width` entries, or undefined when it has fewer. */
  readEntryBundle(index: number, width: number): Promise<Uint8Array | undefined>;
}
