/**
 * Writes test/core/bundle/bundle-v1-ocmf.json: a stored bundle of OCMF records as the version of
 * commit f5e38f1 built it — a record reading import and export registers (whose summary then
 * counted only the last register) and a begin-only record (then a zero-energy reading of its
 * hour). Run once with that version checked out:
 * `node --import tsx test/core/bundle/make-ocmf-vector.ts <output file>`; the tests read the file.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { buildBundle } from '../../../src/bundle/index.ts';
import { toHex, utf8 } from '../../../src/core/bytes.ts';
import { EntryKind } from '../../../src/core/leaf/leaf.ts';
import { openFixture } from '../../bundle/fixture.ts';

const T0 = 1_767_225_600; // 2026-01-01T00:00Z
const METER = 'OCMF-V1';
const time = (t: number): string =>
  new Date(t * 1000).toISOString().replace('.', ',').replace('Z', '+0000 S');
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });

function record(pg: number, rd: readonly Record<string, unknown>[]): Uint8Array {
  const payload = JSON.stringify({
    FV: '1.0',
    GI: 'WATTPROOF_TEST',
    GS: METER,
    PG: `T${pg}`,
    MS: METER,
    IS: false,
    RD: rd,
  });
  const sd = toHex(
    new Uint8Array(sign('sha256', utf8(payload), { key: privateKey, dsaEncoding: 'der' })),
  );
  return utf8(`OCMF|${payload}|${JSON.stringify({ SA: 'ECDSA-secp256r1-SHA256', SD: sd })}`);
}

const f = await openFixture('wattproof.example/eu-central-1');
await f.registry.register({
  signerId: METER,
  mode: 'device',
  keyType: 'OCMF',
  publicKey: new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })),
  meters: [METER],
  ratedCapacityW: 22_000,
});
const records = [
  record(1, [
    { TM: time(T0), TX: 'B', RV: 1.0, RI: '1-0:1.8.0', RU: 'kWh', ST: 'G' },
    { TM: time(T0), TX: 'B', RV: 0.5, RI: '1-0:2.8.0', RU: 'kWh', ST: 'G' },
    { TM: time(T0 + 900), TX: 'E', RV: 1.25, RI: '1-0:1.8.0', RU: 'kWh', ST: 'G' },
    { TM: time(T0 + 900), TX: 'E', RV: 0.6, RI: '1-0:2.8.0', RU: 'kWh', ST: 'G' },
  ]),
  record(2, [{ TM: time(T0 + 1800), TX: 'B', RV: 1.25, RI: '1-0:1.8.0', RU: 'kWh', ST: 'G' }]),
];
for (const bytes of records) {
  await f.ledger.append([
    {
      kind: EntryKind.readingOcmf,
      bytes,
      meta: { receivedAt: 0, meterId: METER, intervalStart: T0 },
    },
  ]);
}
const bundle = await buildBundle({ ...f, meters: [METER], from: T0, to: T0 + 3600 });
await writeFile(process.argv[2]!, `${JSON.stringify({ logVkey: f.log.vkey, bundle }, null, 2)}\n`);
await f.close();
