/**
 * `wattproof audit-index --log-key VKEY [--entries FILE]` and `wattproof audit-index export
 * --out FILE` (docs/index.md §Audit): an auditor rebuilds the node's verifiable index from its
 * log and checks every index epoch. The leaves come from the public entry bundles (C2SP
 * tlog-tiles), checked against the checkpoint the log key signed; each entry's kind, salt and
 * bytes from the operator's export, checked against its leaf; each entry is filed with the
 * core's map function (`indexFactsOf`, `indexKeysOf`) and the epochs replayed as the node
 * replays them (`IndexReplay`): the first divergence is named, with both roots.
 */
import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { bytesEqual, fromBase64, toHex, utf8 } from '../core/bytes.ts';
import { indexFactsOf } from '../core/bundle/index.ts';
import { isWattproofError } from '../core/errors.ts';
import {
  decodeLeaf,
  encodeChainedLeaf,
  encodeLeaf,
  EntryKind,
  isChainedKind,
  type EntryKind as Kind,
} from '../core/leaf/index.ts';
import {
  decodeIndexEpoch,
  IndexAccumulator,
  indexKeysOf,
  IndexReplay,
} from '../core/ledger-index/index.ts';
import { rootFromLeafHashes } from '../core/merkle/index.ts';
import { openNote, parseCheckpoint, parseVerifierKey } from '../core/note/index.ts';
import { decodeEntryBundle, entryBundlesForSize, tilePath } from '../core/tiles/index.ts';
import { MapTree } from '../core/vmap/index.ts';
import { nodeHasher, nodeMapHasher } from '../node-fast/index.ts';
import { CliFailure } from './devices.ts';
import {
  EXIT,
  NODE_OPTIONS,
  Progress,
  UsageError,
  jsonText,
  nodeBase,
  nodeContext,
  nodeOptionsUsage,
  parseOptions,
  processIo,
  requestJson,
  runCommand,
  unreachable,
  type ClientIo,
} from './node-client.ts';

/** Usage text of `wattproof audit-index`. */
export const AUDIT_INDEX_USAGE = `usage: wattproof audit-index --log-key VKEY [--entries FILE] [options]
       wattproof audit-index export --out FILE [options]

Rebuilds the node's verifiable index from its log and checks every index epoch: the leaves
from the public entry bundles (checked against the checkpoint the log key signed), each
entry's kind, salt and bytes from an operator's export (checked against its leaf), filed as
the node files them; at each epoch entry the rebuilt map root must be the one it records.
Names the first divergence. 'export' (operator token) writes the export to FILE: every
private record up to the published tree size, one JSON line each.

  --log-key VKEY       the log's verifier key (origin+keyid+base64), the audit's trust anchor
  --entries FILE       the export to audit (default: read from the node, operator token)
  --out FILE           where 'export' writes
${nodeOptionsUsage('operator')}
exit status: 0 every epoch as recorded, 1 a divergence or a refused check, 2 usage error,
3 internal error
`;

const OPTIONS = {
  ...NODE_OPTIONS,
  'log-key': { type: 'string' },
  entries: { type: 'string' },
  out: { type: 'string' },
} as const;

/** The first line of an export file. */
const EXPORT_FORMAT = 'wattproof.entries/v1';
const TIMEOUT_MS = 60_000;

/** One exported entry, decoded. */
type Exported =
  | {
      index: number;
      kind: number;
      erased: false;
      salt: Uint8Array;
      bytes: Uint8Array;
      link?: Uint8Array;
    }
  | { index: number; kind: number; erased: true; indexKeys: Uint8Array[] };

/** A refused audit: exit status 1, with what failed. */
class AuditFailure extends CliFailure {}

function malformed(where: string, why: string): never {
  throw new AuditFailure(`the export is malformed at ${where}: ${why}`);
}

function b64(v: unknown, where: string, size?: number): Uint8Array {
  if (typeof v !== 'string') malformed(where, 'not a base64 string');
  let b: Uint8Array;
  try {
    b = fromBase64(v);
  } catch {
    malformed(where, 'not canonical base64');
  }
  if (size !== undefined && b.length !== size) malformed(where, `not ${size} bytes`);
  return b;
}

function decodeExported(v: unknown, where: string): Exported {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) malformed(where, 'not an object');
  const o = v as Record<string, unknown>;
  const index = o.index;
  const kind = o.kind;
  if (typeof index !== 'number' || !Number.isSafeInteger(index) || index < 0) {
    malformed(where, 'no leaf index');
  }
  if (typeof kind !== 'number' || !Number.isInteger(kind) || kind < 0 || kind > 255) {
    malformed(where, 'no entry kind');
  }
  if (o.erased === true) {
    const keys = o.indexKeys;
    if (!Array.isArray(keys) || keys.length > 64) malformed(where, 'indexKeys is not a short list');
    return {
      index,
      kind,
      erased: true,
      indexKeys: keys.map((k, i) => b64(k, `${where}.indexKeys[${i}]`)),
    };
  }
  return {
    index,
    kind,
    erased: false,
    salt: b64(o.salt, `${where}.salt`, 32),
    bytes: b64(o.bytes, `${where}.bytes`),
    ...(o.link === undefined ? {} : { link: b64(o.link, `${where}.link`, 40) }),
  };
}

async function fetchOk(url: string, base: string): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (e) {
    throw unreachable(base, e);
  }
  if (!res.ok) throw new AuditFailure(`GET ${url.slice(base.length)} answered ${res.status}`);
  return res;
}

/** The export, line by line from a file or page by page from the node. */
async function* exportedEntries(
  values: Record<string, unknown>,
  io: ClientIo,
): AsyncGenerator<Exported> {
  if (typeof values.entries === 'string') {
    const lines = createInterface({ input: createReadStream(values.entries), crlfDelay: Infinity });
    let n = 0;
    try {
      for await (const line of lines) {
        n++;
        if (line.trim() === '') continue;
        let v: unknown;
        try {
          v = JSON.parse(line);
        } catch {
          malformed(`line ${n}`, 'not JSON');
        }
        if (n === 1) {
          if ((v as { format?: unknown }).format !== EXPORT_FORMAT) {
            malformed('line 1', `not a ${EXPORT_FORMAT} header`);
          }
          continue;
        }
        yield decodeExported(v, `line ${n}`);
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new AuditFailure(`cannot read ${values.entries}: no such file`, EXIT.usage);
      }
      throw e;
    }
    return;
  }
  const ctx = await nodeContext(values, io, 'operator', AUDIT_INDEX_USAGE);
  let from: number | undefined = 0;
  while (from !== undefined) {
    const page = (await requestJson(ctx, 'GET', `/v1/export/entries?from=${from}`)) as {
      entries: unknown[];
      next?: number;
    };
    for (const [i, e] of page.entries.entries())
      yield decodeExported(e, `page ${from}, entry ${i}`);
    from = page.next;
  }
}

/** The log's leaves at its signed checkpoint, from the public entry bundles. */
async function signedLeaves(
  base: string,
  vkey: string,
  progress: Progress,
): Promise<{ origin: string; size: number; leaves: Uint8Array[] }> {
  const note = await (await fetchOk(`${base}/log/checkpoint`, base)).text();
  let cp;
  try {
    cp = parseCheckpoint(openNote(note, [parseVerifierKey(vkey)]).text);
  } catch (e) {
    throw new AuditFailure(
      `the node's checkpoint is not signed by --log-key: ${(e as Error).message}`,
    );
  }
  const leaves: Uint8Array[] = [];
  for (const ref of entryBundlesForSize(cp.size)) {
    const bytes = new Uint8Array(
      await (await fetchOk(`${base}/log/${tilePath(ref)}`, base)).arrayBuffer(),
    );
    leaves.push(...decodeEntryBundle(bytes, ref.width));
    progress.update(`leaves: ${leaves.length} of ${cp.size}`);
  }
  if (leaves.length !== cp.size) {
    throw new AuditFailure(
      `the entry bundles hold ${leaves.length} leaves, the checkpoint ${cp.size}`,
    );
  }
  const root = rootFromLeafHashes(leaves.map((l) => nodeHasher.leafHash(l)));
  if (!bytesEqual(root, cp.root)) {
    throw new AuditFailure('the entry bundles do not give the signed checkpoint root');
  }
  return { origin: cp.origin, size: cp.size, leaves };
}

/** The audit's outcome. */
interface AuditReport {
  readonly origin: string;
  readonly size: number;
  readonly epochs: number;
  readonly keys: number;
  readonly latest?: { epoch: number; logSize: number; mapRoot: string; index: number };
  readonly pending: number;
}

async function audit(values: Record<string, unknown>, io: ClientIo): Promise<AuditReport> {
  const vkey = values['log-key'];
  if (typeof vkey !== 'string') throw new UsageError('--log-key is required', AUDIT_INDEX_USAGE);
  try {
    parseVerifierKey(vkey);
  } catch {
    throw new UsageError('--log-key is not a signed-note verifier key', AUDIT_INDEX_USAGE);
  }
  const base = nodeBase(values, io.env, AUDIT_INDEX_USAGE);
  const progress = new Progress(io);
  const { origin, size, leaves } = await signedLeaves(base, vkey, progress);
  const map = new MapTree({ hasher: nodeMapHasher });
  const acc = new IndexAccumulator(nodeHasher, (k) => map.get(k));
  const replay = new IndexReplay({
    file: (index, keys) => acc.addKeys(index, keys),
    update: () => map.update(acc.takeChanged()),
  });
  let next = 0;
  let epochs = 0;
  try {
    for await (const e of exportedEntries(values, io)) {
      if (e.index >= size) break;
      if (e.index !== next) {
        throw new AuditFailure(`entry ${next}: missing from the export (it goes on at ${e.index})`);
      }
      next++;
      const leaf = leaves[e.index]!;
      if (e.erased) {
        if (decodeLeaf(leaf).kind !== e.kind) {
          throw new AuditFailure(`entry ${e.index}: the export's kind is not its leaf's`);
        }
        replay.entry(e.index, e.indexKeys);
      } else {
        const mine =
          isChainedKind(e.kind) && e.link !== undefined
            ? encodeChainedLeaf(e.kind as Kind, e.salt, e.link, e.bytes, nodeHasher)
            : encodeLeaf(e.kind as Kind, e.salt, e.bytes, nodeHasher);
        if (!bytesEqual(mine, leaf)) {
          throw new AuditFailure(
            `entry ${e.index}: its salt and bytes in the export do not give its leaf`,
          );
        }
        if (e.kind === EntryKind.indexEpoch) {
          replay.epoch(e.index, decodeIndexEpoch(e.bytes));
          epochs++;
        } else {
          const facts = indexFactsOf(e.kind, e.bytes, e.index);
          replay.entry(e.index, facts === undefined ? [] : indexKeysOf(facts, nodeHasher));
        }
      }
      if ((e.index & 1023) === 0)
        progress.update(`entries: ${e.index + 1} of ${size}, epochs: ${epochs}`);
    }
  } catch (err) {
    progress.clear();
    if (
      isWattproofError(err, 'EPOCH_ROOT_MISMATCH') ||
      isWattproofError(err, 'EPOCH_OUT_OF_ORDER')
    ) {
      throw new AuditFailure(`first divergence: ${err.message}`);
    }
    if (isWattproofError(err)) throw new AuditFailure(`${err.code}: ${err.message}`);
    throw err;
  }
  if (next < size) throw new AuditFailure(`entry ${next}: missing from the export (it ends there)`);
  const pending = replay.finish();
  progress.done(`entries: ${size} of ${size}, epochs: ${epochs}`);
  const l = replay.latest;
  return {
    origin,
    size,
    epochs,
    keys: map.size,
    pending,
    ...(l === undefined
      ? {}
      : {
          latest: { epoch: l.epoch, logSize: l.logSize, mapRoot: toHex(l.mapRoot), index: l.index },
        }),
  };
}

async function exportTo(values: Record<string, unknown>, io: ClientIo): Promise<number> {
  const out = values.out;
  if (typeof out !== 'string') throw new UsageError("'export' needs --out FILE", AUDIT_INDEX_USAGE);
  const ctx = await nodeContext(values, io, 'operator', AUDIT_INDEX_USAGE);
  const progress = new Progress(io);
  const lines: string[] = [];
  let from: number | undefined = 0;
  let size = 0;
  while (from !== undefined) {
    const page = (await requestJson(ctx, 'GET', `/v1/export/entries?from=${from}`)) as {
      size: number;
      entries: unknown[];
      next?: number;
    };
    size = page.size;
    for (const e of page.entries) lines.push(JSON.stringify(e));
    progress.update(`entries: ${lines.length} of ${size}`);
    from = page.next;
  }
  const header = JSON.stringify({ format: EXPORT_FORMAT, size });
  await writeFile(out, utf8(`${[header, ...lines].join('\n')}\n`), { mode: 0o600 });
  progress.done(`entries: ${lines.length} of ${size}`);
  io.stdout(
    `wrote ${lines.length} entries (log size ${size}) to ${out}; it holds personal data: hand it over as the readings themselves\n`,
  );
  return EXIT.ok;
}

async function auditIndex(argv: readonly string[], io: ClientIo): Promise<number> {
  const sub = argv[0] === 'export' ? 'export' : undefined;
  const { values, positionals } = parseOptions(
    sub ? argv.slice(1) : argv,
    OPTIONS,
    AUDIT_INDEX_USAGE,
    true,
  );
  if (values.help === true) {
    io.stdout(AUDIT_INDEX_USAGE);
    return EXIT.ok;
  }
  if (positionals.length > 0) {
    throw new UsageError(
      `unknown subcommand "${positionals[0]}": must be export (or none)`,
      AUDIT_INDEX_USAGE,
    );
  }
  if (sub === 'export') return exportTo(values, io);
  const r = await audit(values, io);
  if (values.json === true) {
    io.stdout(jsonText({ ok: true, ...r }));
    return EXIT.ok;
  }
  io.stdout(
    `OK index of log ${r.origin} at tree size ${r.size}: ${r.epochs} epoch${r.epochs === 1 ? '' : 's'}, every map root as recorded` +
      (r.latest === undefined
        ? '; no epoch in the log yet\n'
        : `\nlatest epoch ${r.latest.epoch} (entry ${r.latest.index}) at log size ${r.latest.logSize}, map root ${r.latest.mapRoot}, ${r.keys} keys\n`) +
      (r.pending > 0 ? `${r.pending} entries filed since, for the next epoch\n` : ''),
  );
  return EXIT.ok;
}

/** Runs `wattproof audit-index …`; resolves to the exit status. */
export async function runAuditIndex(
  argv: readonly string[],
  io: ClientIo = processIo(),
): Promise<number> {
  return runCommand('audit-index', io, () => auditIndex(argv, io));
}
