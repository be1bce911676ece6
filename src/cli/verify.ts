/**
 * `wattproof verify <bundle.json> --log-key VKEY [--witness VKEY ...] [--min-witnesses K]
 * [--tsa-cert FILE ...] [--evm-rpc URL] [--evm-chain-id N] [--evm-sender ADDR]
 * [--require-anchor TYPE ...] [--json]`: checks an evidence bundle offline with the pure core
 * (docs/bundle.md §Verifying), its anchors with the kinds' verifiers (anchors/verify.ts), and
 * prints the verdict with the recomputed energy. Exit status 0 when the bundle is valid,
 * 1 when it is not, 2 for a usage error.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { AnchorVerifier } from '../../anchors/anchor.ts';
import {
  anchorJson,
  anchorLine,
  anchorsFailure,
  anchorVerifiers,
  verifyAnchors,
  type AnchorCheck,
  type AnchorPolicyFailure,
} from '../../anchors/verify.ts';
import { verifyBundleAsync, type BundleSummary, type Verdict } from '../core/bundle/index.ts';
import { readBundleFile } from './bundle-file.ts';
import { fastSha256 } from '../log/node-hashes.ts';
import { withSignatureChecker } from './signature-checker.ts';
import { parseVerifierKey } from '../core/note/index.ts';

/** From this bundle size on (about 1,000 readings), signature workers start before parsing. */
const EAGER_POOL_BYTES = 512 * 1024;

/** Where `wattproof verify` writes (tests pass their own). */
export interface VerifyIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Hears signature-check progress on long bundles (the CLI draws it on a TTY). */
  readonly progress?: (done: number, total: number) => void;
}

/** The trust options `verify` and `certify` share (parseArgs specs). */
export const TRUST_OPTIONS = {
  'log-key': { type: 'string' },
  witness: { type: 'string', multiple: true },
  'min-witnesses': { type: 'string' },
  'tsa-cert': { type: 'string', multiple: true },
  'evm-rpc': { type: 'string' },
  'evm-chain-id': { type: 'string' },
  'evm-sender': { type: 'string' },
  'require-anchor': { type: 'string', multiple: true },
} as const;

/** Their usage lines. */
export const TRUST_USAGE = `  --log-key VKEY       the log's verifier key (origin+keyid+base64), the only key trusted
  --witness VKEY       a trusted witness cosigner key; repeat for several
  --min-witnesses K    how many trusted witnesses must have cosigned (default 0)
  --tsa-cert FILE      a trusted TSA or TSA CA certificate (PEM or DER) to check rfc3161
                       anchors with; repeat for several
  --evm-rpc URL        JSON-RPC endpoint to find evm anchors on (offline checks without it)
  --evm-chain-id N     accept evm anchors of this chain only
  --evm-sender ADDR    accept evm anchors sent by this account only
  --require-anchor T   fail unless an anchor of type T (rfc3161, evm) verified; repeatable
`;

/** The values of {@link TRUST_OPTIONS} as parseArgs gives them. */
export interface TrustValues {
  readonly 'log-key'?: string;
  readonly witness?: string[];
  readonly 'min-witnesses'?: string;
  readonly 'tsa-cert'?: string[];
  readonly 'evm-rpc'?: string;
  readonly 'evm-chain-id'?: string;
  readonly 'evm-sender'?: string;
  readonly 'require-anchor'?: string[];
}

/** A bundle file checked under the trust options. */
export interface CheckedBundle {
  readonly bytes: Uint8Array;
  readonly verdict: Verdict;
  /** The anchors' own checks (empty when the verdict is invalid). */
  readonly anchors: readonly AnchorCheck[];
  /** Why the anchors fail the verdict, if they do. */
  readonly failure: AnchorPolicyFailure | undefined;
}

/** Usage text of `wattproof verify`. */
export const VERIFY_USAGE = `usage: wattproof verify <bundle.json | bundle.json.gz> --log-key VKEY [options]

${TRUST_USAGE}  --json               print the verdict as JSON
  -h, --help           this text

exit status: 0 valid, 1 invalid, 2 usage error
`;

const OPTIONS = {
  ...TRUST_OPTIONS,
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const defaultIo: VerifyIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  progress: (done, total) => {
    if (!process.stderr.isTTY) return;
    process.stderr.write(done < total ? `\rchecking signatures: ${done}/${total}` : '\r\u001b[K');
  },
};

function iso(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(':00.000Z', 'Z');
}

function report(summary: BundleSummary): string {
  const lines: string[] = [];
  for (const m of summary.meters) {
    lines.push(
      `meter ${m.meter}: ${m.readings} readings (device ${m.trust.device}, platform ${m.trust.platform}), import ${m.importWh} Wh, export ${m.exportWh} Wh`,
    );
    for (const h of m.hours) {
      lines.push(`  ${iso(h.start)}  import ${h.importWh} Wh  export ${h.exportWh} Wh`);
    }
    for (const g of m.sequenceGaps) {
      lines.push(`  gap: sequence ${g.scope}${g.from}..${g.scope}${g.to} missing`);
    }
    for (const g of m.intervalGaps)
      lines.push(`  gap: no reading for ${iso(g.from)} .. ${iso(g.to)}`);
    if (m.longIntervalReadings > 0) {
      lines.push(`  ${m.longIntervalReadings} readings longer than an hour: in totals only`);
    }
  }
  const t = summary.totals;
  lines.push(
    `total: ${t.readings} readings, import ${t.importWh} Wh, export ${t.exportWh} Wh, erased ${t.erased}`,
  );
  return `${lines.join('\n')}\n`;
}

function human(v: Verdict, anchors: readonly AnchorCheck[], failure?: AnchorPolicyFailure): string {
  if (!v.valid) {
    const at = v.index === undefined ? '' : ` (entry ${v.index})`;
    return `FAILED ${v.code}${at}: ${v.message}\n`;
  }
  const lines = anchors.map((c) => `${anchorLine(c)}\n`).join('');
  if (failure !== undefined) return `${lines}FAILED ${failure.code}: ${failure.message}\n`;
  const w = v.witnesses.length > 0 ? `, cosigned by ${v.witnesses.join(', ')}` : '';
  return `OK bundle of log ${v.origin} at tree size ${v.treeSize}${w}\n${lines}${report(v.summary)}`;
}

function asJson(
  v: Verdict,
  anchors: readonly AnchorCheck[],
  failure?: AnchorPolicyFailure,
): string {
  if (failure !== undefined) {
    const out = { valid: false, code: failure.code, index: null, message: failure.message };
    return `${JSON.stringify({ ...out, anchors: anchors.map(anchorJson) }, null, 2)}\n`;
  }
  const out = v.valid
    ? {
        valid: true,
        origin: v.origin,
        treeSize: v.treeSize,
        root: v.root,
        witnesses: v.witnesses,
        erased: v.erased,
        summary: v.summary,
        anchors: anchors.map(anchorJson),
      }
    : { valid: false, code: v.code, index: v.index ?? null, message: v.message };
  return `${JSON.stringify(out, null, 2)}\n`;
}

function usage(io: VerifyIo, message: string): number {
  io.stderr(`wattproof verify: ${message}\n\n${VERIFY_USAGE}`);
  return 2;
}

/**
 * Reads `path` (JSON or gzipped JSON) and checks it under the trust options: the core's checks
 * with reading signatures on `node:crypto` worker threads for long bundles, then each anchor's
 * own verifier and `--require-anchor`. Resolves to a usage message for bad options or an
 * unreadable file.
 */
export async function checkBundleFile(
  path: string,
  values: TrustValues,
  io: Pick<VerifyIo, 'progress'> = {},
): Promise<CheckedBundle | string> {
  const logVkey = values['log-key'];
  if (logVkey === undefined) return '--log-key is required';
  const witnessVkeys = values.witness ?? [];
  for (const k of [logVkey, ...witnessVkeys]) {
    try {
      parseVerifierKey(k);
    } catch (e) {
      return `not a verifier key: ${k} (${(e as Error).message})`;
    }
  }
  const minText = values['min-witnesses'] ?? '0';
  if (!/^(0|[1-9][0-9]{0,5})$/.test(minText)) {
    return '--min-witnesses must be a non-negative integer';
  }
  const chainId = values['evm-chain-id'];
  if (chainId !== undefined && !/^[1-9][0-9]{0,14}$/.test(chainId)) {
    return '--evm-chain-id must be a positive integer';
  }
  let anchorCheckers: AnchorVerifier[];
  try {
    const certs = values['tsa-cert'] ?? [];
    anchorCheckers = await anchorVerifiers({
      tsaCertificates: await Promise.all(certs.map(async (f) => new Uint8Array(await readFile(f)))),
      ...(values['evm-rpc'] !== undefined ? { evmRpcUrl: values['evm-rpc'] } : {}),
      ...(chainId !== undefined ? { evmChainId: Number(chainId) } : {}),
      ...(values['evm-sender'] !== undefined ? { evmSender: values['evm-sender'] } : {}),
    });
  } catch (e) {
    return `cannot check anchors: ${(e as Error).message}`;
  }
  let bytes: Uint8Array;
  try {
    bytes = await readBundleFile(path);
  } catch (e) {
    return `cannot read ${path}: ${(e as Error).message}`;
  }
  const progress = io.progress;
  const verdict = await withSignatureChecker(
    (check) =>
      verifyBundleAsync(bytes, { logVkey, witnessVkeys, minWitnesses: Number(minText) }, check, {
        sha256: fastSha256,
      }),
    {
      eager: bytes.length >= EAGER_POOL_BYTES,
      onProgress: progress === undefined ? undefined : (done, total) => progress(done, total),
    },
  );
  // The core tied each anchor to the checkpoint; the kinds' verifiers check the records.
  const anchors = verdict.valid ? await verifyAnchors(verdict.anchors ?? [], anchorCheckers) : [];
  const failure = verdict.valid
    ? anchorsFailure(anchors, values['require-anchor'] ?? [])
    : undefined;
  return { bytes, verdict, anchors, failure };
}

/** Runs `wattproof verify` with `argv` (after the command name); resolves to the exit status. */
export async function runVerify(
  argv: readonly string[],
  io: VerifyIo = defaultIo,
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    return usage(io, (e as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help === true) {
    io.stdout(VERIFY_USAGE);
    return 0;
  }
  if (positionals.length !== 1) return usage(io, 'give exactly one bundle file');
  const checked = await checkBundleFile(positionals[0]!, values, io);
  if (typeof checked === 'string') return usage(io, checked);
  const { verdict, anchors, failure } = checked;
  io.stdout(
    values.json === true ? asJson(verdict, anchors, failure) : human(verdict, anchors, failure),
  );
  return verdict.valid && failure === undefined ? 0 : 1;
}
