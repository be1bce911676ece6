/**
 * `wattproof certify <bundle.json | .json.gz> --log-key VKEY [--witness VKEY ...]
 * [--min-witnesses K] [--emission-factor G_PER_KWH] [--carry-in [METER=]WH ...] [--json]
 * [--out FILE]`: verifies an evidence bundle as `wattproof verify` does and, only when it is
 * valid, derives the hourly granular certificate records, Guarantee-of-Origin units and Scope 2
 * footprint from it (docs/certify.md). Exit status 0 certified, 1 bundle refused, 2 usage error,
 * 3 internal error (never read as "refused").
 */
import { rename, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import {
  bundleSha256,
  certify,
  CertifyError,
  parseEmissionFactor,
  type Certification,
} from '../core/certify/index.ts';
import {
  checkBundleFile,
  EXIT,
  exitOf,
  internalError,
  refusalDetail,
  refusalJson,
  TRUST_OPTIONS,
  TRUST_USAGE,
} from './verify.ts';

/** Where `wattproof certify` writes (tests pass their own). */
export interface CertifyIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/** Usage text of `wattproof certify`. */
export const CERTIFY_USAGE = `usage: wattproof certify <bundle.json | bundle.json.gz> --log-key VKEY [options]

Verifies the bundle (as 'wattproof verify' does), then derives from the verified readings:
hourly granular certificate records (EnergyTag), Guarantee-of-Origin units (1 MWh) and,
with --emission-factor, a Scope 2 location-based footprint. A refused bundle gives nothing.
Every output carries the SHA-256 of the bundle JSON bytes (of the JSON inside a .gz file).

${TRUST_USAGE}  --emission-factor G  grid-average emission factor, g CO2e per kWh (decimal, e.g. 231.5)
  --carry-in [METER=]WH
                       Wh carried from the previous GO period (below 1000000); without
                       METER= only for a bundle of one meter; repeat for several meters
  --json               print the certification as JSON
  --out FILE           write the output to FILE instead of standard output
  -h, --help           this text

exit status: 0 certified, 1 bundle refused, 2 usage error, 3 internal error
`;

const OPTIONS = {
  ...TRUST_OPTIONS,
  'emission-factor': { type: 'string' },
  'carry-in': { type: 'string', multiple: true },
  json: { type: 'boolean' },
  out: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const defaultIo: CertifyIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
};

class UsageError extends Error {}

function usage(io: CertifyIo, message: string): number {
  io.stderr(`wattproof certify: ${message}\n\n${CERTIFY_USAGE}`);
  return EXIT.usage;
}

/** `[METER=]WH` arguments; a bare WH stands for the only meter, resolved once it is known. */
function parseCarryIn(args: readonly string[]): { meter: string | undefined; wh: number }[] {
  return args.map((a) => {
    const m = /^(?:(.+)=)?(0|[1-9][0-9]{0,5})$/.exec(a);
    if (m === null) throw new UsageError(`--carry-in ${a}: give [METER=]WH, WH below 1000000`);
    return { meter: m[1], wh: Number(m[2]) };
  });
}

function hhmm(rfc3339: string): string {
  return rfc3339.replace(':00Z', 'Z');
}

function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => `  ${r.map((c, i) => c.padEnd(widths[i]!)).join('  ')}`.trimEnd());
}

function human(c: Certification): string {
  const lines = [
    `OK bundle of log ${c.log.origin} at tree size ${c.log.treeSize}${c.log.witnesses.length > 0 ? `, cosigned by ${c.log.witnesses.join(', ')}` : ''}`,
    `evidence sha256 ${c.evidenceSha256}`,
    `period ${hhmm(c.period.start)} .. ${hhmm(c.period.end)}`,
    '',
    `granular certificate records (EnergyTag; 1 h, whole Wh rounded down): ${c.granularCertificates.length}`,
  ];
  if (c.granularCertificates.length > 0) {
    lines.push(
      ...table([
        ['device', 'direction', 'start', 'end', 'Wh', 'trust', 'readings'],
        ...c.granularCertificates.map((g) => [
          g.deviceId,
          g.direction,
          hhmm(g.productionStartingInterval),
          hhmm(g.productionEndingInterval),
          String(g.bundleQuantity),
          g.trustModes.join('+'),
          String(g.entries.length),
        ]),
      ]),
    );
  }
  for (const x of c.excluded) {
    const of =
      x.deviceId === null ? '' : ` (${x.deviceId}${x.register === null ? '' : ` ${x.register}`})`;
    lines.push(`  not certified: entry ${x.entry}${of}: ${x.reason}, ${x.detail}`);
  }
  lines.push('', 'guarantees of origin (1 MWh each):');
  lines.push(
    ...table([
      ['device', 'production Wh', 'carry-in Wh', 'units', 'carry-out Wh'],
      ...c.guaranteesOfOrigin.map((g) => [
        g.deviceId,
        String(g.productionWh),
        String(g.carryInWh),
        String(g.units),
        String(g.carryOutWh),
      ]),
    ]),
  );
  if (c.scope2 !== null) {
    const s = c.scope2;
    lines.push('', `scope 2, location-based, ${s.emissionFactorGPerKWh} g CO2e/kWh:`);
    lines.push(
      ...table([
        ['device', 'consumption Wh', 'g CO2e (exact)', 'g CO2e (rounded up)'],
        ...s.meters.map((m) => [m.deviceId, m.consumptionWh, m.co2eG, String(m.co2eGRoundedUp)]),
        ['total', s.total.consumptionWh, s.total.co2eG, String(s.total.co2eGRoundedUp)],
      ]),
    );
  }
  return `${lines.join('\n')}\n`;
}

async function writeAtomically(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, file);
}

/**
 * Runs `wattproof certify` with `argv` (after the command name); resolves to the exit status
 * (0 certified, 1 refused, 2 usage, 3 internal: an unexpected error is never read as refused).
 */
export async function runCertify(
  argv: readonly string[],
  io: CertifyIo = defaultIo,
): Promise<number> {
  try {
    return await certifyCommand(argv, io);
  } catch (e) {
    return internalError('certify', io, e);
  }
}

async function certifyCommand(argv: readonly string[], io: CertifyIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    return usage(io, (e as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help === true) {
    io.stdout(CERTIFY_USAGE);
    return EXIT.valid;
  }
  if (positionals.length !== 1) return usage(io, 'give exactly one bundle file');
  const factor = values['emission-factor'];
  let carries;
  try {
    if (factor !== undefined) parseEmissionFactor(factor);
    carries = parseCarryIn(values['carry-in'] ?? []);
  } catch (e) {
    if (e instanceof UsageError || e instanceof CertifyError) return usage(io, e.message);
    throw e;
  }

  // The same checks as `wattproof verify` (trust options, anchors, reading signatures on
  // node:crypto worker threads for long bundles); the figures then come from the pure core.
  const checked = await checkBundleFile(positionals[0]!, values);
  if (typeof checked === 'string') return usage(io, checked);
  const { bytes, verdict, failure } = checked;
  if (verdict.valid && failure !== undefined) {
    io.stdout(
      values.json === true
        ? `${JSON.stringify({ valid: false, code: failure.code, index: null, message: failure.message }, null, 2)}\n`
        : `FAILED ${failure.code}: ${failure.message}\nno certificates: the bundle was refused\n`,
    );
    return EXIT.invalid;
  }
  if (!verdict.valid) {
    const at = verdict.index === undefined ? '' : ` (entry ${verdict.index})`;
    io.stdout(
      values.json === true
        ? `${JSON.stringify(refusalJson(verdict), null, 2)}\n`
        : `FAILED ${verdict.code}${at}: ${verdict.message}\n${refusalDetail(verdict)}no certificates: the bundle was refused\n`,
    );
    return exitOf(verdict, undefined);
  }

  const meters = verdict.summary.meters.map((m) => m.meter);
  const carryInWh = new Map<string, number>();
  for (const c of carries) {
    if (c.meter === undefined && meters.length !== 1) {
      return usage(io, `the bundle covers ${meters.length} meters: give --carry-in METER=WH`);
    }
    const meter = c.meter ?? meters[0]!;
    if (carryInWh.has(meter)) return usage(io, `--carry-in given twice for ${meter}`);
    carryInWh.set(meter, c.wh);
  }
  let certification: Certification;
  try {
    certification = certify(verdict, {
      evidenceSha256: bundleSha256(bytes),
      // fromEntries makes own properties, even of a meter named like an Object method.
      carryInWh: Object.fromEntries(carryInWh),
      ...(factor === undefined ? {} : { emissionFactorGPerKWh: factor }),
    });
  } catch (e) {
    // A carry-in or a factor that gives a figure beyond 2^53 − 1 is the caller's; anything
    // else on a verified bundle (the verifier and certify disagreeing) is internal.
    if (e instanceof CertifyError && (e.code === 'BAD_CARRY_IN' || e.code === 'FIGURE_TOO_LARGE')) {
      return usage(io, e.message);
    }
    throw e;
  }
  const text =
    values.json === true ? `${JSON.stringify(certification, null, 2)}\n` : human(certification);
  if (values.out === undefined) {
    io.stdout(text);
  } else {
    try {
      await writeAtomically(values.out, text);
    } catch (e) {
      return usage(io, `cannot write ${values.out}: ${(e as Error).message}`);
    }
    io.stdout(
      `wrote ${values.out}: ${certification.granularCertificates.length} hourly records, ` +
        `${certification.guaranteesOfOrigin.reduce((n, g) => n + g.units, 0)} GO units\n`,
    );
  }
  return EXIT.valid;
}
