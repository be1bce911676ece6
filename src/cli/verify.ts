/**
 * `wattproof verify <bundle.json> --log-key VKEY [--witness VKEY ...] [--min-witnesses K]
 * [--tsa-cert FILE ...] [--evm-rpc URL] [--evm-chain-id N] [--evm-sender ADDR]
 * [--require-anchor TYPE ...] [--readings] [--json]`: checks an evidence bundle offline with the
 * pure core (docs/bundle.md §Verifying), its anchors with the kinds' verifiers
 * (anchors/verify.ts), and prints the verdict with the recomputed energy. Exit status 0 when
 * the bundle is valid, 1 when it is not, 2 for a usage error, 3 for an internal error (the
 * verifier itself failed: never read as "invalid").
 */
import { isAscii, isUtf8 } from 'node:buffer';
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
import {
  BUNDLE_CODE_WORDS,
  formatUtc,
  indexLines,
  verifyBundleAsync,
  type BundleSummary,
  type Verdict,
  type VerifiedReading,
} from '../core/bundle/index.ts';
import { BundleFileError, readBundleFile } from './bundle-file.ts';
import { nodeHasher, nodeMapHasher } from '../node-fast/index.ts';
import { opensslEd25519, withSignatureChecker } from '../node-fast/index.ts';
import { useFasterEd25519 } from '../core/ed25519.ts';
import { parseVerifierKey } from '../core/note/index.ts';

/** Exit status of a valid bundle, a refused one, a usage error and an internal error. */
export const EXIT = { valid: 0, invalid: 1, usage: 2, internal: 3 } as const;

/** The refusal's lines after `FAILED …`: the code in words and, for a timeline, both entries. */
export function refusalDetail(v: Extract<Verdict, { valid: false }>): string {
  const lines = [`  ${BUNDLE_CODE_WORDS[v.code]}`];
  const entries = v.error.evidence?.entries as
    | readonly {
        index: number;
        intervalStart: number;
        intervalEnd: number;
        registerMilliWh: number;
        energyMilliWh: number;
      }[]
    | undefined;
  if (Array.isArray(entries)) {
    const { meter, obis } = v.error.evidence as { meter: string; obis: string };
    lines.push(`  meter ${meter}, register ${obis}:`);
    for (const e of entries) {
      lines.push(
        `    entry ${e.index}: ${iso(e.intervalStart)} .. ${iso(e.intervalEnd)}, register ${e.registerMilliWh / 1000} Wh, energy ${e.energyMilliWh / 1000} Wh`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The JSON of a refusal (`--json`): code, entry, message, and the evidence when there is some. */
export function refusalJson(v: Extract<Verdict, { valid: false }>): Record<string, unknown> {
  return {
    valid: false,
    code: v.code,
    index: v.index ?? null,
    message: v.message,
    ...(v.error.evidence === undefined ? {} : { evidence: v.error.evidence }),
  };
}

/**
 * The bundle as the core reads it, decoded here when that gives the same result faster: valid
 * UTF-8 (checked by `buffer.isUtf8`, RFC 3629) as a string, decoded as the core's strict
 * decoder would (a BOM stays); anything else as the bytes, for the core to refuse.
 */
export function bundleText(bytes: Uint8Array): string | Uint8Array {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  // ASCII (all a bundle the node writes is) is the same text read as Latin-1, a plain copy.
  if (isAscii(buffer)) return buffer.toString('latin1');
  return isUtf8(buffer) ? buffer.toString('utf8') : bytes;
}

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

${TRUST_USAGE}  --readings           list every verified reading with its register channels
  --json               print the verdict as JSON
  -h, --help           this text

exit status: 0 valid, 1 invalid, 2 usage error, 3 internal error
`;

const OPTIONS = {
  ...TRUST_OPTIONS,
  readings: { type: 'boolean' },
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

/** UTC, minutes when the seconds are zero; any time a bundle can hold (up to 2^53 − 1 s). */
function iso(seconds: number): string {
  return formatUtc(seconds).replace(/:00Z$/, 'Z');
}

function readingLines(readings: readonly VerifiedReading[]): string {
  const lines = ['readings:'];
  for (const r of readings) {
    lines.push(
      `  entry ${r.index}  ${r.meterId}  sequence ${r.sequenceScope}${r.sequence}  ${r.trustMode} ${r.signerId}  ${iso(r.intervalStart)} .. ${iso(r.intervalEnd)}`,
    );
    if (r.channels.length === 0) lines.push('    no energy register read over an interval');
    for (const c of r.channels) {
      lines.push(
        `    ${c.obis}  ${iso(c.intervalStart)} .. ${iso(c.intervalEnd)}  register ${c.registerMilliWh / 1000} Wh  energy ${c.energyMilliWh / 1000} Wh`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

function readingJson(r: VerifiedReading): Record<string, unknown> {
  return {
    index: r.index,
    meter: r.meterId,
    signer: r.signerId,
    trustMode: r.trustMode,
    sequence: r.sequence,
    sequenceScope: r.sequenceScope,
    intervalStart: r.intervalStart,
    intervalEnd: r.intervalEnd,
    channels: r.channels,
  };
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

function human(
  v: Verdict,
  anchors: readonly AnchorCheck[],
  failure: AnchorPolicyFailure | undefined,
  withReadings: boolean,
): string {
  if (!v.valid) {
    const at = v.index === undefined ? '' : ` (entry ${v.index})`;
    return `FAILED ${v.code}${at}: ${v.message}\n${refusalDetail(v)}`;
  }
  const lines = anchors.map((c) => `${anchorLine(c)}\n`).join('');
  if (failure !== undefined) return `${lines}FAILED ${failure.code}: ${failure.message}\n`;
  const w = v.witnesses.length > 0 ? `, cosigned by ${v.witnesses.join(', ')}` : '';
  const readings = withReadings ? readingLines(v.readings) : '';
  return `OK bundle of log ${v.origin} at tree size ${v.treeSize}${w}\n${lines}${indexLines(v.index).join('\n')}\n${readings}${report(v.summary)}`;
}

function asJson(
  v: Verdict,
  anchors: readonly AnchorCheck[],
  failure: AnchorPolicyFailure | undefined,
  withReadings: boolean,
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
        ...(withReadings ? { readings: v.readings.map(readingJson) } : {}),
        summary: v.summary,
        anchors: anchors.map(anchorJson),
        index: v.index ?? null,
      }
    : refusalJson(v);
  return `${JSON.stringify(out, null, 2)}\n`;
}

function usage(io: VerifyIo, message: string): number {
  io.stderr(`wattproof verify: ${message}\n\n${VERIFY_USAGE}`);
  return EXIT.usage;
}

/**
 * Reports an internal error (the verifier, a signature worker or the output failed, not the
 * bundle) on `stderr`; resolves to {@link EXIT}.internal, never the "invalid" status.
 */
export function internalError(command: string, io: Pick<VerifyIo, 'stderr'>, e: unknown): number {
  const why = e instanceof Error ? (e.stack ?? e.message) : String(e);
  try {
    io.stderr(`wattproof ${command}: internal error (not a verdict on the bundle): ${why}\n`);
  } catch {
    // Nowhere left to report it: the exit status still says what happened.
  }
  return EXIT.internal;
}

/**
 * Reads `path` (JSON or gzipped JSON) and checks it under the trust options: the core's checks
 * with reading signatures on `node:crypto` worker threads for long bundles, then each anchor's
 * own verifier and `--require-anchor`. Resolves to a usage message for bad options or an
 * unreadable file; rejects only when something other than the bundle failed (a signature
 * worker, an anchor verifier): the caller's internal error.
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
    if (!(e instanceof BundleFileError)) throw e;
    return `cannot read ${path}: ${e.message}`;
  }
  const progress = io.progress;
  const input = bundleText(bytes);
  // The checkpoint, cosignature and registry signatures through OpenSSL too (same verdicts).
  useFasterEd25519(opensslEd25519);
  const verdict = await withSignatureChecker(
    (check) =>
      verifyBundleAsync(input, { logVkey, witnessVkeys, minWitnesses: Number(minText) }, check, {
        hasher: nodeHasher,
        mapHasher: nodeMapHasher,
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

/**
 * Runs `wattproof verify` with `argv` (after the command name); resolves to the exit status
 * ({@link EXIT}): an unexpected error is reported as internal (3), never as "invalid".
 */
export async function runVerify(
  argv: readonly string[],
  io: VerifyIo = defaultIo,
): Promise<number> {
  try {
    return await verifyCommand(argv, io);
  } catch (e) {
    return internalError('verify', io, e);
  }
}

async function verifyCommand(argv: readonly string[], io: VerifyIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    return usage(io, (e as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help === true) {
    io.stdout(VERIFY_USAGE);
    return EXIT.valid;
  }
  if (positionals.length !== 1) return usage(io, 'give exactly one bundle file');
  const checked = await checkBundleFile(positionals[0]!, values, io);
  if (typeof checked === 'string') return usage(io, checked);
  const { verdict, anchors, failure } = checked;
  const withReadings = values.readings === true;
  io.stdout(
    values.json === true
      ? asJson(verdict, anchors, failure, withReadings)
      : human(verdict, anchors, failure, withReadings),
  );
  return exitOf(verdict, failure);
}

/** The exit status of a checked bundle: a failure of the verifier itself is internal. */
export function exitOf(verdict: Verdict, failure: AnchorPolicyFailure | undefined): number {
  if (!verdict.valid) return verdict.code === 'VERIFIER_ERROR' ? EXIT.internal : EXIT.invalid;
  return failure === undefined ? EXIT.valid : EXIT.invalid;
}
