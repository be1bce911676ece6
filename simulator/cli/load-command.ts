/**
 * `wattproof-sim load presign|publish`: the load generator (docs/simulator.md). `presign`
 * signs N readings across M meters into a file (and the meters' keys beside it); `publish`
 * registers those meters, publishes the file at a target rate or as fast as the broker takes it,
 * and reports the acknowledged rate and publish-to-receipt latency. Built on `simulator/load/`,
 * which the ingest benchmark (bench/ingest.ts) runs too.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { fromHex } from '../../src/core/bytes.ts';
import { SimulatorError } from '../errors.ts';
import { presign, type LoadMeter } from '../load/presign.ts';
import { publishPresigned } from '../load/publish.ts';
import { NodeApi } from '../node-api.ts';
import { percentile } from '../run/summary.ts';
import {
  DEFAULT_MQTT_URL,
  DEFAULT_NODE_URL,
  DEFAULT_TOKEN_FILE,
  numberOption,
  operatorToken,
  type SimIo,
} from './common.ts';

/** Usage text of `wattproof-sim load`. */
export const LOAD_USAGE = `usage: wattproof-sim load presign --readings N --meters M --out FILE [options]
       wattproof-sim load publish --file FILE [options]

presign: signs N readings (15-minute intervals ending in the past, Ed25519 device keys) across
M meters into FILE, and the meters' public keys into FILE.meters.json.
  --readings N         readings in all (required)
  --meters M           meters (required)
  --out FILE           output file (required)
  --prefix P           meter id prefix (default load-<time>)
  --topic-root ROOT    first levels of the topics (default wattproof/v1)

publish: registers the meters of FILE.meters.json, publishes FILE over MQTT QoS 1, and reports
receipts per second and publish-to-receipt latency.
  --file FILE          a presigned file (required)
  --mqtt-url URL       broker [WATTPROOF_MQTT_URL] (default ${DEFAULT_MQTT_URL})
  --node URL           the node's API [WATTPROOF_NODE] (default ${DEFAULT_NODE_URL})
  --operator-token T   operator token [WATTPROOF_TOKEN]
  --token-file PATH    file holding it (default ${DEFAULT_TOKEN_FILE})
  --no-register        the meters are registered already
  --rate R             messages per second; 0 = as fast as the broker takes them (default 0)
  --connections C      publishing connections (default 4)
  --max-seconds S      stop publishing after S seconds (default: the whole file)
  --max-outstanding K  at most K readings without a receipt (closed loop; default 20000 at
                       rate 0, else open loop)
  --topic-root ROOT    as the node's --topic-root (default wattproof/v1)
  --json               print the result as JSON
  -h, --help           this text
`;

const OPTIONS = {
  readings: { type: 'string' },
  meters: { type: 'string' },
  out: { type: 'string' },
  prefix: { type: 'string' },
  'topic-root': { type: 'string' },
  file: { type: 'string' },
  'mqtt-url': { type: 'string' },
  node: { type: 'string' },
  'operator-token': { type: 'string' },
  'token-file': { type: 'string' },
  'no-register': { type: 'boolean' },
  rate: { type: 'string' },
  connections: { type: 'string' },
  'max-seconds': { type: 'string' },
  'max-outstanding': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function required(v: string | undefined, name: string): string {
  if (v === undefined || v === '')
    throw new SimulatorError('INVALID_OPTION', `--${name} is required\n\n${LOAD_USAGE}`);
  return v;
}

/** Runs `wattproof-sim load …`; resolves to the exit status. */
export async function loadCommand(argv: readonly string[], io: SimIo): Promise<number> {
  const [sub, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: OPTIONS,
    strict: true,
    allowPositionals: false,
  });
  if (values.help || sub === undefined || sub === '-h' || sub === '--help') {
    io.stdout(LOAD_USAGE);
    return 0;
  }
  const topicRoot = values['topic-root'] ?? 'wattproof/v1';
  if (sub === 'presign') {
    const out = required(values.out, 'out');
    const readings = numberOption(
      'readings',
      required(values.readings, 'readings'),
      0,
      1,
      100_000_000,
    );
    const meters = numberOption('meters', required(values.meters, 'meters'), 0, 1, 1_000_000);
    const t0 = performance.now();
    const loadMeters = await presign({
      meters,
      readings,
      file: out,
      prefix: values.prefix ?? `load-${Date.now().toString(36)}`,
      topicRoot,
      onProgress: (n) => io.stderr(`\rsigned ${n}/${readings}`),
    });
    await writeFile(`${out}.meters.json`, `${JSON.stringify(loadMeters, null, 1)}\n`);
    const s = (performance.now() - t0) / 1000;
    io.stderr('\n');
    io.stdout(
      `${readings} readings of ${meters} meters signed in ${s.toFixed(1)} s (${Math.round(readings / s)}/s) into ${out}; keys in ${out}.meters.json\n`,
    );
    return 0;
  }
  if (sub !== 'publish') {
    throw new SimulatorError('INVALID_OPTION', `unknown load command "${sub}"\n\n${LOAD_USAGE}`);
  }
  const file = required(values.file, 'file');
  const mqttUrl = values['mqtt-url'] ?? io.env.WATTPROOF_MQTT_URL ?? DEFAULT_MQTT_URL;
  const node = new NodeApi(values.node ?? io.env.WATTPROOF_NODE ?? DEFAULT_NODE_URL);
  const register = values['no-register'] !== true;
  if (register) {
    const token = (await operatorToken(values, io.env, true))!;
    let meters: LoadMeter[];
    try {
      meters = JSON.parse(await readFile(`${file}.meters.json`, 'utf8')) as LoadMeter[];
    } catch (e) {
      throw new SimulatorError(
        'INVALID_OPTION',
        `cannot read ${file}.meters.json (written by load presign): ${(e as Error).message}`,
      );
    }
    let n = 0;
    for (const m of meters) {
      await node.register(token, {
        signerId: m.meterId,
        mode: 'device',
        keyType: 'Ed25519',
        publicKey: fromHex(m.publicKeyHex),
        meters: [m.meterId],
        ratedCapacityW: m.capacityW,
      });
      if (++n % 100 === 0) io.stderr(`\rregistered ${n}/${meters.length}`);
    }
    io.stderr(`\rregistered ${n} meters\n`);
  }
  const rate = numberOption('rate', values.rate, 0, 0, 10_000_000);
  const logInfo = await node.logInfo();
  const startSize = logInfo.size;
  const maxSeconds = numberOption('max-seconds', values['max-seconds'], 0, 0, 86_400);
  const result = await publishPresigned({
    file,
    url: mqttUrl,
    rate,
    topicRoot,
    connections: numberOption('connections', values.connections, 4, 1, 256),
    maxOutstanding: numberOption(
      'max-outstanding',
      values['max-outstanding'],
      rate === 0 ? 20_000 : 0,
      0,
      10_000_000,
    ),
    ...(maxSeconds > 0 ? { maxSeconds } : {}),
    committed: async () => (await node.logInfo()).size - startSize,
    logVkey: logInfo.vkey,
    onProgress: (p) =>
      io.stderr(
        `${io.stderrIsTTY ? '\r\x1b[K' : ''}${p.elapsedS.toFixed(0)} s  published ${p.published}  broker acked ${p.brokerAcked}  receipts ${p.receipts}  ${p.receiptRate}/s  notices ${p.refusedNotices} refused ${p.duplicateNotices} duplicate${io.stderrIsTTY ? '' : '\n'}`,
      ),
  });
  if (io.stderrIsTTY) io.stderr('\n');
  const committed = (await node.logInfo()).size - startSize;
  const figures = {
    published: result.published,
    brokerAcked: result.brokerAcked,
    receipts: result.receipts,
    notices: {
      refused: result.refusedNotices,
      duplicates: result.duplicateNotices,
      invalid: result.invalidNotices,
      verified: true,
    },
    refused: result.refused,
    committed,
    publishSeconds: Number(result.publishSeconds.toFixed(2)),
    ackedPerSecond: Math.round(result.receipts / Math.max(result.elapsedS, 1e-3)),
    publishedPerSecond: Math.round(result.published / Math.max(result.publishSeconds, 1e-3)),
    latencyMs: {
      p50: Number(percentile(result.latencies, 50).toFixed(1)),
      p99: Number(percentile(result.latencies, 99).toFixed(1)),
    },
  };
  io.stdout(
    values.json
      ? `${JSON.stringify(figures, null, 2)}\n`
      : `published ${figures.published} (${figures.publishedPerSecond}/s), broker acked ${figures.brokerAcked}, receipts ${figures.receipts} (${figures.ackedPerSecond}/s), notices ${figures.notices.refused} refused (${figures.refused} of this file) and ${figures.notices.duplicates} duplicates${figures.notices.invalid > 0 ? `, ${figures.notices.invalid} INVALID` : ''}, log grew by ${committed}\npublish-to-receipt latency p50 ${figures.latencyMs.p50} ms, p99 ${figures.latencyMs.p99} ms\n`,
  );
  return 0;
}
