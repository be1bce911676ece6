/**
 * The table of hostile and malformed messages, shared by the pipeline test and the end-to-end
 * tests that send it through real brokers. Each row: a name, the messages, and the expected
 * reject code of each hostile reading (the whole message's code when it is refused whole).
 * The state it expects: meter mtr-A and OCMF-1 have accepted sequence 10 (see `HOSTILE_SETUP`).
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { concatBytes, utf8 } from '../../../src/core/bytes.ts';
import {
  CborFloat,
  CborTag,
  decodeCbor,
  encodeCbor,
  type CborValue,
} from '../../../src/core/cbor/index.ts';
import { CoseAlg, signCoseSign1 } from '../../../src/core/cose/index.ts';
import { READING_CONTENT_TYPE } from '../../../src/core/reading/index.ts';
import type { InboundMessage } from '../../../src/mqtt/transport.ts';
import { meterReadingsTopic, platformReadingsTopic } from '../../../src/ingest/topics.ts';
import {
  DEV_A,
  DEV_C,
  DEV_R,
  msg,
  NOW_MS,
  ocmfPayload,
  ocmfRecord,
  PLAT_1,
  reading,
  signed,
  T0,
} from './fixtures.ts';

export const A = meterReadingsTopic('mtr-A');
export const OCMF = meterReadingsTopic('OCMF-1');
export const P1 = platformReadingsTopic('plat-1');
const MIB = new Uint8Array(1 << 20).fill(0x41);

/** The COSE_Sign1 parts of a signed reading. */
function parts(bytes: Uint8Array): [Uint8Array, Map<number, CborValue>, Uint8Array, Uint8Array] {
  return (decodeCbor(bytes) as CborTag).value as [
    Uint8Array,
    Map<number, CborValue>,
    Uint8Array,
    Uint8Array,
  ];
}

/** A COSE_Sign1 of DEV_A over an arbitrary payload map (to smuggle bad field values). */
function signedPayload(fields: Map<number, CborValue>, sub = 'mtr-A'): Uint8Array {
  return signCoseSign1({
    alg: CoseAlg.EdDSA,
    kid: utf8('dev-A'),
    iss: 'dev-A',
    sub,
    contentType: READING_CONTENT_TYPE,
    payload: encodeCbor(fields),
    privateKey: DEV_A.privateKey,
  });
}

function payloadFields(seq: number, over: [number, CborValue][] = []): Map<number, CborValue> {
  const r = reading('mtr-A', seq);
  const m = new Map<number, CborValue>([
    [1, r.meterId],
    [2, r.sequence],
    [3, r.intervalStart],
    [4, r.intervalEnd],
    [5, r.obis],
    [6, r.registerWh],
    [7, r.energyWh],
    [8, r.quality],
  ]);
  for (const [k, v] of over) m.set(k, v);
  return m;
}

const good11 = signed(DEV_A, reading('mtr-A', 11));
const other12 = signed(DEV_A, reading('mtr-A', 12));
const [prot11, , payload11] = parts(good11);
const [, , , sig12] = parts(other12);

function nested(depth: number): Uint8Array {
  return concatBytes(new Uint8Array(depth).fill(0x81), Uint8Array.of(0x00));
}

const es384Header = encodeCbor(
  new Map<number, CborValue>([
    [1, -35],
    [3, READING_CONTENT_TYPE],
    [4, utf8('dev-A')],
    [
      15,
      new Map<number, CborValue>([
        [1, 'dev-A'],
        [2, 'mtr-A'],
      ]),
    ],
  ]),
);

const strangerKey = new Uint8Array(32).fill(0x77);

/** [name, messages, expected codes of the hostile readings (whole-message code when refused whole)]. */
export const HOSTILE_TABLE: [string, InboundMessage[], string[]][] = [
  ['truncated CBOR', [msg(A, good11.subarray(0, 50))], ['MALFORMED_COSE']],
  [
    'the wrong COSE tag (17)',
    [msg(A, concatBytes(Uint8Array.of(0xd1), good11.subarray(1)))],
    ['MALFORMED_COSE'],
  ],
  ['an untagged COSE array', [msg(A, good11.subarray(1))], ['MALFORMED_COSE']],
  [
    'trailing bytes after the COSE_Sign1',
    [msg(A, concatBytes(good11, Uint8Array.of(0)))],
    ['MALFORMED_COSE'],
  ],
  [
    'a detached payload',
    [msg(A, encodeCbor(new CborTag(18, [prot11, new Map(), null, sig12])))],
    ['MALFORMED_COSE'],
  ],
  [
    'a non-empty unprotected header',
    [
      msg(
        A,
        encodeCbor(new CborTag(18, [prot11, new Map([[5, Uint8Array.of(1)]]), payload11, sig12])),
      ),
    ],
    ['MALFORMED_COSE'],
  ],
  [
    'an unsupported algorithm (ES384)',
    [msg(A, encodeCbor(new CborTag(18, [es384Header, new Map(), payload11, new Uint8Array(96)])))],
    ['UNSUPPORTED_ALGORITHM'],
  ],
  [
    'a signature over other bytes',
    [msg(A, encodeCbor(new CborTag(18, [prot11, new Map(), payload11, sig12])))],
    ['BAD_SIGNATURE'],
  ],
  [
    'a kid of another meter',
    [msg(A, signed(DEV_C, reading('mtr-A', 11)))],
    ['METER_NOT_AUTHORIZED'],
  ],
  [
    'a device reading on another meter topic',
    [msg(meterReadingsTopic('mtr-C'), good11)],
    ['WRONG_TOPIC'],
  ],
  [
    'a platform-signed reading on a meter topic',
    [msg(A, signed(PLAT_1, reading('mtr-A', 11)))],
    ['WRONG_TOPIC'],
  ],
  [
    'an iss other than the kid',
    [msg(A, signed(DEV_A, reading('mtr-A', 11), { issuer: 'someone' }))],
    ['ISSUER_MISMATCH'],
  ],
  [
    'an unknown kid',
    [
      msg(
        A,
        signed(
          {
            privateKey: strangerKey,
            record: {
              ...DEV_A.record,
              signerId: 'dev-Z',
              publicKey: ed25519.getPublicKey(strangerKey),
            },
          },
          reading('mtr-A', 11),
        ),
      ),
    ],
    ['UNKNOWN_KEY'],
  ],
  [
    'a revoked key',
    [msg(meterReadingsTopic('mtr-R'), signed(DEV_R, reading('mtr-R', 1)))],
    ['REVOKED_KEY'],
  ],
  [
    'a replayed sequence',
    [msg(A, signed(DEV_A, reading('mtr-A', 5)))],
    ['SEQUENCE_NOT_INCREASING'],
  ],
  [
    'an equivocation',
    [msg(A, signed(DEV_A, reading('mtr-A', 10, { quality: 0 })))],
    ['EQUIVOCATION'],
  ],
  [
    'a register going backwards',
    [msg(A, signed(DEV_A, reading('mtr-A', 11, { registerWh: 1 })))],
    ['REGISTER_BACKWARDS'],
  ],
  [
    'implausible energy',
    [msg(A, signed(DEV_A, reading('mtr-A', 11, { energyWh: 1_000_000 })))],
    ['IMPLAUSIBLE_ENERGY'],
  ],
  [
    'a future timestamp',
    [
      msg(
        A,
        signed(
          DEV_A,
          reading('mtr-A', 11, { intervalStart: NOW_MS / 1000, intervalEnd: NOW_MS / 1000 + 3600 }),
        ),
      ),
    ],
    ['FUTURE_TIMESTAMP'],
  ],
  [
    'NaN energy',
    [msg(A, signedPayload(payloadFields(11, [[7, new CborFloat(NaN)]])))],
    ['MALFORMED_READING'],
  ],
  [
    'negative energy',
    [msg(A, signedPayload(payloadFields(11, [[7, -250]])))],
    ['MALFORMED_READING'],
  ],
  [
    'a float sequence number',
    [msg(A, signedPayload(payloadFields(11, [[2, new CborFloat(11.5)]])))],
    ['MALFORMED_READING'],
  ],
  [
    'an interval that ends before it starts',
    [msg(A, signedPayload(payloadFields(11, [[4, T0]])))],
    ['MALFORMED_READING'],
  ],
  [
    'a CWT sub that is not the meter',
    [msg(A, signedPayload(payloadFields(11), 'mtr-C'))],
    ['MALFORMED_READING'],
  ],
  ['a 1 MiB payload on a meter topic', [msg(A, MIB)], ['OVERSIZE']],
  ['a 1 MiB payload on a platform topic', [msg(P1, MIB)], ['OVERSIZE']],
  ['a 1 MiB payload on an unknown topic', [msg('x/y', MIB)], ['OVERSIZE']],
  ['an empty payload', [msg(A, new Uint8Array(0))], ['MALFORMED_MESSAGE']],
  [
    'an unknown topic',
    [msg('wattproof/v1/meters/mtr-A/readings/extra', good11)],
    ['UNKNOWN_TOPIC'],
  ],
  [
    'a topic with an unpaired surrogate',
    [msg('wattproof/v1/\uD800/readings', good11)],
    ['UNKNOWN_TOPIC'],
  ],
  ['deeply nested CBOR on a meter topic', [msg(A, nested(200))], ['MALFORMED_COSE']],
  ['deeply nested CBOR on a platform topic', [msg(P1, nested(200))], ['MALFORMED_MESSAGE']],
  [
    'a CBOR array with garbage elements',
    [msg(P1, encodeCbor([7, 'text', new Map(), utf8('OCMF|x'), new Uint8Array(5000)]))],
    ['MALFORMED_MESSAGE', 'MALFORMED_MESSAGE', 'MALFORMED_MESSAGE', 'MALFORMED_OCMF', 'OVERSIZE'],
  ],
  [
    'a non-canonical CBOR batch',
    [
      msg(
        P1,
        concatBytes(Uint8Array.of(0x98, 0x01), encodeCbor(signed(PLAT_1, reading('mtr-L1', 1)))),
      ),
    ],
    ['MALFORMED_MESSAGE'],
  ],
  [
    'invalid UTF-8 in OCMF',
    [
      msg(
        OCMF,
        concatBytes(
          utf8('OCMF|{"PG":"T11","MS":"OCMF-1","X":"'),
          Uint8Array.of(0xc3, 0x28),
          utf8('"}|{"SD":"00"}'),
        ),
      ),
    ],
    ['MALFORMED_OCMF'],
  ],
  ['OCMF without a signature section', [msg(OCMF, 'OCMF|{"PG":"T11"}')], ['MALFORMED_OCMF']],
  [
    'OCMF with a bad signature',
    [
      msg(
        OCMF,
        ocmfRecord(ocmfPayload(11)).replace(
          /"SD":"[0-9A-F]+"/,
          `"SD":"${ocmfRecord(ocmfPayload(12)).match(/"SD":"([0-9A-F]+)"/)![1]}"`,
        ),
      ),
    ],
    ['BAD_SIGNATURE'],
  ],
  [
    'OCMF with a curve other than the key',
    [
      msg(
        OCMF,
        ocmfRecord(ocmfPayload(11)).replace('{"SD"', '{"SA":"ECDSA-secp256k1-SHA256","SD"'),
      ),
    ],
    ['BAD_SIGNATURE'],
  ],
  [
    'OCMF with an unknown algorithm',
    [msg(OCMF, ocmfRecord(ocmfPayload(11)).replace('{"SD"', '{"SA":"RSA-SHA1","SD"'))],
    ['UNSUPPORTED_ALGORITHM'],
  ],
  [
    'OCMF with a duplicate JSON key',
    [msg(OCMF, ocmfRecord(ocmfPayload(11)).replace('"PG":"T11"', '"PG":"T11","PG":"T99"'))],
    ['MALFORMED_OCMF'],
  ],
  [
    'OCMF with an exponent bomb',
    [
      msg(
        OCMF,
        ocmfRecord(
          ocmfPayload(11, {
            RD: [
              {
                TM: '2026-01-01T00:00:00,000+0000 S',
                RV: '1e99999',
                RI: '1-0:1.8.0',
                RU: 'kWh',
                ST: 'G',
              },
            ],
          }),
        ),
      ),
    ],
    ['MALFORMED_OCMF'],
  ],
];

/** The messages that set up the state the table expects (accepted sequence 10 of mtr-A and OCMF-1). */
export function hostileSetup(): InboundMessage[] {
  return [msg(A, signed(DEV_A, reading('mtr-A', 10))), msg(OCMF, ocmfRecord(ocmfPayload(10)))];
}
