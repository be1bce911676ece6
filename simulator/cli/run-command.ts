/**
 * `wattproof-sim run`: a fleet of simulated meters and platforms publishing signed readings to a
 * node over MQTT (docs/simulator.md).
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { DEFAULT_FLEET, DEFAULT_SITE, buildFleet, parseFleet } from '../fleet/fleet.ts';
import { registerCommands } from '../fleet/provisioning.ts';
import { NodeApi } from '../node-api.ts';
import { FAULT_KINDS, parseFaults } from '../run/faults.ts';
import { progressReporter } from '../run/progress.ts';
import { runFleet } from '../run/run-fleet.ts';
import { formatSummary } from '../run/summary.ts';
import {
  DEFAULT_MQTT_URL,
  DEFAULT_NODE_URL,
  DEFAULT_TOKEN_FILE,
  numberOption,
  operatorToken,
  timeOption,
  type SimIo,
} from './common.ts';

/** Usage text of `wattproof-sim run`. */
export const RUN_USAGE = `usage: wattproof-sim run [options]

Publishes a simulated fleet's signed readings to a node over MQTT, replaying a period as fast
as the node's receipts allow (or in real time), and prints what was sent, acknowledged,
refused (refusal notices) and quarantined. Exit status 1 when a receipt or notice does not
verify, or a fault did not get its quarantine record or its notice with the expected code.
Environment variables in brackets.

  --mqtt-url URL         broker [WATTPROOF_MQTT_URL] (default ${DEFAULT_MQTT_URL})
  --node URL             the node's API [WATTPROOF_NODE] (default ${DEFAULT_NODE_URL})
  --topic-root ROOT      first levels of the topics, as the node's --topic-root (default wattproof/v1)
  --operator-token T     operator token, to register keys and read the quarantine [WATTPROOF_TOKEN]
  --token-file PATH      file holding it (default ${DEFAULT_TOKEN_FILE})
  --print-commands       print the 'wattproof devices register' commands and exit
  --no-register          the keys are registered already (e.g. after --print-commands)
  --log-key VKEY         verify receipts and notices with this log key (default: the node's)

  --fleet SPEC           kind[:count][@mode],... kinds pv-rooftop, pv-utility, wind, household,
                         ev; modes device, platform, relay (default ${DEFAULT_FLEET})
  --seed N               seed of profiles, keys and faults (default 1)
  --prefix P             prefix of meter and platform ids (default sim-<random>)
  --lat DEG --lon DEG    site (default ${DEFAULT_SITE.latitude}, ${DEFAULT_SITE.longitude})

  --days N               length of the period in days, fractions allowed (default 1)
  --start TIME           first interval, ISO 8601 or Unix seconds (default: UTC midnight N days ago)
  --interval MINUTES     interval length (default 15)
  --realtime             publish each interval when it ends on the wall clock (from now)
  --fault KIND[:COUNT]   inject faults, repeatable or comma-separated; KIND one of
                         ${FAULT_KINDS.join(', ')}, or all
  --window N             readings published ahead of their receipts (default 2000)
  --drain-seconds S      stop waiting for receipts and notices after S s without one (default 15)
  --resend-after S       publish a reading's same bytes again when neither its receipt nor a
                         notice naming them came within S s (default 10; 0 = never)
  --max-resends N        resends of one reading at most (default 5)
  --json                 print the summary as JSON on stdout
  -h, --help             this text
`;

const OPTIONS = {
  'mqtt-url': { type: 'string' },
  node: { type: 'string' },
  'topic-root': { type: 'string' },
  'operator-token': { type: 'string' },
  'token-file': { type: 'string' },
  'print-commands': { type: 'boolean' },
  'no-register': { type: 'boolean' },
  'log-key': { type: 'string' },
  fleet: { type: 'string' },
  seed: { type: 'string' },
  prefix: { type: 'string' },
  lat: { type: 'string' },
  lon: { type: 'string' },
  days: { type: 'string' },
  start: { type: 'string' },
  interval: { type: 'string' },
  realtime: { type: 'boolean' },
  fault: { type: 'string', multiple: true },
  window: { type: 'string' },
  'drain-seconds': { type: 'string' },
  'resend-after': { type: 'string' },
  'max-resends': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Runs `wattproof-sim run`; resolves to the exit status. */
export async function runCommand(argv: readonly string[], io: SimIo): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: OPTIONS,
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    io.stdout(RUN_USAGE);
    return 0;
  }
  const seed = numberOption('seed', values.seed, 1, 0, 0xffffffff);
  const resendAfterMs =
    1000 * numberOption('resend-after', values['resend-after'], 10, 0, 3600, true);
  const maxResends = numberOption('max-resends', values['max-resends'], 5, 0, 100);
  const prefix = values.prefix ?? `sim-${randomBytes(2).toString('hex')}`;
  const groups = parseFleet(values.fleet ?? DEFAULT_FLEET);
  const site = {
    latitude: numberOption('lat', values.lat, DEFAULT_SITE.latitude, -90, 90, true),
    longitude: numberOption('lon', values.lon, DEFAULT_SITE.longitude, -180, 180, true),
  };
  const intervalSeconds = 60 * numberOption('interval', values.interval, 15, 1, 1440);
  const days = numberOption('days', values.days, 1, 1 / 1440, 3660, true);
  const intervals = Math.max(1, Math.round((days * 86_400) / intervalSeconds));
  const nowS = Date.now() / 1000;
  const start = values.realtime
    ? Math.floor(nowS / intervalSeconds) * intervalSeconds
    : values.start !== undefined
      ? timeOption('start', values.start)
      : Math.floor(nowS / 86_400) * 86_400 - Math.ceil(days) * 86_400;
  const nodeUrl = values.node ?? io.env.WATTPROOF_NODE ?? DEFAULT_NODE_URL;
  const mqttUrl = values['mqtt-url'] ?? io.env.WATTPROOF_MQTT_URL ?? DEFAULT_MQTT_URL;
  const topicRoot = values['topic-root'] ?? 'wattproof/v1';

  if (values['print-commands']) {
    const fleet = buildFleet({ seed, prefix, groups, site, runStart: start });
    io.stdout(`# register the fleet's keys (operator token: --token or data/operator.token)\n`);
    for (const c of registerCommands(fleet, nodeUrl)) io.stdout(`${c}\n`);
    const rerun = argv.filter((a) => a !== '--print-commands');
    const fixed = [
      ...(values.seed === undefined ? ['--seed', String(seed)] : []),
      ...(values.prefix === undefined ? ['--prefix', prefix] : []),
    ];
    io.stdout(
      `# then run the fleet with the same keys:\nnpm run sim -- run ${[...rerun, ...fixed, '--no-register'].join(' ')}\n`,
    );
    return 0;
  }

  const register = values['no-register'] !== true;
  const token = await operatorToken(values, io.env, register);
  const node = new NodeApi(nodeUrl);
  const progress = progressReporter({ write: io.stderr, isTTY: io.stderrIsTTY });
  const abort = new AbortController();
  const onSigint = (): void => abort.abort();
  process.once('SIGINT', onSigint);
  try {
    const run = await runFleet({
      mqttUrl,
      topicRoot,
      node,
      ...(token === undefined ? {} : { operatorToken: token }),
      register,
      groups,
      seed,
      prefix,
      site,
      start,
      intervals,
      intervalSeconds,
      realtime: values.realtime === true,
      faults: parseFaults(values.fault ?? []),
      ...(values['log-key'] ? { logVkey: values['log-key'] } : {}),
      window: numberOption('window', values.window, 2000, 1, 1_000_000),
      drainMs: 1000 * numberOption('drain-seconds', values['drain-seconds'], 15, 1, 3600),
      resendAfterMs,
      maxResends,
      onProgress: progress.update,
      signal: abort.signal,
    });
    progress.end();
    io.stdout(
      values.json ? `${JSON.stringify(run.summary, null, 2)}\n` : formatSummary(run.summary),
    );
    const s = run.summary;
    const missingQuarantine = Object.entries(s.quarantine.expected).some(
      ([c, n]) => s.quarantine.observed !== null && (s.quarantine.observed[c] ?? 0) < n,
    );
    const badNotices =
      s.notices.invalid > 0 || s.notices.faultsMissing > 0 || s.notices.faultsWrong > 0;
    return s.receipts.invalid > 0 || missingQuarantine || badNotices ? 1 : 0;
  } finally {
    progress.end();
    process.off('SIGINT', onSigint);
  }
}
