/**
 * Signs the log's checkpoints: a C2SP tlog-checkpoint body (origin, size, base64 root) in a
 * C2SP signed-note signed by the log's Ed25519 key, whose key name is the origin (DESIGN.md
 * decision 2).
 */
import { formatCheckpoint } from '../core/note/index.ts';
import type { NoteSigner } from '../core/note/index.ts';
import { signNote } from '../core/note/index.ts';

/** Produces signed checkpoints for one log. */
export class CheckpointSigner {
  constructor(
    readonly origin: string,
    private readonly signer: NoteSigner,
  ) {
    if (signer.name !== origin) {
      throw new TypeError(
        `the log key is named ${signer.name}; it must equal the origin ${origin}`,
      );
    }
  }

  /** The signed note of the checkpoint for a tree of `size` leaves with root `root`. */
  sign(size: number, root: Uint8Array): string {
    return signNote(formatCheckpoint({ origin: this.origin, size, root, extensions: [] }), [
      this.signer,
    ]);
  }
}
