/**
 * Checking a verified bundle's anchors with the verifiers of their kinds, and the
 * `--require-anchor` policy on the outcome.
 */
import { describe, expect, it } from 'vitest';
import { toBase64, utf8 } from '../../src/core/bytes.ts';
import type { VerdictAnchor } from '../../src/core/bundle/index.ts';
import {
  anchorJson,
  anchorLine,
  anchorPolicyFailures,
  anchorsFailure,
  anchorVerifiers,
  verifyAnchors,
} from '../../anchors/verify.ts';
import { checkpointDigest, recordBase, type AnchorVerifier } from '../../anchors/anchor.ts';
import { FakeVerifier } from './fake-anchor.ts';

const ORIGIN = 'wattproof.test/verify';
const root = new Uint8Array(32).fill(7);

function anchor(type: string, size: number, digestOf = size): VerdictAnchor {
  const cp = { origin: ORIGIN, size, root };
  const other = { origin: ORIGIN, size: digestOf, root };
  return {
    type,
    size,
    root: toBase64(root),
    time: 1_800_000_000,
    covers: size,
    record: { ...recordBase(type, cp, 1_800_000_000), digest: toBase64(checkpointDigest(other)) },
  };
}

describe('verifyAnchors', () => {
  it('reports verified, failed and unchecked anchors in order', async () => {
    const checks = await verifyAnchors(
      [anchor('fake', 10), anchor('fake2', 12, 11), anchor('none', 9)],
      [new FakeVerifier('fake'), new FakeVerifier('fake2')],
    );
    expect(checks.map((c) => c.status)).toEqual(['verified', 'failed', 'unchecked']);
    const [ok, bad] = checks;
    if (ok?.status !== 'verified' || bad?.status !== 'failed') throw new Error('unexpected');
    expect(ok.attestation).toMatchObject({ size: 10, time: 1_800_000_000, detail: 'fake anchor' });
    expect(bad.code).toBe('ANCHOR_WRONG_CHECKPOINT');
  });

  it('fails an anchor whose verifier attests another size, and a verifier that throws a plain error', async () => {
    const liar: AnchorVerifier = {
      type: 'fake',
      verify: async (r) => ({ type: 'fake', size: 99, root: r.root, time: r.time, detail: '' }),
    };
    const broken: AnchorVerifier = {
      type: 'fake2',
      verify: () => Promise.reject(new TypeError('boom')),
    };
    const checks = await verifyAnchors([anchor('fake', 10), anchor('fake2', 3)], [liar, broken]);
    expect(checks.map((c) => (c.status === 'failed' ? c.code : c.status))).toEqual([
      'ANCHOR_WRONG_CHECKPOINT',
      'ANCHOR_MALFORMED',
    ]);
  });
});

describe('anchorPolicyFailures', () => {
  it('names a missing, an unchecked and a failed required type, and passes a verified one', async () => {
    const checks = await verifyAnchors(
      [anchor('fake', 10), anchor('fake2', 12, 11), anchor('none', 9)],
      [new FakeVerifier('fake'), new FakeVerifier('fake2')],
    );
    expect(anchorPolicyFailures(checks, ['fake'])).toEqual([]);
    expect(
      anchorPolicyFailures(checks, ['fake', 'fake2', 'none', 'evm', 'evm']).map((f) => [
        f.type,
        f.code,
      ]),
    ).toEqual([
      ['fake2', 'ANCHOR_FAILED'],
      ['none', 'ANCHOR_NOT_CHECKED'],
      ['evm', 'ANCHOR_MISSING'],
    ]);
  });
});

describe('anchorVerifiers', () => {
  it('makes a verifier per kind asked for, and refuses an unusable certificate file', async () => {
    expect(await anchorVerifiers({})).toEqual([]);
    expect((await anchorVerifiers({ evmChainId: 246 })).map((v) => v.type)).toEqual(['evm']);
    await expect(anchorVerifiers({ tsaCertificates: [utf8('not a certificate')] })).rejects.toThrow(
      expect.objectContaining({ code: 'ANCHOR_CONFIG' }),
    );
    await expect(anchorVerifiers({ evmSender: '0x12' })).rejects.toThrow(
      expect.objectContaining({ code: 'ANCHOR_CONFIG' }),
    );
  });
});

describe('anchorLine and anchorJson', () => {
  it('print the status, the time and the covered readings of each anchor', async () => {
    const [ok, bad, unchecked] = await verifyAnchors(
      [anchor('fake', 10), anchor('fake2', 12, 11), anchor('none', 9)],
      [new FakeVerifier('fake'), new FakeVerifier('fake2')],
    );
    expect(anchorLine(ok!)).toBe(
      'anchor fake at tree size 10 (covers 10 readings): verified, 2027-01-15T08:00:00Z, fake anchor',
    );
    expect(anchorLine(bad!)).toMatch(
      /^anchor fake2 at tree size 12 .*: FAILED ANCHOR_WRONG_CHECKPOINT: /,
    );
    expect(anchorLine(unchecked!)).toBe(
      'anchor none at tree size 9 (covers 9 readings): not checked (no verifier given), claims 2027-01-15T08:00:00Z',
    );
    expect(anchorJson(ok!)).toEqual({
      type: 'fake',
      size: 10,
      root: toBase64(root),
      covers: 10,
      status: 'verified',
      time: 1_800_000_000,
      detail: 'fake anchor',
    });
    expect(anchorJson(bad!)).toMatchObject({ status: 'failed', code: 'ANCHOR_WRONG_CHECKPOINT' });
    expect(anchorsFailure([ok!, bad!, unchecked!], [])?.code).toBe('ANCHOR_FAILED');
    expect(anchorsFailure([ok!, unchecked!], ['none'])?.code).toBe('ANCHOR_NOT_CHECKED');
    expect(anchorsFailure([ok!, unchecked!], ['fake'])).toBeUndefined();
  });
});
