/**
 * The anchor record store: keys by (type, size), look-ups by smallest covering size, the list
 * of types, and a refusal of a record it cannot decode.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { utf8 } from '../../src/core/bytes.ts';
import { StorageError } from '../../src/storage/errors.ts';
import { KeyPrefix } from '../../src/storage/key-layout.ts';
import { LevelStore } from '../../src/storage/level-store.ts';
import { AnchorStore, anchorKey } from '../../anchors/store.ts';
import { tempDir } from '../helpers/tmp-dir.ts';

const ROOT = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

function stored(type: string, size: number): { checkpoint: string; record: never } {
  return {
    checkpoint: `note of ${size}\n`,
    record: { type, origin: 'o', size, root: ROOT, time: size, extra: [type] } as never,
  };
}

describe('the anchor store', () => {
  let tmp: { path: string; remove: () => Promise<void> };
  let db: LevelStore;
  let store: AnchorStore;

  beforeEach(async () => {
    tmp = await tempDir();
    db = await LevelStore.open(`${tmp.path}/db`);
    store = new AnchorStore(db);
  });
  afterEach(async () => {
    await db.close();
    await tmp.remove();
  });

  it('keeps records under 0x60 ‖ len ‖ type ‖ u64be(size)', () => {
    expect(Array.from(anchorKey('evm', 258))).toEqual([
      KeyPrefix.anchor,
      3,
      0x65,
      0x76,
      0x6d,
      0,
      0,
      0,
      0,
      0,
      0,
      1,
      2,
    ]);
  });

  it('finds the smallest record at least a size, the latest, and every type', async () => {
    for (const [type, size] of [
      ['rfc3161', 10],
      ['rfc3161', 300],
      ['rfc3161', 20],
      ['evm', 15],
      ['evm', 5],
      ['a', 1],
    ] as const) {
      await store.put(stored(type, size));
    }
    expect(await store.types()).toEqual(['a', 'evm', 'rfc3161']);
    expect((await store.smallestAtLeast('rfc3161', 11, 1000))?.record.size).toBe(20);
    expect((await store.smallestAtLeast('rfc3161', 20, 1000))?.record.size).toBe(20);
    expect((await store.smallestAtLeast('rfc3161', 21, 299))?.record.size).toBeUndefined();
    expect((await store.smallestAtLeast('evm', 16, 1000))?.record.size).toBeUndefined();
    expect((await store.latest('rfc3161'))?.record.size).toBe(300);
    expect((await store.latest('evm'))?.checkpoint).toBe('note of 15\n');
    expect(await store.latest('none')).toBeUndefined();
    expect((await store.get('a', 1))?.record).toEqual(stored('a', 1).record);
    const sizes: number[] = [];
    for await (const a of store.all('rfc3161')) sizes.push(a.record.size);
    expect(sizes).toEqual([10, 20, 300]);
  });

  it('refuses a record it cannot decode with STORE_CORRUPT', async () => {
    await db.commit([db.putOp(anchorKey('evm', 7), utf8('{"checkpoint":1}'))], true);
    await expect(store.latest('evm')).rejects.toThrow(StorageError);
    await expect(store.get('evm', 7)).rejects.toMatchObject({ code: 'STORE_CORRUPT' });
  });
});
