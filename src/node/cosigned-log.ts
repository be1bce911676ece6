/**
 * The read side of a witnessed log: the same tiles and entries, but `/log/checkpoint` serves the
 * latest checkpoint together with the cosignatures witnesses have returned for it so far
 * (C2SP tlog-witness: cosignature lines are extra signature lines on the same note).
 */
import { utf8 } from '../core/bytes.ts';
import type { LogReadModel } from '../log/index.ts';

/** Where cosigned checkpoints come from (a `WitnessSet`). */
export interface CosignatureSource {
  latest(): { readonly note: string } | undefined;
}

/** A {@link LogReadModel} whose checkpoint carries the witnesses' cosignatures. */
export class CosignedLog implements LogReadModel {
  constructor(
    private readonly log: LogReadModel,
    private readonly cosigned: CosignatureSource,
  ) {}

  get origin(): string {
    return this.log.origin;
  }

  get vkey(): string {
    return this.log.vkey;
  }

  /** The latest checkpoint, with the cosignature lines gathered for it if there are any. */
  async checkpoint(): Promise<Uint8Array | undefined> {
    const plain = await this.log.checkpoint();
    const latest = this.cosigned.latest();
    if (plain === undefined || latest === undefined) return plain;
    const text = new TextDecoder().decode(plain);
    const body = text.slice(0, text.indexOf('\n\n') + 1);
    // Only the note of exactly this checkpoint: never an older one in place of the newest.
    return latest.note.startsWith(`${body}\n`) ? utf8(latest.note) : plain;
  }

  publishedSize(): number {
    return this.log.publishedSize();
  }

  readHashTile(level: number, index: number, width: number): Promise<Uint8Array | undefined> {
    return this.log.readHashTile(level, index, width);
  }

  readEntryBundle(index: number, width: number): Promise<Uint8Array | undefined> {
    return this.log.readEntryBundle(index, width);
  }
}
