/**
 * The page's optional online step (docs/verifier.md §Online check): is the bundle's checkpoint
 * in the live log's history? It fetches the log's latest checkpoint (C2SP tlog-checkpoint at
 * `/log/checkpoint`, c2sp.org/tlog-tiles) and an RFC 9162 §2.1.4 consistency proof from the
 * bundle's tree size to it (`/v1/proofs/consistency`), and checks both with the core: the
 * checkpoint signed by the trusted log key, the proof leading from the bundle's root to its.
 * The only part of the page that uses the network, and only when asked.
 */
import { fromBase64 } from '../core/bytes.ts';
import { verifyConsistency } from '../core/merkle/index.ts';
import { openNote, parseCheckpoint, parseVerifierKey } from '../core/note/index.ts';

/** How the online check ended. */
export type OnlineOutcome =
  | {
      readonly ok: true;
      /** The live checkpoint's tree size. */
      readonly size: number;
      readonly message: string;
    }
  | {
      readonly ok: false;
      /**
       * `UNREACHABLE` (network or HTTP error), `BAD_CHECKPOINT` (not signed by the trusted key,
       * not a checkpoint, another origin), `BEHIND` (the log is smaller than the bundle's tree),
       * `INCONSISTENT` (the proof fails: the bundle's checkpoint is not in the log's history).
       */
      readonly code: 'UNREACHABLE' | 'BAD_CHECKPOINT' | 'BEHIND' | 'INCONSISTENT';
      readonly message: string;
    };

/** What the bundle's verdict says of its checkpoint. */
export interface BundleCheckpoint {
  readonly origin: string;
  readonly treeSize: number;
  /** base64 */
  readonly root: string;
}

/** A fetch-like function (tests and the page pass `fetch`). */
export type Fetcher = (url: string) => Promise<Response>;

/** The node's base URL: an http(s) URL, without a trailing slash. Throws `TypeError`. */
export function nodeBase(text: string): string {
  const u = new URL(text.trim());
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new TypeError('the node URL must start with http:// or https://');
  }
  return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
}

async function get(fetcher: Fetcher, url: string): Promise<Response> {
  const res = await fetcher(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res;
}

/**
 * Checks the bundle's checkpoint against the log at `base` under the trusted `logVkey`.
 * Resolves to an outcome, never rejects.
 */
export async function checkOnline(
  base: string,
  bundle: BundleCheckpoint,
  logVkey: string,
  fetcher: Fetcher,
): Promise<OnlineOutcome> {
  let note: string;
  try {
    note = await (await get(fetcher, `${base}/log/checkpoint`)).text();
  } catch (e) {
    return { ok: false, code: 'UNREACHABLE', message: `cannot read the checkpoint: ${String(e)}` };
  }
  const key = parseVerifierKey(logVkey);
  let cp;
  try {
    const opened = openNote(note, [key]);
    if (!opened.verified.some((s) => s.name === key.name && s.keyId === key.keyId)) {
      throw new Error('the trusted log key did not sign it');
    }
    cp = parseCheckpoint(opened.text);
  } catch (e) {
    return {
      ok: false,
      code: 'BAD_CHECKPOINT',
      message: `the log's checkpoint: ${(e as Error).message}`,
    };
  }
  if (cp.origin !== bundle.origin) {
    return { ok: false, code: 'BAD_CHECKPOINT', message: `the node serves log ${cp.origin}` };
  }
  if (cp.size < bundle.treeSize) {
    return {
      ok: false,
      code: 'BEHIND',
      message: `the log's checkpoint has ${cp.size} entries, fewer than the bundle's ${bundle.treeSize}: this node does not (yet) hold the bundle's tree`,
    };
  }
  let hashes: Uint8Array[] = [];
  if (cp.size > bundle.treeSize) {
    try {
      const res = await get(
        fetcher,
        `${base}/v1/proofs/consistency?from=${bundle.treeSize}&to=${cp.size}`,
      );
      const body = (await res.json()) as { hashes?: unknown };
      if (!Array.isArray(body.hashes) || !body.hashes.every((x) => typeof x === 'string')) {
        throw new Error('the proof is not a list of base64 hashes');
      }
      hashes = body.hashes.map((x: string) => fromBase64(x));
    } catch (e) {
      return {
        ok: false,
        code: 'UNREACHABLE',
        message: `cannot read the consistency proof: ${String(e)}`,
      };
    }
  }
  try {
    verifyConsistency(bundle.treeSize, cp.size, hashes, fromBase64(bundle.root), cp.root);
  } catch (e) {
    return {
      ok: false,
      code: 'INCONSISTENT',
      message: `the bundle's checkpoint is NOT in the log's history: ${(e as Error).message}`,
    };
  }
  return {
    ok: true,
    size: cp.size,
    message:
      cp.size === bundle.treeSize
        ? `the bundle's checkpoint is the log's latest (tree size ${cp.size}), signed by the trusted key`
        : `the bundle's checkpoint (tree size ${bundle.treeSize}) is in the log's history: consistent with its checkpoint of tree size ${cp.size}, signed by the trusted key`,
  };
}
