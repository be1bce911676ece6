/**
 * The `wattproof` command line. `wattproof start` runs a node on embedded defaults; every
 * setting has a flag and an environment variable (`wattproof start --help`).
 */
import { parseArgs } from 'node:util';
import { isWattproofError } from '../core/errors.ts';
import { checkOrigin, DEFAULT_CONFIG, parsePort, type NodeConfig } from '../node/config.ts';
import { startNode } from '../node/node.ts';

const USAGE = `usage: wattproof <command> [options]

commands:
  start     run a node: the Merkle log (LevelDB) and its HTTP API

options of start (environment variable in brackets):
  --data-dir DIR     data folder, created if missing [WATTPROOF_DATA_DIR] (default ${DEFAULT_CONFIG.dataDir})
  --origin ORIGIN    log origin and key name [WATTPROOF_ORIGIN] (default ${DEFAULT_CONFIG.origin})
  --host HOST        HTTP listen address [WATTPROOF_HOST] (default ${DEFAULT_CONFIG.httpHost})
  --http-port PORT   HTTP port, 0 for any free one [WATTPROOF_HTTP_PORT] (default ${DEFAULT_CONFIG.httpPort})
  -h, --help         this text
`;

function startConfig(args: string[]): NodeConfig | undefined {
  const { values } = parseArgs({
    args,
    options: {
      'data-dir': { type: 'string' },
      origin: { type: 'string' },
      host: { type: 'string' },
      'http-port': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) return undefined;
  const env = process.env;
  const port = values['http-port'] ?? env.WATTPROOF_HTTP_PORT;
  return {
    dataDir: values['data-dir'] ?? env.WATTPROOF_DATA_DIR ?? DEFAULT_CONFIG.dataDir,
    origin: checkOrigin(values.origin ?? env.WATTPROOF_ORIGIN ?? DEFAULT_CONFIG.origin),
    httpHost: values.host ?? env.WATTPROOF_HOST ?? DEFAULT_CONFIG.httpHost,
    httpPort: port === undefined ? DEFAULT_CONFIG.httpPort : parsePort('--http-port', port),
  };
}

async function start(args: string[]): Promise<void> {
  const config = startConfig(args);
  if (config === undefined) {
    process.stdout.write(USAGE);
    return;
  }
  const node = await startNode(config);
  process.stdout.write(
    [
      `wattproof node started`,
      `  origin      ${config.origin}`,
      `  log key     ${node.vkey}${node.keyCreated ? '   (new key, created now)' : ''}`,
      `  data        ${config.dataDir}`,
      `  tree size   ${node.log.size}`,
      `  API         ${node.url}   (checkpoint: ${node.url}/log/checkpoint)`,
      `press Ctrl-C to stop`,
      '',
    ].join('\n'),
  );
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: finishing queued commits and stopping…\n`);
    node.close().then(
      () => {
        process.stdout.write(`stopped at tree size ${node.log.size}\n`);
        process.exit(0);
      },
      (e: unknown) => {
        process.stderr.write(`error while stopping: ${(e as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

/** Runs the CLI with `argv` (without the node and script paths). */
export async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start':
      return start(rest);
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(USAGE);
      return;
    default:
      process.stderr.write(`unknown command "${command}"\n\n${USAGE}`);
      process.exitCode = 2;
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  if (isWattproofError(e)) {
    process.stderr.write(`wattproof: ${e.message} [${e.code}]\n`);
  } else if (
    e instanceof TypeError &&
    (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
  ) {
    process.stderr.write(`wattproof: ${e.message}\n\n${USAGE}`);
  } else {
    process.stderr.write(`wattproof: unexpected error: ${(e as Error).stack ?? String(e)}\n`);
  }
  process.exit(1);
});
