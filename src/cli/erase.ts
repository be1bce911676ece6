/**
 * `wattproof erase --meter M --from T --to T [--reason TEXT] [--yes]`: a right-to-erasure
 * request (GDPR Art. 17; docs/operations.md §Erasure) through `POST /v1/erasures`, operator
 * token. It cannot be undone, so it asks for confirmation on a terminal, and refuses to run
 * unattended (standard input not a terminal) without `--yes`.
 */
import type { ErasureJson } from '../api/index.ts';
import { MAX_ERASURE_REASON } from '../api/index.ts';
import { CliFailure } from './devices.ts';
import {
  EXIT,
  EXIT_USAGE,
  NODE_OPTIONS,
  UsageError,
  iso,
  jsonText,
  meterId,
  nodeContext,
  nodeOptionsUsage,
  parseOptions,
  periodArguments,
  processIo,
  required,
  requestJson,
  runCommand,
  type ClientIo,
} from './node-client.ts';

/** Usage text of `wattproof erase`. */
export const ERASE_USAGE = `usage: wattproof erase --meter M --from TIME --to TIME [--reason TEXT] [--yes] [options]

Erases the meter's readings with interval start in [from, to): their bytes and salts are
deleted for good; the public log, its checkpoints and proofs stay as they are, and bundles
list the readings as erased. The request is kept as an audit record.
TIME is Unix seconds or ISO 8601 (2026-11-30, 2026-11-30T12:00Z, 2026-11-30T12:00+01:00).

  --meter M            the meter id
  --from TIME          first interval start (inclusive)
  --to TIME            end of the period (exclusive)
  --reason TEXT        why (a ticket or case reference, 1-${MAX_ERASURE_REASON} characters), kept in the audit record
  --yes                do not ask; required when standard input is not a terminal
${nodeOptionsUsage('operator')}
${EXIT_USAGE}`;

const OPTIONS = {
  ...NODE_OPTIONS,
  meter: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  reason: { type: 'string' },
  yes: { type: 'boolean', short: 'y' },
} as const;

async function erase(argv: readonly string[], io: ClientIo): Promise<number> {
  const { values } = parseOptions(argv, OPTIONS, ERASE_USAGE);
  if (values.help === true) {
    io.stdout(ERASE_USAGE);
    return EXIT.ok;
  }
  const meter = meterId('meter', required(values, 'meter', ERASE_USAGE), ERASE_USAGE);
  const { from, to } = periodArguments(values, ERASE_USAGE);
  const reason = typeof values.reason === 'string' ? values.reason : undefined;
  if (reason !== undefined && (reason === '' || [...reason].length > MAX_ERASURE_REASON)) {
    throw new UsageError(
      `--reason must be 1 to ${MAX_ERASURE_REASON} characters, got ${[...reason].length}`,
      ERASE_USAGE,
    );
  }
  const what = `the readings of meter ${meter} with interval start in [${iso(from)}, ${iso(to)})`;
  if (values.yes !== true) {
    if (io.stdinIsTTY !== true || io.ask === undefined) {
      throw new UsageError(
        `refusing to erase ${what} without --yes: standard input is not a terminal to confirm on`,
        ERASE_USAGE,
      );
    }
    const answer = await io.ask(
      `Erase ${what}?\nTheir bytes and salts are deleted for good. Type "yes" to erase: `,
    );
    if (answer.trim().toLowerCase() !== 'yes') throw new CliFailure('nothing was erased');
  }
  const ctx = await nodeContext(values, io, 'operator', ERASE_USAGE);
  const r = (await requestJson(ctx, 'POST', '/v1/erasures', {
    meterId: meter,
    from,
    to,
    ...(reason === undefined ? {} : { reason }),
  })) as ErasureJson;
  io.stdout(
    values.json === true
      ? jsonText(r)
      : `erased ${r.erased} readings of meter ${r.meterId} in [${iso(r.from)}, ${iso(r.to)})` +
          (r.matched === r.erased
            ? ''
            : ` (${r.matched - r.erased} of the ${r.matched} there were erased before)`) +
          `\n  audit record ${r.id} at ${r.erasedAt}, asked by token ${r.requestedBy.tokenId} (${r.requestedBy.label})` +
          (r.reason === undefined ? '' : `, reason: ${r.reason}`) +
          '\n',
  );
  return EXIT.ok;
}

/**
 * Runs `wattproof erase …` with `argv` (after `erase`). Resolves to the exit status
 * (node-client.ts `EXIT`): 0 erased, 1 refused or failed (or not confirmed), 2 usage error
 * (also: no `--yes` without a terminal), 3 internal error.
 */
export async function runErase(
  argv: readonly string[],
  io: ClientIo = processIo(),
): Promise<number> {
  return runCommand('erase', io, () => erase(argv, io));
}
