import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { bytesEqual, utf8 } from '../../src/core/bytes.ts';
import { leafHash } from '../../src/core/merkle/hash.ts';
import { rootFromLeafHashes } from '../../src/core/merkle/tree.ts';
import { verifyConsistency } from '../../src/core/merkle/verify.ts';
import { parseCheckpoint, type Checkpoint } from '../../src/core/note/checkpoint.ts';
import { parseVerifierKey } from '../../src/core/note/keys.ts';
import { openNote } from '../../src/core/note/note.ts';
import { loadOrCreateLogKey } from '../../src/log/log-key.ts';
import { MerkleLog } from '../../src/log/merkle-log.ts';
import { tempDir } from '../helpers/tmp-dir.ts';
import { expectedEntry } from './fixtures/expected-entry.ts';

const ORIGIN = 'wattproof.test/crash';
const CHILD = new URL('./fixtures/append-child.ts', import.meta.url).pathname;
const KILLS = 20;

/** Runs the child until it has published at least one checkpoint, then SIGKILLs it after `delayMs`. */
function runAndKill(dir: string, seed: number, delayMs: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, ORIGIN, String(seed)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const published: string[] = [];
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const msg = JSON.parse(line) as { checkpoint?: string };
      if (msg.checkpoint !== undefined) published.push(msg.checkpoint);
      if (timer === undefined) timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
    });
    child.on('exit', (_code, signal) => {
      if (timer !== undefined) clearTimeout(timer);
      if (signal === 'SIGKILL') resolve(published);
      else reject(new Error(`child exited by itself (signal ${signal}): ${stderr}`));
    });
  });
}

describe('when the appending process is killed with SIGKILL at random moments', () => {
  it(`reopens at a committed size with the recomputed root, consistent with every published checkpoint (${KILLS} kills)`, async () => {
    const tmp = await tempDir();
    try {
      const everPublished: string[] = [];
      const opened = new Map<string, Checkpoint>(); // notes whose signature was already checked
      let lastSize = 0;
      let rng = 42;
      for (let round = 0; round < KILLS; round++) {
        rng = (rng * 1103515245 + 12345) % 2 ** 31;
        const delay = rng % 400;
        everPublished.push(...(await runAndKill(tmp.path, rng, delay)));

        const key = await loadOrCreateLogKey(`${tmp.path}/log.key`, ORIGIN);
        expect(key.created).toBe(false);
        const log = await MerkleLog.open({
          path: `${tmp.path}/db`,
          origin: ORIGIN,
          signer: key.signer,
          vkey: key.vkey,
        });
        try {
          const size = log.size;
          expect(size).toBeGreaterThanOrEqual(lastSize);
          lastSize = size;

          // Every entry is the one the child wrote, and the root is recomputed from them.
          const entries = await log.entries(0, size);
          expect(entries).toHaveLength(size);
          const hashes = entries.map((e, i) => {
            expect(bytesEqual(e, expectedEntry(i))).toBe(true);
            return leafHash(e);
          });
          const root = rootFromLeafHashes(hashes);
          expect(bytesEqual(root, log.root())).toBe(true);

          // The newest checkpoint verifies with the log key and states that root.
          const verifier = parseVerifierKey(key.vkey);
          const latest = parseCheckpoint(
            openNote(new TextDecoder().decode(await log.checkpoint()), [verifier]).text,
          );
          expect(latest.size).toBe(size);
          expect(bytesEqual(latest.root, root)).toBe(true);

          // Every checkpoint ever printed, and every one stored, is consistent with it.
          const stored: string[] = [];
          for await (const cp of log.allCheckpoints())
            stored.push(new TextDecoder().decode(cp.note));
          for (const note of [...everPublished, ...stored]) {
            let cp = opened.get(note);
            if (cp === undefined) {
              cp = parseCheckpoint(openNote(note, [verifier]).text);
              opened.set(note, cp);
            }
            expect(cp.size).toBeLessThanOrEqual(size);
            const proof = await log.consistencyProof(cp.size, size);
            expect(() => verifyConsistency(cp.size, size, proof, cp.root, root)).not.toThrow();
          }
        } finally {
          await log.close();
        }
      }
      expect(everPublished.length).toBeGreaterThan(KILLS);
      expect(lastSize).toBeGreaterThan(1000);
      // A checkpoint's note text is never re-signed differently for the same size.
      const bySize = new Map<number, string>();
      for (const note of everPublished) {
        const s = parseCheckpoint(note.slice(0, note.indexOf('\n\n') + 1)).size;
        const prev = bySize.get(s);
        if (prev !== undefined) expect(utf8(prev)).toEqual(utf8(note));
        bySize.set(s, note);
      }
    } finally {
      await tmp.remove();
    }
  }, 180_000);
});
