/**
 * `wattproof quarantine [--code C] [--limit N]` and `wattproof quarantine counts`: the
 * operator's view of refused messages (docs/api.md "GET /v1/quarantine"; docs/formats.md
 * "Checks and quarantine"), newest first, each with its precise code, its class, the evidence
 * it points at, its tier and whose quota it counts in.
 */
import { REJECT_CODES } from '../ingest/index.ts';
import {
  EXIT,
  EXIT_USAGE,
  NODE_OPTIONS,
  Progress,
  UsageError,
  jsonText,
  nodeContext,
  nodeOptionsUsage,
  parseOptions,
  processIo,
  requestJson,
  runCommand,
  table,
  wholeNumber,
  type ClientIo,
} from './node-client.ts';

/** Most records the node sends on one page (`MAX_QUARANTINE_PAGE` of the route). */
const PAGE = 1000;
const DEFAULT_LIMIT = 100;

/** Usage text of `wattproof quarantine`. */
export const QUARANTINE_USAGE = `usage: wattproof quarantine [--code C] [--limit N] [options]
       wattproof quarantine counts [options]

Refused messages and readings, newest first: id, arrival, precise code, class, tier
(signed or junk), source (whose quota), evidence, topic and message. 'counts' gives the
records held, the capacity and the counts per class.

  --code C             only records of this precise code (e.g. WRONG_TAG) or class
                       (e.g. MALFORMED_COSE)
  --limit N            most records to list (default ${DEFAULT_LIMIT}; pages are followed)
${nodeOptionsUsage('operator')}
${EXIT_USAGE}`;

const OPTIONS = {
  ...NODE_OPTIONS,
  code: { type: 'string' },
  limit: { type: 'string' },
} as const;

/** A quarantine record as the node lists it (docs/api.md "GET /v1/quarantine"). */
interface RecordJson {
  id: number;
  code: string;
  class: string;
  message: string;
  topic: string;
  receivedAt: number;
  payloadLength: number;
  readingIndex?: number;
  tier: 'signed' | 'junk';
  source: string;
  evidence?: { field?: string; key?: number; collidesWith?: number };
  sha256?: string;
}

interface CountsJson {
  records: number;
  capacity: number;
  bytes: number;
  maxBytes: number;
  tiers: Record<'signed' | 'junk', { records: number; bytes: number }>;
  evicted: Record<'signed' | 'junk', number>;
  recordsByCode: Record<string, number>;
  rejectedByCode: Record<string, number>;
}

function evidenceText(r: RecordJson): string {
  const e = r.evidence ?? {};
  const parts = [
    ...(e.field === undefined ? [] : [`field ${e.field}`]),
    ...(e.key === undefined ? [] : [`key ${e.key}`]),
    ...(e.collidesWith === undefined ? [] : [`collides with entry ${e.collidesWith}`]),
    ...(r.readingIndex === undefined ? [] : [`reading ${r.readingIndex} of its batch`]),
  ];
  return parts.length === 0 ? '-' : parts.join(', ');
}

function recordsTable(records: readonly RecordJson[]): string {
  if (records.length === 0) return 'no quarantined records\n';
  return table([
    ['ID', 'RECEIVED', 'CODE', 'CLASS', 'TIER', 'SOURCE', 'EVIDENCE', 'TOPIC', 'MESSAGE'],
    ...records.map((r) => [
      String(r.id),
      new Date(r.receivedAt).toISOString(),
      r.code,
      r.class,
      r.tier,
      r.source,
      evidenceText(r),
      r.topic,
      r.message,
    ]),
  ]);
}

function countsText(c: CountsJson): string {
  const lines = [
    `records: ${c.records} held of ${c.capacity}, ${c.bytes} of ${c.maxBytes} bytes`,
    `  signed: ${c.tiers.signed.records} records, ${c.tiers.signed.bytes} bytes; junk: ${c.tiers.junk.records} records, ${c.tiers.junk.bytes} bytes`,
    `  evicted since the node started: signed ${c.evicted.signed}, junk ${c.evicted.junk}`,
  ];
  const classes = [
    ...new Set([...Object.keys(c.recordsByCode), ...Object.keys(c.rejectedByCode)]),
  ].sort();
  if (classes.length === 0) return `${lines.join('\n')}\nnothing refused\n`;
  return `${lines.join('\n')}\n${table([
    ['CLASS', 'HELD', 'EVER'],
    ...classes.map((k) => [k, String(c.recordsByCode[k] ?? 0), String(c.rejectedByCode[k] ?? 0)]),
  ])}`;
}

async function quarantine(argv: readonly string[], io: ClientIo): Promise<number> {
  const counts = argv[0] === 'counts';
  const { values, positionals } = parseOptions(
    counts ? argv.slice(1) : argv,
    OPTIONS,
    QUARANTINE_USAGE,
    true,
  );
  if (values.help === true) {
    io.stdout(QUARANTINE_USAGE);
    return EXIT.ok;
  }
  if (positionals.length > 0) {
    throw new UsageError(
      `unknown subcommand "${positionals[0]}": must be one of counts (or none, to list)`,
      QUARANTINE_USAGE,
    );
  }
  const json = values.json === true;
  if (counts) {
    if (values.code !== undefined || values.limit !== undefined) {
      throw new UsageError("'quarantine counts' takes no --code or --limit", QUARANTINE_USAGE);
    }
    const ctx = await nodeContext(values, io, 'operator', QUARANTINE_USAGE);
    const c = (await requestJson(ctx, 'GET', '/v1/quarantine/counts')) as CountsJson;
    io.stdout(json ? jsonText(c) : countsText(c));
    return EXIT.ok;
  }
  const code = typeof values.code === 'string' ? values.code : undefined;
  if (code !== undefined && !/^[A-Z][A-Z0-9_]{0,63}$/.test(code)) {
    throw new UsageError(
      `--code must be a precise reject code (e.g. WRONG_TAG, INVALID_FIELD) or one of the classes ${REJECT_CODES.join(', ')}; got "${code}"`,
      QUARANTINE_USAGE,
    );
  }
  const limit =
    typeof values.limit === 'string'
      ? wholeNumber('limit', values.limit, 1, Number.MAX_SAFE_INTEGER, QUARANTINE_USAGE)
      : DEFAULT_LIMIT;
  const ctx = await nodeContext(values, io, 'operator', QUARANTINE_USAGE);
  const progress = new Progress(io);
  const records: RecordJson[] = [];
  let before: number | undefined;
  let pages = 0;
  try {
    do {
      const q = new URLSearchParams({ limit: String(Math.min(PAGE, limit - records.length)) });
      if (code !== undefined) q.set('code', code);
      if (before !== undefined) q.set('before', String(before));
      const page = (await requestJson(ctx, 'GET', `/v1/quarantine?${q}`)) as {
        records: RecordJson[];
        next?: number;
      };
      pages++;
      records.push(...page.records);
      before = page.next;
      if (pages > 1) progress.update(`records: ${records.length} (${pages} pages)`);
    } while (before !== undefined && records.length < limit);
  } catch (e) {
    progress.clear();
    throw e;
  }
  if (pages > 1) progress.done(`records: ${records.length} in ${pages} pages`);
  io.stdout(
    json
      ? jsonText({ records, ...(before === undefined ? {} : { next: before }) })
      : recordsTable(records) +
          (before === undefined ? '' : `more records are older: raise --limit\n`),
  );
  return EXIT.ok;
}

/**
 * Runs `wattproof quarantine …` with `argv` (after `quarantine`). Resolves to the exit status
 * (node-client.ts `EXIT`): 0 done, 1 refused or failed, 2 usage error, 3 internal error.
 */
export async function runQuarantine(
  argv: readonly string[],
  io: ClientIo = processIo(),
): Promise<number> {
  return runCommand('quarantine', io, () => quarantine(argv, io));
}
