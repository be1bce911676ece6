/** Process entry of `wattproof-sim` (`npm run sim`, `npm run demo`). */
import { simMain } from './cli/main.ts';

// Output piped into a reader that stops early (`| head`) ends the program quietly.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

process.exitCode = await simMain(process.argv.slice(2));
