import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ArrivalOrder } from '../../src/mqtt/index.ts';

function recordingQueue() {
  const log: string[] = [];
  const q = new ArrivalOrder<number, number>({
    release: (k, v) => void log.push(`release ${k}:${v}`),
    broken: (k) => void log.push(`broken ${k}`),
    drop: (k) => void log.push(`drop ${k}`),
  });
  return { q, log };
}

describe('when slots settle in any order', () => {
  it('releases them in arrival order, each as soon as all earlier ones are released', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 40 })
          .chain((n) =>
            fc.tuple(fc.constant(n), fc.shuffledSubarray([...Array(n).keys()], { minLength: n })),
          ),
        ([n, order]) => {
          const { q, log } = recordingQueue();
          const slots = Array.from({ length: n }, (_, i) => q.add(i));
          const settled = new Set<number>();
          for (const i of order) {
            slots[i]!.succeed(i * 10);
            settled.add(i);
            let prefix = 0;
            while (settled.has(prefix)) prefix++;
            expect(log).toEqual(Array.from({ length: prefix }, (_, k) => `release ${k}:${k * 10}`));
          }
          expect(q.size).toBe(0);
        },
      ),
    );
  });

  it('ignores a second settlement of the same slot', () => {
    const { q, log } = recordingQueue();
    const a = q.add(1);
    a.succeed(5);
    a.succeed(6);
    a.fail();
    expect(log).toEqual(['release 1:5']);
  });
});

describe('when a slot fails', () => {
  it('stops releasing at the failure and drops everything after it', () => {
    const { q, log } = recordingQueue();
    const s = [1, 2, 3, 4, 5].map((k) => q.add(k));
    s[3]!.succeed(0);
    s[1]!.fail();
    s[0]!.succeed(0);
    expect(log).toEqual(['release 1:0', 'broken 2', 'drop 4']);
    s[2]!.succeed(0);
    s[4]!.fail();
    const late = q.add(6);
    late.succeed(0);
    expect(log.slice(3)).toEqual(['drop 3', 'drop 5', 'drop 6']);
    expect(q.broken).toBe(true);
  });

  it('keeps releasing what came before the failure', () => {
    const { q, log } = recordingQueue();
    const s = [1, 2, 3].map((k) => q.add(k));
    s[2]!.fail();
    s[1]!.succeed(2);
    expect(log).toEqual([]);
    s[0]!.succeed(1);
    expect(log).toEqual(['release 1:1', 'release 2:2', 'broken 3']);
  });
});
