/**
 * `wattproof witness`: runs a C2SP tlog-witness witness in its own process, with its own
 * Ed25519 key file and LevelDB state folder, and prints its cosigner vkey.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startServer } from '../../src/api/index.ts';
import { isValidKeyName } from '../../src/core/note/index.ts';
import { loadOrCreateNoteKey } from '../../src/log/index.ts';
import { WitnessError } from './errors.ts';
import { buildWitnessApp } from './server.ts';
import { LevelWitnessStateStore } from './state-store.ts';
import { Witness, type WitnessRefusal } from './witness.ts';

/** Usage text of `wattproof witness`. */
export const WITNESS_USAGE = `usage: wattproof witness --data-dir DIR --name NAME --log VKEY [--log VKEY ...] [options]

Runs a C2SP tlog-witness witness: POST /add-checkpoint, GET / (name, vkey, logs).

  --data-dir DIR   folder for the witness key (witness.key) and state (state/)
  --name NAME      witness name, the key name of its cosignatures (e.g. witness.example/w1)
  --log VKEY       verifier key of a log to witness, <origin>+<keyid>+<base64>; repeatable
  --port N         TCP port (default 7380; 0 picks a free one)
  --host HOST      interface to bind (default 127.0.0.1; 0.0.0.0 for all)
  -h, --help       this text
`;

const OPTIONS = {
  'data-dir': { type: 'string' },
  name: { type: 'string' },
  log: { type: 'string', multiple: true },
  port: { type: 'string' },
  host: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Where and how to run a witness process. */
export interface WitnessProcessOptions {
  /** Folder holding `witness.key` and the `state/` LevelDB folder; created if missing. */
  readonly dataDir: string;
  /** Witness name, the key name of its cosignatures. */
  readonly name: string;
  /** Verifier keys of the logs to witness. */
  readonly logs: readonly string[];
  readonly host: string;
  /** TCP port; 0 picks a free one. */
  readonly port: number;
  /** Receives every refused request of a known log (evidence of misbehaviour). */
  readonly onRefusal?: (refusal: WitnessRefusal) => void;
}

/** A running witness. */
export interface RunningWitness {
  readonly url: string;
  /** Cosigner vkey, `<name>+<keyid>+base64(0x04 ‖ pub)`. */
  readonly vkey: string;
  /** Stops listening and closes the state database. */
  close(): Promise<void>;
}

/**
 * Opens the key (created on first start, mode 0600) and state of a witness and listens.
 * Throws {@link WitnessError} `BAD_CONFIG` for a bad log vkey or name, `ApiError`
 * `PORT_IN_USE` for a taken port, `StorageError` `STORE_LOCKED` when another process holds
 * the state; nothing is left open after a failure.
 */
export async function startWitness(options: WitnessProcessOptions): Promise<RunningWitness> {
  if (!isValidKeyName(options.name)) {
    throw new WitnessError('BAD_CONFIG', `"${options.name}" is not a valid note key name`);
  }
  await mkdir(options.dataDir, { recursive: true });
  const keyPath = join(options.dataDir, 'witness.key');
  await loadOrCreateNoteKey(keyPath, options.name, 'witness key');
  const skey = (await readFile(keyPath, 'utf8')).trim();
  const store = await LevelWitnessStateStore.open(join(options.dataDir, 'state'));
  let witness: Witness;
  try {
    witness = new Witness({
      skey,
      logs: options.logs,
      store,
      ...(options.onRefusal === undefined ? {} : { onRefusal: options.onRefusal }),
    });
  } catch (e) {
    await store.close();
    throw e;
  }
  const app = buildWitnessApp(witness);
  try {
    const server = await startServer(app, { host: options.host, port: options.port });
    return {
      url: server.url,
      vkey: witness.vkey,
      close: async () => {
        await server.close();
        await store.close();
      },
    };
  } catch (e) {
    await app.close();
    await store.close();
    throw e;
  }
}

/**
 * `wattproof witness …`: starts the witness described by `argv` and resolves once it listens.
 * It prints `witness vkey <vkey>` and `listening on <url>` and stops on SIGINT or SIGTERM.
 * Throws {@link WitnessError} `BAD_CONFIG` for missing or bad flags, and the errors of
 * {@link startWitness}.
 */
export async function runWitness(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: OPTIONS, strict: true });
  if (values.help === true) {
    process.stdout.write(WITNESS_USAGE);
    return;
  }
  const dataDir = values['data-dir'];
  const name = values.name;
  const logs = values.log ?? [];
  if (dataDir === undefined || name === undefined || logs.length === 0) {
    throw new WitnessError(
      'BAD_CONFIG',
      `--data-dir, --name and at least one --log are required\n\n${WITNESS_USAGE}`,
    );
  }
  const port = Number(values.port ?? '7380');
  if (!/^[0-9]+$/.test(values.port ?? '7380') || port > 65535) {
    throw new WitnessError('BAD_CONFIG', '--port must be an integer from 0 to 65535');
  }
  const running = await startWitness({
    dataDir,
    name,
    logs,
    port,
    host: values.host ?? '127.0.0.1',
    onRefusal: (r) => {
      const { code, origin, oldSize, checkpoint } = r;
      process.stderr.write(`${JSON.stringify({ refused: code, origin, oldSize, checkpoint })}\n`);
    },
  });
  process.stdout.write(`witness vkey ${running.vkey}\nlistening on ${running.url}\n`);
  const stop = (): void => {
    void running.close().finally(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
