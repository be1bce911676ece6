/**
 * The `wattproof-sim` command line: `run` (the fleet simulator), `load` (the load generator)
 * and `demo`. `main` returns the exit status; `simulator/main.ts` runs it as a process.
 */
import { isWattproofError } from '../../src/core/errors.ts';
import { processIo, type SimIo } from './common.ts';
import { runDemo } from './demo.ts';
import { loadCommand } from './load-command.ts';
import { runCommand } from './run-command.ts';

/** Usage text of `wattproof-sim`. */
export const SIM_USAGE = `usage: wattproof-sim <command> [options]

commands:
  run       a simulated fleet publishing signed readings to a node (default command)
  load      the load generator: load presign, load publish
  demo      a node, a fleet for one day, a bundle verified offline, in under a minute

Run 'wattproof-sim <command> --help' for a command's options; docs/simulator.md has them all.
`;

const DEMO_USAGE = `usage: npm run demo   (wattproof-sim demo)

Starts a node with its embedded broker on free ports and a temporary data folder, replays
yesterday for a small simulated fleet with three injected faults, requests an evidence bundle for
one PV meter, verifies it offline with \`wattproof verify\`, prints the verdict and the energy
figures, then stops and removes everything. Takes no options (docs/simulator.md).
`;

/** Runs the CLI with `argv` (without the node and script paths); resolves to the exit status. */
export async function simMain(argv: readonly string[], io: SimIo = processIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'run':
        return await runCommand(rest, io);
      case 'load':
        return await loadCommand(rest, io);
      case 'demo':
        if (rest.includes('--help') || rest.includes('-h')) {
          io.stdout(DEMO_USAGE);
          return 0;
        }
        if (rest.length > 0) {
          io.stderr(`wattproof-sim: demo takes no options, got ${rest.join(' ')}\n\n${DEMO_USAGE}`);
          return 2;
        }
        await runDemo(io);
        return 0;
      case 'help':
      case '-h':
      case '--help':
      case undefined:
        io.stdout(SIM_USAGE);
        return 0;
      default:
        if (command.startsWith('--')) return await runCommand(argv, io);
        io.stderr(`wattproof-sim: unknown command "${command}"\n\n${SIM_USAGE}`);
        return 2;
    }
  } catch (e) {
    if (isWattproofError(e)) {
      io.stderr(`\nwattproof-sim: ${e.message} [${e.code}]\n`);
      return e.code === 'INVALID_OPTION' ? 2 : 1;
    }
    if (e instanceof TypeError && (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr(`wattproof-sim: ${e.message}\n\n${SIM_USAGE}`);
      return 2;
    }
    io.stderr(`\nwattproof-sim: unexpected error: ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}
