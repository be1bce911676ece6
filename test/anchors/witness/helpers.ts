import type { FastifyInstance } from 'fastify';
import { utf8 } from '../../../src/core/bytes.ts';
import { leafHash } from '../../../src/core/merkle/hash.ts';
import { largestPowerOfTwoLessThan, rootFromLeafHashes } from '../../../src/core/merkle/tree.ts';
import { formatCheckpoint } from '../../../src/core/note/checkpoint.ts';
import { ed25519Signer } from '../../../src/core/note/keys.ts';
import { signNote } from '../../../src/core/note/note.ts';
import type { FetchLike } from '../../../anchors/witness/client.ts';
import { formatAddCheckpointRequest } from '../../../anchors/witness/request.ts';

/** A toy log held in memory: leaf hashes and a signing key. */
export class ToyLog {
  readonly leaves: Uint8Array[] = [];
  constructor(
    readonly skey: string,
    readonly tag = 'honest',
  ) {}

  grow(n: number): this {
    for (let i = 0; i < n; i++)
      this.leaves.push(leafHash(utf8(`${this.tag} leaf ${this.leaves.length}`)));
    return this;
  }

  root(size = this.leaves.length): Uint8Array {
    return rootFromLeafHashes(this.leaves.slice(0, size));
  }

  /** The checkpoint note at `size`, signed by the log key (and `extra` signers' skeys). */
  checkpoint(size = this.leaves.length, extra: string[] = []): string {
    const name = ed25519Signer(this.skey).name;
    const text = formatCheckpoint({ origin: name, size, root: this.root(size), extensions: [] });
    return signNote(text, [this.skey, ...extra].map(ed25519Signer));
  }

  /** RFC 6962 §2.1.2 PROOF(m, D[n]), computed the naive recursive way. */
  proof(m: number, n = this.leaves.length): Uint8Array[] {
    return m === 0 || m === n ? [] : subproof(m, this.leaves.slice(0, n), true);
  }
}

function subproof(m: number, d: Uint8Array[], b: boolean): Uint8Array[] {
  const n = d.length;
  if (m === n) return b ? [] : [rootFromLeafHashes(d)];
  const k = largestPowerOfTwoLessThan(n);
  if (m <= k) return [...subproof(m, d.slice(0, k), b), rootFromLeafHashes(d.slice(k))];
  return [...subproof(m - k, d.slice(k), false), rootFromLeafHashes(d.slice(0, k))];
}

/** An add-checkpoint body as bytes. */
export function requestBody(oldSize: number, proof: Uint8Array[], checkpoint: string): Uint8Array {
  return utf8(formatAddCheckpointRequest({ oldSize, proof, checkpoint }));
}

/** A `fetch` that answers through `app.inject` (no sockets). */
export function injectFetch(app: FastifyInstance): FetchLike {
  return async (url, init) => {
    const res = await app.inject({
      method: 'POST',
      url: new URL(url).pathname,
      payload: String(init.body),
      headers: { 'content-type': 'text/plain' },
    });
    return new Response(res.body, {
      status: res.statusCode,
      headers: { 'content-type': String(res.headers['content-type'] ?? '') },
    });
  };
}
