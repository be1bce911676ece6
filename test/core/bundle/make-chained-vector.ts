/**
 * Writes test/core/bundle/bundle-v1-chained.json: the stored bundle of docs/bundle.md §Worked
 * example built from a ledger that chains its readings, as a node's does. Run once with
 * `node --import tsx test/core/bundle/make-chained-vector.ts`; the tests read the file.
 */
import { writeFile } from 'node:fs/promises';
import { buildBundle } from '../../../src/bundle/index.ts';
import {
  addSignatures,
  cosignatureV1Signer,
  cosignatureV1VkeyOf,
  generateEd25519Key,
} from '../../../src/core/note/index.ts';
import { appendReadings, openFixture, register } from '../../bundle/fixture.ts';
import { TestSigner } from '../../e2e/node-harness.ts';

const T0 = 1_767_225_600; // 2026-01-01T00:00Z
const f = await openFixture('wattproof.example/eu-central-1');
const a = new TestSigner('dev-a', 'device', ['meter-a']);
const b = new TestSigner('dev-b', 'device', ['meter-b']);
await register(f, a);
await register(f, b);
// meter-a's sequence 3 is never sent; meter-b's readings interleave with meter-a's.
for (const seq of [1, 2, 4, 5, 6, 7, 8]) {
  await appendReadings(f, a, [seq], T0);
  await appendReadings(f, b, [seq], T0);
}
const witness = generateEd25519Key('witness.example/w1');
const bundle = await buildBundle({
  ...f,
  meters: ['meter-a'],
  from: T0,
  to: T0 + 7200,
});
const cosigned = {
  ...bundle,
  checkpoint: addSignatures(bundle.checkpoint, [cosignatureV1Signer(witness.skey)]),
};
await writeFile(
  new URL('./bundle-v1-chained.json', import.meta.url),
  `${JSON.stringify(
    { logVkey: f.log.vkey, witnessVkey: cosignatureV1VkeyOf(witness.skey), bundle: cosigned },
    null,
    2,
  )}\n`,
);
await f.close();
