/**
 * `wattproof readings --meter M --from T --to T [--limit N] [--json]`: an issuer's view of a
 * meter's readings over a period, through `GET /v1/meters/<m>/readings` (docs/api.md),
 * following its `next` cursor to the last page with a count on standard error. The table
 * shows each reading's leaf index, interval, sequence, register channels (OBIS, register and
 * energy in Wh) and trust mode; an erased reading shows when it was erased.
 */
import type { ErasedReadingJson, ReadingJson } from '../api/index.ts';
import {
  EXIT,
  EXIT_USAGE,
  NODE_OPTIONS,
  Progress,
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
  table,
  wholeNumber,
  type ClientIo,
} from './node-client.ts';

/** Most readings the node sends on one page (`MAX_READINGS_PAGE` of the route). */
const PAGE = 1000;

/** Usage text of `wattproof readings`. */
export const READINGS_USAGE = `usage: wattproof readings --meter M --from TIME --to TIME [options]

Lists the meter's readings with interval start in [from, to), every page to the last.
TIME is Unix seconds or ISO 8601 (2026-11-30, 2026-11-30T12:00Z, 2026-11-30T12:00+01:00).

  --meter M            the meter id
  --from TIME          first interval start (inclusive)
  --to TIME            end of the period (exclusive)
  --limit N            stop after N readings (default: all)
  --page-size N        readings asked for in one request, 1-${PAGE} (default ${PAGE})
${nodeOptionsUsage('issuer')}
${EXIT_USAGE}`;

const OPTIONS = {
  ...NODE_OPTIONS,
  meter: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  limit: { type: 'string' },
  'page-size': { type: 'string' },
} as const;

type Listed = ReadingJson | ErasedReadingJson;

interface Page {
  meterId: string;
  from: number;
  to: number;
  readings: Listed[];
  next?: string;
}

function wh(milliWh: number): string {
  return `${milliWh / 1000} Wh`;
}

function readingsTable(readings: readonly Listed[]): string {
  if (readings.length === 0) return 'no readings in the period\n';
  return table([
    ['INDEX', 'INTERVAL', 'SEQUENCE', 'TRUST', 'CHANNELS'],
    ...readings.map((r) =>
      r.erased
        ? [String(r.index), `${iso(r.intervalStart)} ..`, '-', '-', `erased ${r.erasedAt}`]
        : [
            String(r.index),
            `${iso(r.intervalStart)} .. ${iso(r.intervalEnd)}`,
            String(r.sequence),
            r.trustMode,
            r.channels.length === 0
              ? 'no energy register read over an interval'
              : r.channels
                  .map(
                    (c) =>
                      `${c.obis} register ${wh(c.registerMilliWh)} energy ${wh(c.energyMilliWh)}`,
                  )
                  .join('; '),
          ],
    ),
  ]);
}

async function readings(argv: readonly string[], io: ClientIo): Promise<number> {
  const { values } = parseOptions(argv, OPTIONS, READINGS_USAGE);
  if (values.help === true) {
    io.stdout(READINGS_USAGE);
    return EXIT.ok;
  }
  const meter = meterId('meter', required(values, 'meter', READINGS_USAGE), READINGS_USAGE);
  const { from, to } = periodArguments(values, READINGS_USAGE);
  const limit =
    typeof values.limit === 'string'
      ? wholeNumber('limit', values.limit, 1, Number.MAX_SAFE_INTEGER, READINGS_USAGE)
      : Infinity;
  const pageSize =
    typeof values['page-size'] === 'string'
      ? wholeNumber('page-size', values['page-size'], 1, PAGE, READINGS_USAGE)
      : PAGE;
  const ctx = await nodeContext(values, io, 'issuer', READINGS_USAGE);

  const progress = new Progress(io);
  const all: Listed[] = [];
  let cursor: string | undefined;
  let pages = 0;
  try {
    do {
      const q = new URLSearchParams({
        from: String(from),
        to: String(to),
        limit: String(Math.min(pageSize, limit - all.length)),
      });
      if (cursor !== undefined) q.set('cursor', cursor);
      const page = (await requestJson(
        ctx,
        'GET',
        `/v1/meters/${encodeURIComponent(meter)}/readings?${q}`,
      )) as Page;
      pages++;
      all.push(...page.readings);
      cursor = page.next;
      progress.update(`readings: ${all.length} (${pages} page${pages === 1 ? '' : 's'})`);
    } while (cursor !== undefined && all.length < limit);
  } catch (e) {
    progress.clear();
    throw e;
  }
  const more = cursor !== undefined ? ', more after --limit' : '';
  progress.done(`readings: ${all.length} in ${pages} page${pages === 1 ? '' : 's'}${more}`);
  io.stdout(
    values.json === true
      ? jsonText({ meterId: meter, from, to, readings: all })
      : readingsTable(all),
  );
  return EXIT.ok;
}

/**
 * Runs `wattproof readings …` with `argv` (after `readings`). Resolves to the exit status
 * (node-client.ts `EXIT`): 0 done, 1 refused or failed, 2 usage error, 3 internal error.
 */
export async function runReadings(
  argv: readonly string[],
  io: ClientIo = processIo(),
): Promise<number> {
  return runCommand('readings', io, () => readings(argv, io));
}
