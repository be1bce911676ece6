/**
 * Fixed test keys, signers and signed readings for the ingest tests. The keys are published
 * here: never use them for anything real.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { concatBytes, fromHex, utf8 } from '../../../src/core/bytes.ts';
import { CoseAlg, type CoseAlgorithm } from '../../../src/core/cose/index.ts';
import { parseOcmfPublicKey } from '../../../src/core/ocmf/index.ts';
import { signReading, type Reading } from '../../../src/core/reading/index.ts';
import type { InboundMessage } from '../../../src/mqtt/transport.ts';
import type { SignerDirectory, SignerRecord } from '../../../src/registry/signer.ts';
import samples from '../../vectors/ocmf-samples.json' with { type: 'json' };

/** 2026-01-01T00:00:00Z, Unix seconds: the first interval starts here. */
export const T0 = 1_767_225_600;
/** The fake clock: 30 days after {@link T0}, ms. */
export const NOW_MS = (T0 + 30 * 86_400) * 1000;

/** A signing key of a test signer. */
export interface TestSigner {
  readonly record: SignerRecord;
  readonly alg?: CoseAlgorithm;
  readonly privateKey: Uint8Array;
}

const seed = (b: number): Uint8Array => new Uint8Array(32).fill(b);

function edSigner(
  signerId: string,
  mode: 'device' | 'platform',
  meters: string[],
  b: number,
  extra: Partial<SignerRecord> = {},
): TestSigner {
  const privateKey = seed(b);
  return {
    alg: CoseAlg.EdDSA,
    privateKey,
    record: {
      signerId,
      mode,
      keyType: 'Ed25519',
      publicKey: ed25519.getPublicKey(privateKey),
      meters,
      ratedCapacityW: 10_000,
      registeredAt: 1,
      ...extra,
    },
  };
}

/** Device of meter `mtr-A` (Ed25519). */
export const DEV_A = edSigner('dev-A', 'device', ['mtr-A'], 0x11);
/** Device of meter `mtr-C` (Ed25519). */
export const DEV_C = edSigner('dev-C', 'device', ['mtr-C'], 0x13);
/** Device of meter `mtr-R`, revoked. */
export const DEV_R = edSigner('dev-R', 'device', ['mtr-R'], 0x14, { revokedAt: 7 });
/** Platform `plat-1` (Ed25519) for meters `mtr-L1` and `mtr-L2`. */
export const PLAT_1 = edSigner('plat-1', 'platform', ['mtr-L1', 'mtr-L2'], 0x21);
/** Platform `plat-2` (Ed25519) for meter `mtr-L3`. */
export const PLAT_2 = edSigner('plat-2', 'platform', ['mtr-L3'], 0x22);
/** Device of meter `mtr-L1` (relayed by a platform). */
export const DEV_L1 = edSigner('dev-L1', 'device', ['mtr-L1'], 0x23);

const P256_KEY = seed(0x12);
/** Device of meter `mtr-B` (ES256, 65-byte uncompressed key). */
export const DEV_B: TestSigner = {
  alg: CoseAlg.ES256,
  privateKey: P256_KEY,
  record: {
    signerId: 'dev-B',
    mode: 'device',
    keyType: 'P-256',
    publicKey: p256.getPublicKey(P256_KEY, false),
    meters: ['mtr-B'],
    ratedCapacityW: 10_000,
    registeredAt: 2,
  },
};

const P256_SPKI_PREFIX = fromHex('3059301306072a8648ce3d020106082a8648ce3d030107034200');
const OCMF_KEY = seed(0x31);
/** An OCMF meter `OCMF-1` with a P-256 key (SPKI). */
export const OCMF_1: TestSigner = {
  privateKey: OCMF_KEY,
  record: {
    signerId: 'OCMF-1',
    mode: 'device',
    keyType: 'OCMF',
    publicKey: concatBytes(P256_SPKI_PREFIX, p256.getPublicKey(OCMF_KEY, false)),
    meters: ['OCMF-1'],
    ratedCapacityW: 22_000,
    registeredAt: 3,
  },
};

/** The OCMF samples (test/vectors/ocmf-samples.json). */
export const OCMF_SAMPLES = samples as readonly {
  sample: string;
  valid: boolean;
  ocmf: string;
  publicKey: string;
}[];

/** Signers of the OCMF samples: MS, else GS, with the sample's key. */
export function sampleSigners(): SignerRecord[] {
  const out = new Map<string, SignerRecord>();
  for (const s of OCMF_SAMPLES) {
    const payload = JSON.parse(s.ocmf.slice(5, s.ocmf.lastIndexOf('|'))) as Record<string, string>;
    const id = payload.MS || payload.GS || '';
    out.set(id, {
      signerId: id,
      mode: 'device',
      keyType: 'OCMF',
      publicKey: parseOcmfPublicKey(s.publicKey).spki,
      meters: [id],
      ratedCapacityW: 22_000,
      registeredAt: 4,
    });
  }
  return [...out.values()];
}

/** A directory of the given signers (all the fixed ones by default). */
export class FakeDirectory implements SignerDirectory {
  readonly signers = new Map<string, SignerRecord>();
  lookups = 0;

  constructor(records: readonly SignerRecord[] = ALL_SIGNERS.map((s) => s.record)) {
    for (const r of records) this.signers.set(r.signerId, r);
  }

  get(signerId: string): SignerRecord | undefined {
    this.lookups++;
    return this.signers.get(signerId);
  }
}

/** Every fixed signer. */
export const ALL_SIGNERS: readonly TestSigner[] = [
  DEV_A,
  DEV_B,
  DEV_C,
  DEV_R,
  PLAT_1,
  PLAT_2,
  DEV_L1,
  OCMF_1,
];

/** A 15-minute import reading: sequence `seq` in interval `seq`, 250 Wh each. */
export function reading(meterId: string, seq: number, over: Partial<Reading> = {}): Reading {
  const start = T0 + seq * 900;
  return {
    meterId,
    sequence: seq,
    intervalStart: start,
    intervalEnd: start + 900,
    obis: '1-0:1.8.0',
    registerWh: 100_000 + seq * 250,
    energyWh: 250,
    quality: 1,
    ...over,
  };
}

/** `reading` signed by `signer` as COSE_Sign1 with kid = UTF-8 signer id, iss = signer id. */
export function signed(
  signer: TestSigner,
  r: Reading,
  over: { issuer?: string; kid?: Uint8Array } = {},
): Uint8Array {
  return signReading(r, {
    alg: signer.alg ?? CoseAlg.EdDSA,
    kid: over.kid ?? utf8(signer.record.signerId),
    issuer: over.issuer ?? signer.record.signerId,
    privateKey: signer.privateKey,
  });
}

/** An OCMF payload section for `OCMF-1` with pagination `T<seq>` and registers in kWh. */
export function ocmfPayload(seq: number, over: Record<string, unknown> = {}): string {
  const start = new Date((T0 + seq * 900) * 1000).toISOString().replace('.000Z', ',000+0000 S');
  const end = new Date((T0 + seq * 900 + 900) * 1000).toISOString().replace('.000Z', ',000+0000 S');
  const begin = (100 + seq * 0.25).toFixed(3);
  const finish = (100 + seq * 0.25 + 0.25).toFixed(3);
  return JSON.stringify({
    FV: '1.0',
    GI: 'WATTPROOF_TEST',
    GS: 'GW-1',
    PG: `T${seq}`,
    MV: 'TestVendor',
    MS: 'OCMF-1',
    IS: false,
    RD: [
      { TM: start, TX: 'B', RV: Number(begin), RI: '1-b:1.8.0', RU: 'kWh', ST: 'G' },
      { TM: end, TX: 'E', RV: Number(finish) },
    ],
    ...over,
  });
}

/** `OCMF|payload|{"SD":…}` signed with the `OCMF-1` key (ECDSA P-256, SHA-256, DER, hex). */
export function ocmfRecord(payload: string, key: Uint8Array = OCMF_KEY): string {
  const der = p256.sign(utf8(payload), key, { prehash: true, format: 'der' });
  const hex = Array.from(der, (b) => b.toString(16).padStart(2, '0'))
    .join('')
    .toUpperCase();
  return `OCMF|${payload}|{"SD":"${hex}"}`;
}

/** A message on `topic` received at the fake clock. */
export function msg(
  topic: string,
  payload: Uint8Array | string,
  receivedAt = NOW_MS,
): InboundMessage {
  return { topic, payload: typeof payload === 'string' ? utf8(payload) : payload, receivedAt };
}
