/**
 * `issueFromBundle`: issue events from a real signed bundle (a ledger and log in a temp
 * folder, built by the bundle builder), the bundle verified by the core itself — granular Wh
 * equal to certify's hourly figures, GO carries chained from the registry state, the second
 * issue of an hour refused with the first one's leaf index, refused bundles with the
 * verifier's code — and every event it gives accepted by the state machine.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundle } from '../../../src/bundle/index.ts';
import { utf8 } from '../../../src/core/bytes.ts';
import { verifyBundle, type BundleJson } from '../../../src/core/bundle/index.ts';
import {
  BundleRefusedError,
  certificateId,
  issueFromBundle,
  replayRegistry,
  type CertificateEvent,
  type IssueEvent,
  type IssueFromBundleRequest,
  type RegistryState,
} from '../../../src/core/certificates/index.ts';
import { bundleSha256, certify, GO_UNIT_WH } from '../../../src/core/certify/index.ts';
import {
  addSignatures,
  cosignatureV1Signer,
  cosignatureV1VkeyOf,
  generateEd25519Key,
} from '../../../src/core/note/index.ts';
import { TestSigner } from '../../e2e/node-harness.ts';
import { appendReadings, openFixture, register, type Fixture } from '../../bundle/fixture.ts';
import { codeOf, issue, REGISTRY } from './fixtures.ts';

const ORIGIN = 'wattproof.test/issue';
const T0 = 1_767_225_600; // 2026-01-01T00:00Z
const H = 3600;
const EXPORT = '1-0:2.8.0';
const IMPORT = '1-0:1.8.0';
const METER = 'meter-gen';
/** Export energy of the readings of sequences 1–12 (three hours of 15 minutes each). */
const EXPORT_WH = Array.from({ length: 12 }, (_, i) => 250_000 + (i + 1) * 1_234);

let f: Fixture;
let bytes: Uint8Array;
let bundle: BundleJson;
/** The bundle of [T0 + 30 min, T0 + 3 h): it misses half of hour 0. */
let halfBytes: Uint8Array;
let witnessVkey: string;
let trust: IssueFromBundleRequest['trust'];

beforeAll(async () => {
  f = await openFixture(ORIGIN);
  const dev = new TestSigner('dev-gen', 'device', [METER]);
  await register(f, dev);
  let register_ = 1_000_000;
  for (const [i, energyWh] of EXPORT_WH.entries()) {
    register_ += energyWh;
    await appendReadings(f, dev, [i + 1], T0, { obis: EXPORT, energyWh, registerWh: register_ });
  }
  // Hour 0 also imports 4 × 500 Wh: a consumption record, not issued by default.
  for (const seq of [13, 14, 15, 16]) {
    const start = T0 + (seq - 13) * 900;
    await appendReadings(f, dev, [seq], T0, {
      intervalStart: start,
      intervalEnd: start + 900,
      registerWh: 20_000 + (seq - 12) * 500,
    });
  }
  const witness = generateEd25519Key('witness.example/w1');
  witnessVkey = cosignatureV1VkeyOf(witness.skey);
  const built = await buildBundle({ ...f, meters: [METER], from: T0, to: T0 + 3 * H });
  bundle = {
    ...built,
    checkpoint: addSignatures(built.checkpoint, [cosignatureV1Signer(witness.skey)]),
  };
  bytes = utf8(JSON.stringify(bundle));
  const half = await buildBundle({ ...f, meters: [METER], from: T0 + 1800, to: T0 + 3 * H });
  halfBytes = utf8(
    JSON.stringify({
      ...half,
      checkpoint: addSignatures(half.checkpoint, [cosignatureV1Signer(witness.skey)]),
    }),
  );
  trust = { logVkey: f.log.vkey, witnessVkeys: [witnessVkey], minWitnesses: 1 };
});
afterAll(async () => {
  await f?.close();
});

/** A registry state after `events` at leaf indices 0, 1, 2, … (each replay is a fresh copy). */
function stateOf(events: readonly CertificateEvent[] = []): RegistryState {
  return replayRegistry(
    REGISTRY,
    events.map((event, leafIndex) => ({ event, leafIndex })),
  ).state;
}

function request(p: Partial<IssueFromBundleRequest> = {}): IssueFromBundleRequest {
  return {
    bundle: bytes,
    trust,
    registry: REGISTRY,
    account: 'producer',
    time: T0 + 86_400,
    kind: 'granular',
    state: stateOf(),
    ...p,
  };
}

/** Applies `events` after `prior` (at the following leaf indices) and returns the verdicts. */
function applied(prior: readonly CertificateEvent[], events: readonly IssueEvent[]): string[] {
  const { verdicts } = replayRegistry(
    REGISTRY,
    [...prior, ...events].map((event, leafIndex) => ({ event, leafIndex })),
  );
  return verdicts.slice(prior.length).map((v) => (v.status === 'accepted' ? v.status : v.code));
}

function hourWh(hour: number): number {
  return EXPORT_WH.slice(hour * 4, hour * 4 + 4).reduce((a, b) => a + b, 0);
}

function refusedCode(f_: () => unknown): [string | undefined, string | undefined] {
  try {
    f_();
  } catch (e) {
    expect(e).toBeInstanceOf(BundleRefusedError);
    return [(e as BundleRefusedError).code, (e as BundleRefusedError).verifierCode];
  }
  return [undefined, undefined];
}

describe('when issuing granular certificates from a real signed bundle', () => {
  it('gives one event per export hour with certify’s hourly Wh and the exact bytes’ hash', () => {
    const out = issueFromBundle(request());
    const hash = createHash('sha256').update(bytes).digest();
    expect(Buffer.from(out.bundleSha256)).toEqual(hash);
    const verdict = verifyBundle(bytes, trust);
    if (!verdict.valid) throw new Error(verdict.code);
    const records = certify(verdict, { evidenceSha256: bundleSha256(bytes) })
      .granularCertificates.filter((g) => g.direction === 'production')
      .map((g) => [
        g.deviceId,
        g.register,
        Date.parse(g.productionStartingInterval) / 1000,
        g.bundleQuantity,
      ]);
    expect(records).toHaveLength(3);
    expect(out.events.map((e) => [e.meterId, e.obis, e.hour, e.energyWh])).toEqual(records);
    expect(out.events.map((e) => e.energyWh)).toEqual([hourWh(0), hourWh(1), hourWh(2)]);
    expect(out.refusals).toEqual([]);
    for (const e of out.events) {
      expect(e).toMatchObject({
        type: 'issue',
        registry: REGISTRY,
        kind: 'granular',
        account: 'producer',
      });
      expect('carryInWh' in e).toBe(false);
      expect(Buffer.from(e.bundleSha256)).toEqual(hash);
      expect(e.certificateId).toEqual(
        certificateId({
          issuer: REGISTRY,
          kind: 'granular',
          meterId: METER,
          obis: EXPORT,
          hour: e.hour,
        }),
      );
    }
  });

  it('gives events the state machine accepts, crediting each hour’s Wh to the account', () => {
    const prior = [issue({ meterId: 'other-meter' })];
    const out = issueFromBundle(request({ state: stateOf(prior) }));
    expect(applied(prior, out.events)).toEqual(['accepted', 'accepted', 'accepted']);
    const { state } = replayRegistry(
      REGISTRY,
      [...prior, ...out.events].map((event, leafIndex) => ({ event, leafIndex })),
    );
    expect(out.events.map((e) => state.holding(e.certificateId, 'producer'))).toEqual([
      hourWh(0),
      hourWh(1),
      hourWh(2),
    ]);
  });

  it('issues the import channel only when asked, and the hours asked in issue order', () => {
    const out = issueFromBundle(
      request({
        hours: [
          { meterId: METER, obis: EXPORT, hour: T0 + 2 * H },
          { meterId: METER, obis: IMPORT, hour: T0 },
          { meterId: METER, obis: EXPORT, hour: T0 },
        ],
      }),
    );
    expect(out.events.map((e) => [e.obis, e.hour, e.energyWh])).toEqual([
      [IMPORT, T0, 2000],
      [EXPORT, T0, hourWh(0)],
      [EXPORT, T0 + 2 * H, hourWh(2)],
    ]);
    expect(applied([], out.events)).toEqual(['accepted', 'accepted', 'accepted']);
  });
});

describe('when issuing GO units from a real signed bundle', () => {
  function units(prior: readonly CertificateEvent[], events: readonly IssueEvent[]): number[] {
    const { state } = replayRegistry(
      REGISTRY,
      [...prior, ...events].map((event, leafIndex) => ({ event, leafIndex })),
    );
    return events.map((e) => state.certificate(e.certificateId)!.live);
  }

  it('chains the carry across the hours: units and carry add up to the whole Wh', () => {
    const out = issueFromBundle(request({ kind: 'go' }));
    const total = hourWh(0) + hourWh(1) + hourWh(2);
    expect(out.events.map((e) => e.carryInWh)).toEqual([
      0,
      hourWh(0) % GO_UNIT_WH,
      (hourWh(0) + hourWh(1)) % GO_UNIT_WH,
    ]);
    expect(applied([], out.events)).toEqual(['accepted', 'accepted', 'accepted']);
    const got = units([], out.events);
    expect(got.reduce((a, b) => a + b, 0)).toBe(Math.floor(total / GO_UNIT_WH));
    const { state } = replayRegistry(
      REGISTRY,
      out.events.map((event, leafIndex) => ({ event, leafIndex })),
    );
    expect(state.goCarry(METER, EXPORT)).toBe(total % GO_UNIT_WH);
  });

  it('starts from the carry the registry state holds for the meter channel', () => {
    const prior = [issue({ kind: 'go', meterId: METER, hour: T0 - H, energyWh: 999_999 })];
    const state = stateOf(prior);
    expect(state.goCarry(METER, EXPORT)).toBe(999_999);
    const out = issueFromBundle(request({ kind: 'go', state }));
    expect(out.events[0]!.carryInWh).toBe(999_999);
    expect(applied(prior, out.events)).toEqual(['accepted', 'accepted', 'accepted']);
    const total = 999_999 + hourWh(0) + hourWh(1) + hourWh(2);
    expect(units(prior, out.events).reduce((a, b) => a + b, 0)).toBe(
      Math.floor(total / GO_UNIT_WH),
    );
    const after = stateOf([...prior, ...out.events]);
    expect(after.goCarry(METER, EXPORT)).toBe(total % GO_UNIT_WH);
  });

  it('refuses GO units of the import channel with NOT_EXPORT_CHANNEL', () => {
    const hours = [{ meterId: METER, obis: IMPORT, hour: T0 }];
    expect(codeOf(() => issueFromBundle(request({ kind: 'go', hours })))).toBe(
      'NOT_EXPORT_CHANNEL',
    );
  });
});

describe('when the state already issued hours of the bundle', () => {
  it('refuses a second issue of the bundle per hour with the leaf index of the first', () => {
    const prior = [issue({ meterId: 'other-meter' })];
    const first = issueFromBundle(request({ state: stateOf(prior) })).events;
    const log = [...prior, ...first]; // the first issue of hour k is at leaf k + 1
    const again = issueFromBundle(request({ state: stateOf(log) }));
    expect(again.events).toEqual([]);
    expect(again.refusals).toEqual(
      [0, 1, 2].map((k) => ({
        meterId: METER,
        obis: EXPORT,
        hour: T0 + k * H,
        code: 'ALREADY_ISSUED',
        firstLeafIndex: k + 1,
      })),
    );
    // The state machine agrees: each again made by hand would be void with the same leaf.
    const { verdicts } = replayRegistry(
      REGISTRY,
      [...log, ...first].map((event, leafIndex) => ({ event, leafIndex })),
    );
    expect(verdicts.slice(log.length)).toEqual(
      [1, 2, 3].map((firstLeafIndex) => ({
        status: 'void',
        code: 'ALREADY_ISSUED',
        firstLeafIndex,
      })),
    );
  });

  it('refuses a GO issue of an hour issued granular, and chains the carry past it', () => {
    const granular = issueFromBundle(
      request({ hours: [{ meterId: METER, obis: EXPORT, hour: T0 + H }] }),
    ).events;
    const out = issueFromBundle(request({ kind: 'go', state: stateOf(granular) }));
    expect(out.refusals).toEqual([
      { meterId: METER, obis: EXPORT, hour: T0 + H, code: 'ALREADY_ISSUED', firstLeafIndex: 0 },
    ]);
    expect(out.events.map((e) => [e.hour, e.carryInWh])).toEqual([
      [T0, 0],
      [T0 + 2 * H, hourWh(0) % GO_UNIT_WH],
    ]);
    expect(applied(granular, out.events)).toEqual(['accepted', 'accepted']);
  });
});

describe('when the bundle does not verify', () => {
  it('refuses a tampered bundle with the verifier’s code', () => {
    const tampered = JSON.parse(JSON.stringify(bundle)) as { entries: { salt: string }[] };
    const salt = tampered.entries.at(-1)!.salt;
    tampered.entries.at(-1)!.salt = (salt[0] === 'A' ? 'B' : 'A') + salt.slice(1);
    const bad = utf8(JSON.stringify(tampered));
    const verdict = verifyBundle(bad, trust);
    expect(verdict.valid).toBe(false);
    expect(refusedCode(() => issueFromBundle(request({ bundle: bad })))).toEqual([
      'BUNDLE_REFUSED',
      'PROOF_MISMATCH',
    ]);
  });

  it('refuses a bundle of a log key the registry does not trust', () => {
    const stranger = generateEd25519Key(ORIGIN).vkey;
    const untrusted = { logVkey: stranger, witnessVkeys: [witnessVkey], minWitnesses: 1 };
    expect(refusedCode(() => issueFromBundle(request({ trust: untrusted })))).toEqual([
      'BUNDLE_REFUSED',
      'WRONG_LOG',
    ]);
  });

  it('refuses a bundle its witness policy does not accept', () => {
    const strict = { logVkey: f.log.vkey, minWitnesses: 1 };
    expect(refusedCode(() => issueFromBundle(request({ trust: strict })))).toEqual([
      'BUNDLE_REFUSED',
      'TOO_FEW_WITNESSES',
    ]);
  });

  it('never uses other bytes than those it verified (a reformatted file hashes otherwise)', () => {
    const pretty = utf8(JSON.stringify(bundle, null, 2));
    const a = issueFromBundle(request());
    const b = issueFromBundle(request({ bundle: pretty }));
    expect(Buffer.from(b.bundleSha256)).not.toEqual(Buffer.from(a.bundleSha256));
    expect(b.events.map((e) => e.energyWh)).toEqual(a.events.map((e) => e.energyWh));
  });
});

describe('when the request asks for what the bundle does not prove', () => {
  const at = (hour: number, meterId = METER) => [{ meterId, obis: EXPORT, hour }];

  it('refuses an hour outside the bundle’s period with HOUR_NOT_COVERED', () => {
    expect(codeOf(() => issueFromBundle(request({ hours: at(T0 + 3 * H) })))).toBe(
      'HOUR_NOT_COVERED',
    );
    expect(codeOf(() => issueFromBundle(request({ hours: at(T0 - H) })))).toBe('HOUR_NOT_COVERED');
  });

  it('leaves out by default an hour the bundle’s period covers only in part', () => {
    const verdict = verifyBundle(halfBytes, trust);
    if (!verdict.valid) throw new Error(verdict.code);
    const certified = certify(verdict, { evidenceSha256: bundleSha256(halfBytes) });
    // certify gives a record of the half hour; the registry does not issue it.
    expect(certified.granularCertificates.filter((g) => g.direction === 'production')).toHaveLength(
      3,
    );
    const out = issueFromBundle(request({ bundle: halfBytes }));
    expect(out.events.map((e) => [e.hour, e.energyWh])).toEqual([
      [T0 + H, hourWh(1)],
      [T0 + 2 * H, hourWh(2)],
    ]);
    expect(codeOf(() => issueFromBundle(request({ bundle: halfBytes, hours: at(T0) })))).toBe(
      'HOUR_NOT_COVERED',
    );
  });

  it('refuses a meter-hour with no proven Wh with NO_ENERGY_PROVEN', () => {
    expect(codeOf(() => issueFromBundle(request({ hours: at(T0, 'meter-none') })))).toBe(
      'NO_ENERGY_PROVEN',
    );
    const hours = [{ meterId: METER, obis: IMPORT, hour: T0 + H }];
    expect(codeOf(() => issueFromBundle(request({ hours })))).toBe('NO_ENERGY_PROVEN');
  });

  it('refuses a malformed request with INVALID_FIELD', () => {
    const twice = [...at(T0), ...at(T0)];
    for (const p of [
      { hours: twice },
      { hours: at(T0 + 1) },
      { registry: 'registry.example/ch' },
      { account: 'no spaces allowed' },
      { time: -1 },
      { kind: 'gc' as 'go' },
      { bundle: 'text' as unknown as Uint8Array },
    ]) {
      expect(codeOf(() => issueFromBundle(request(p)))).toBe('INVALID_FIELD');
    }
  });
});
