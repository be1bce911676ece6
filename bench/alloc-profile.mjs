/**
 * Allocation profile of a node in an ingest run: every allocation sampled, those already
 * collected included (V8's sampling heap profiler), written as a `.heapprofile` (Chrome
 * DevTools, Memory tab) when the node stops. Node's own `--heap-prof` keeps only what is still
 * alive at exit, which says nothing about garbage. Use:
 *
 *   WATTPROOF_BENCH_NODE_ARGS="--import ./bench/alloc-profile.mjs" npm run bench -- ingest --quick
 *
 * The profile goes to WATTPROOF_ALLOC_PROFILE_DIR (default: bench/results/).
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';
import process from 'node:process';

const dir = process.env.WATTPROOF_ALLOC_PROFILE_DIR ?? 'bench/results';
const session = new Session();
session.connect();
session.post('HeapProfiler.enable');
session.post('HeapProfiler.startSampling', {
  samplingInterval: 8192,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: true,
});

let written = false;
function write() {
  if (written) return;
  written = true;
  // An in-process session answers synchronously.
  session.post('HeapProfiler.stopSampling', (err, result) => {
    if (err) return;
    const file = join(dir, `alloc-${process.pid}.heapprofile`);
    writeFileSync(file, JSON.stringify(result.profile));
    process.stderr.write(`allocation profile written to ${file}\n`);
  });
}
process.prependListener('SIGTERM', write);
process.prependListener('SIGINT', write);
process.on('exit', write);
