/**
 * The node's anchor runner with a scriptable anchor: retries with back-off, never holds up the
 * log, keeps its records across a restart, and respects the interval.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fromUtf8, toBase64, utf8 } from '../../src/core/bytes.ts';
import { parseCheckpoint, splitNote } from '../../src/core/note/index.ts';
import { loadOrCreateLogKey } from '../../src/log/log-key.ts';
import { MerkleLog } from '../../src/log/merkle-log.ts';
import { LevelStore } from '../../src/storage/level-store.ts';
import { AnchorRunner, type AnchorRunnerOptions } from '../../anchors/runner.ts';
import { AnchorStore } from '../../anchors/store.ts';
import { AnchorError } from '../../anchors/anchor.ts';
import { registerAnchorMetrics } from '../../src/metrics/anchor-metrics.ts';
import { MetricsRegistry } from '../../src/metrics/registry.ts';
import { tempDir } from '../helpers/tmp-dir.ts';
import { waitFor } from '../e2e/node-harness.ts';
import { FakeAnchor } from './fake-anchor.ts';

const ORIGIN = 'wattproof.test/anchors';

interface Env {
  tmp: { path: string; remove: () => Promise<void> };
  store: LevelStore;
  log: MerkleLog;
  anchors: AnchorStore;
}

async function open(path: string): Promise<Omit<Env, 'tmp'>> {
  const store = await LevelStore.open(`${path}/db`);
  const key = await loadOrCreateLogKey(`${path}/log.key`, ORIGIN);
  const log = await MerkleLog.open({ store, origin: ORIGIN, signer: key.signer, vkey: key.vkey });
  return { store, log, anchors: new AnchorStore(store) };
}

async function append(env: Env, n = 1): Promise<number> {
  const r = await env.log.append(Array.from({ length: n }, (_, i) => utf8(`entry ${i}`)));
  return r.size;
}

/** A runner fed by the log's checkpoints, as the node wires it. */
async function runner(
  env: Env,
  anchors: FakeAnchor[],
  options: Partial<AnchorRunnerOptions> = {},
): Promise<AnchorRunner> {
  const r = new AnchorRunner({
    anchors,
    store: env.anchors,
    initialBackoffMs: 5,
    maxBackoffMs: 20,
    ...options,
  });
  await r.start();
  env.log.onCheckpoint((cp) => r.submit(cp.note));
  const current = await env.log.checkpoint();
  if (current !== undefined) r.submit(current);
  return r;
}

describe('the anchor runner', () => {
  let env: Env;
  const running: AnchorRunner[] = [];

  beforeEach(async () => {
    const tmp = await tempDir();
    env = { tmp, ...(await open(tmp.path)) };
  });
  afterEach(async () => {
    for (const r of running.splice(0)) await r.close();
    await env.log.close();
    await env.store.close();
    await env.tmp.remove();
  });

  it('retries a failing anchor with back-off and stores the record with its checkpoint note', async () => {
    const anchor = new FakeAnchor();
    anchor.failNext = 3;
    const size = await append(env, 5);
    const r = await runner(env, [anchor], { intervalSeconds: 0 });
    running.push(r);
    await waitFor(async () => (await env.anchors.latest('fake')) !== undefined, 'a stored record');
    const stored = (await env.anchors.latest('fake'))!;
    expect(stored.record.size).toBe(size);
    expect(stored.record.root).toBe(toBase64(env.log.publishedRoot()));
    expect(stored.checkpoint).toBe(fromUtf8((await env.log.checkpointAt(size))!));
    const h = r.health()[0]!;
    expect(h).toMatchObject({ type: 'fake', successes: 1, failures: 3, consecutiveFailures: 0 });
    expect(h.lastSize).toBe(size);
    expect(anchor.calls).toHaveLength(4);
  });

  it('reports successes, failures and the last anchored size and time in the metrics', async () => {
    const metrics = new MetricsRegistry();
    const anchor = new FakeAnchor('fake', () => 1_800_000_000_000);
    anchor.failNext = 2;
    const size = await append(env, 3);
    const r = await runner(env, [anchor], { intervalSeconds: 0 });
    running.push(r);
    registerAnchorMetrics(metrics, r);
    expect(metrics.render()).toContain('anchor_last_size{type="fake"} 0');
    await waitFor(() => r.health()[0]!.successes === 1, 'the record');
    const text = metrics.render();
    expect(text).toContain('anchor_successes_total{type="fake"} 1');
    expect(text).toContain('anchor_failures_total{type="fake"} 2');
    expect(text).toContain('anchor_consecutive_failures{type="fake"} 0');
    expect(text).toContain(`anchor_last_size{type="fake"} ${size}`);
    expect(text).toContain('anchor_last_time_seconds{type="fake"} 1800000000');
  });

  it('counts a record of another checkpoint as a failure and stores nothing', async () => {
    const anchor = new FakeAnchor();
    anchor.lieAboutSize = 999;
    await append(env, 2);
    const attempts: string[] = [];
    const r = await runner(env, [anchor], { intervalSeconds: 0 });
    running.push(r);
    r.onAttempt((a) => attempts.push(a.ok ? 'ok' : a.code));
    await waitFor(() => attempts.length >= 2, 'two attempts');
    expect(attempts.slice(0, 2)).toEqual(['ANCHOR_WRONG_CHECKPOINT', 'ANCHOR_WRONG_CHECKPOINT']);
    expect(await env.anchors.latest('fake')).toBeUndefined();
    expect(r.health()[0]!.lastError).toBe('ANCHOR_WRONG_CHECKPOINT');
  });

  it('never delays appends while an anchor hangs, and closes without waiting for it', async () => {
    const anchor = new FakeAnchor();
    anchor.gate = new Promise<void>(() => undefined); // never resolves
    await append(env);
    const r = await runner(env, [anchor], { intervalSeconds: 0 });
    await waitFor(() => anchor.calls.length === 1, 'the hanging call');
    for (let i = 0; i < 50; i++) await append(env, 3);
    expect(env.log.size).toBe(151);
    // Still the one call: the worker waits for it and takes the newest checkpoint after.
    expect(anchor.calls).toHaveLength(1);
    await r.close();
    expect(anchor.aborted).toBe(1);
    expect(await env.anchors.latest('fake')).toBeUndefined();
    expect(r.health()[0]!.failures).toBe(0);
  });

  it('after a slow anchor finishes, anchors the newest checkpoint, skipping those between', async () => {
    const anchor = new FakeAnchor();
    let release!: () => void;
    anchor.gate = new Promise<void>((resolve) => (release = resolve));
    await append(env);
    const r = await runner(env, [anchor], { intervalSeconds: 0 });
    running.push(r);
    await waitFor(() => anchor.calls.length === 1, 'the first call');
    const newest = await append(env, 10);
    anchor.gate = undefined;
    release();
    await waitFor(() => r.health()[0]!.lastSize === newest, 'the newest size anchored');
    expect(anchor.calls.map((c) => c.size)).toEqual([1, newest]);
  });

  it('keeps its records across a restart and does not anchor again before the interval', async () => {
    let now = 1_800_000_000_000;
    const clock = (): number => now;
    const first = new FakeAnchor('fake', clock);
    const size = await append(env, 3);
    const r1 = await runner(env, [first], { intervalSeconds: 600, now: clock });
    await waitFor(() => r1.health()[0]!.successes === 1, 'the first record');
    await r1.close();
    await env.log.close();
    await env.store.close();

    Object.assign(env, await open(env.tmp.path));
    const second = new FakeAnchor('fake', clock);
    const r2 = await runner(env, [second], { intervalSeconds: 600, now: clock });
    running.push(r2);
    expect(r2.health()[0]).toMatchObject({ lastSize: size, lastTime: now / 1000, successes: 0 });
    const stored = await env.anchors.latest('fake');
    expect(stored?.record.size).toBe(size);
    expect(parseCheckpoint(splitNote(stored!.checkpoint).text).size).toBe(size);

    const grown = await append(env, 2);
    // Ten minutes have not passed since the stored record: nothing to do yet.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(second.calls).toHaveLength(0);
    now += 601_000;
    await append(env, 1);
    await waitFor(() => r2.health()[0]!.lastSize === grown + 1, 'the grown tree anchored');
    expect(second.calls).toHaveLength(1);
  });

  it('anchors at most once per interval, and only when the tree grew', async () => {
    let now = 1_800_000_000_000;
    const clock = (): number => now;
    const anchor = new FakeAnchor('fake', clock);
    await append(env);
    const r = await runner(env, [anchor], { intervalSeconds: 60, now: clock });
    running.push(r);
    await waitFor(() => r.health()[0]!.successes === 1, 'the first anchor');
    for (let i = 0; i < 10; i++) await append(env);
    now += 30_000;
    await append(env);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(anchor.calls).toHaveLength(1);

    now += 31_000;
    const size = await append(env);
    await waitFor(() => r.health()[0]!.successes === 2, 'the second anchor');
    expect(anchor.calls.map((c) => c.size)).toEqual([1, size]);

    // The interval passed again but the tree did not grow: the same checkpoint is not re-anchored.
    now += 120_000;
    r.submit((await env.log.checkpoint())!);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(anchor.calls).toHaveLength(2);
  });

  it('with interval 0 anchors each new checkpoint once the previous one is stored', async () => {
    const anchor = new FakeAnchor();
    const r = await runner(env, [anchor], { intervalSeconds: 0 });
    running.push(r);
    for (let i = 1; i <= 5; i++) {
      await append(env);
      await waitFor(() => r.health()[0]!.lastSize === i, `size ${i} anchored`);
    }
    const sizes: number[] = [];
    for await (const a of env.anchors.all('fake')) sizes.push(a.record.size);
    expect(sizes).toEqual([1, 2, 3, 4, 5]);
  });

  it('runs each anchor on its own: one failing does not hold up another', async () => {
    const down = new FakeAnchor('down');
    down.failNext = Number.MAX_SAFE_INTEGER;
    const up = new FakeAnchor('up');
    await append(env, 4);
    const r = await runner(env, [down, up], { intervalSeconds: 0 });
    running.push(r);
    await waitFor(() => r.health()[1]!.successes === 1, 'the working anchor');
    await waitFor(() => r.health()[0]!.failures >= 2, 'retries of the failing one');
    expect(await env.anchors.types()).toEqual(['up']);
  });

  it('refuses two anchors of one type and a negative interval', () => {
    expect(
      () => new AnchorRunner({ anchors: [new FakeAnchor(), new FakeAnchor()], store: env.anchors }),
    ).toThrow(AnchorError);
    expect(
      () =>
        new AnchorRunner({ anchors: [new FakeAnchor()], store: env.anchors, intervalSeconds: -1 }),
    ).toThrow(/interval/);
  });

  it('ignores a checkpoint it cannot parse', async () => {
    const anchor = new FakeAnchor();
    const r = await runner(env, [anchor], { intervalSeconds: 0 });
    running.push(r);
    r.submit('not a checkpoint');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(anchor.calls).toHaveLength(0);
  });
});
