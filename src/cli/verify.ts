/**
 * `wattproof verify <bundle.json> --log-key VKEY [--witness VKEY ...] [--min-witnesses K]
 * [--json]`: checks an evidence bundle offline with the pure core (docs/bundle.md §Verifying)
 * and prints the verdict with the recomputed energy. Exit status 0 when the bundle is valid,
 * 1 when it is not, 2 for a usage error.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { verifyBundle, type BundleSummary, type Verdict } from '../core/bundle/index.ts';
import { parseVerifierKey } from '../core/note/index.ts';

/** Where `wattproof verify` writes (tests pass their own). */
export interface VerifyIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/** Usage text of `wattproof verify`. */
export const VERIFY_USAGE = `usage: wattproof verify <bundle.json> --log-key VKEY [options]

  --log-key VKEY       the log's verifier key (origin+keyid+base64), the only key trusted
  --witness VKEY       a trusted witness cosigner key; repeat for several
  --min-witnesses K    how many trusted witnesses must have cosigned (default 0)
  --json               print the verdict as JSON
  -h, --help           this text

exit status: 0 valid, 1 invalid, 2 usage error
`;

const OPTIONS = {
  'log-key': { type: 'string' },
  witness: { type: 'string', multiple: true },
  'min-witnesses': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const defaultIo: VerifyIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
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

function human(v: Verdict): string {
  if (!v.valid) {
    const at = v.index === undefined ? '' : ` (entry ${v.index})`;
    return `FAILED ${v.code}${at}: ${v.message}\n`;
  }
  const w = v.witnesses.length > 0 ? `, cosigned by ${v.witnesses.join(', ')}` : '';
  return `OK bundle of log ${v.origin} at tree size ${v.treeSize}${w}\n${report(v.summary)}`;
}

function asJson(v: Verdict): string {
  const out = v.valid
    ? {
        valid: true,
        origin: v.origin,
        treeSize: v.treeSize,
        root: v.root,
        witnesses: v.witnesses,
        erased: v.erased,
        summary: v.summary,
      }
    : { valid: false, code: v.code, index: v.index ?? null, message: v.message };
  return `${JSON.stringify(out, null, 2)}\n`;
}

function usage(io: VerifyIo, message: string): number {
  io.stderr(`wattproof verify: ${message}\n\n${VERIFY_USAGE}`);
  return 2;
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
  const logVkey = values['log-key'];
  if (logVkey === undefined) return usage(io, '--log-key is required');
  const witnessVkeys = values.witness ?? [];
  for (const k of [logVkey, ...witnessVkeys]) {
    try {
      parseVerifierKey(k);
    } catch (e) {
      return usage(io, `not a verifier key: ${k} (${(e as Error).message})`);
    }
  }
  const minText = values['min-witnesses'] ?? '0';
  if (!/^(0|[1-9][0-9]{0,5})$/.test(minText)) {
    return usage(io, '--min-witnesses must be a non-negative integer');
  }
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(positionals[0]!));
  } catch (e) {
    return usage(io, `cannot read ${positionals[0]}: ${(e as Error).message}`);
  }
  const verdict = verifyBundle(bytes, {
    logVkey,
    witnessVkeys,
    minWitnesses: Number(minText),
  });
  io.stdout(values.json === true ? asJson(verdict) : human(verdict));
  return verdict.valid ? 0 : 1;
}
