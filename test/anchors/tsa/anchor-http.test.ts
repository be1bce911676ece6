import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as asn1js from 'asn1js';
import { PKIStatusInfo, TimeStampReq, TimeStampResp } from 'pkijs';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../../src/core/bytes.ts';
import { AnchorError, checkpointDigest, type AnchoredCheckpoint } from '../../../anchors/anchor.ts';
import {
  TIMESTAMP_QUERY_TYPE,
  TIMESTAMP_REPLY_TYPE,
  TsaAnchor,
  buildTimeStampRequest,
  type TsaFetch,
} from '../../../anchors/tsa/index.ts';

const cp: AnchoredCheckpoint = {
  origin: 'wattproof.test/tsa-http',
  size: 42,
  root: new Uint8Array(32).fill(0xab),
};

async function anchorError(p: Promise<unknown>): Promise<AnchorError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AnchorError) return e;
    throw e;
  }
  throw new Error('expected an AnchorError');
}

/** A fetch that answers every request with `body`, `status` and `type`. */
function answering(body: Uint8Array | string, status = 200, type = TIMESTAMP_REPLY_TYPE): TsaFetch {
  return async () =>
    new Response(typeof body === 'string' ? body : body.slice(), {
      status,
      headers: { 'content-type': type },
    });
}

/** DER TimeStampResp with `status` and no token. */
function statusReply(status: number, strings: string[] = [], failBits: number[] = []): Uint8Array {
  const info = new PKIStatusInfo({ status });
  if (strings.length > 0)
    info.statusStrings = strings.map((s) => new asn1js.Utf8String({ value: s }));
  if (failBits.length > 0) {
    const bytes = new Uint8Array(4);
    for (const b of failBits) bytes[b >> 3]! |= 0x80 >> (b & 7);
    info.failInfo = new asn1js.BitString({ valueHex: bytes.buffer, unusedBits: 6 });
  }
  return new Uint8Array(new TimeStampResp({ status: info }).toSchema().toBER(false));
}

const URL_ = 'http://tsa.test/';

describe('TsaAnchor over HTTP', () => {
  describe('when it builds the request', () => {
    it('POSTs an RFC 3161 TimeStampReq over the checkpoint digest', async () => {
      let seen: { url: string; type: string | null; body: Uint8Array } | undefined;
      const capture: TsaFetch = async (url, init) => {
        seen = {
          url,
          type: new Headers(init.headers).get('content-type'),
          body: new Uint8Array(init.body as Uint8Array),
        };
        return new Response('', { status: 503 });
      };
      await anchorError(new TsaAnchor({ url: URL_, fetch: capture }).anchor(cp));
      expect(seen!.url).toBe(URL_);
      expect(seen!.type).toBe(TIMESTAMP_QUERY_TYPE);
      const req = TimeStampReq.fromBER(seen!.body.slice());
      expect(req.version).toBe(1);
      expect(req.certReq).toBe(true);
      expect(req.reqPolicy).toBeUndefined();
      expect(req.messageImprint.hashAlgorithm.algorithmId).toBe('2.16.840.1.101.3.4.2.1');
      // RFC 5754 §2: SHA-2 AlgorithmIdentifiers are generated with absent parameters.
      expect(req.messageImprint.hashAlgorithm.algorithmParams).toBeUndefined();
      expect(toHex(req.messageImprint.hashedMessage.valueBlock.valueHexView)).toBe(
        toHex(checkpointDigest(cp)),
      );
      const nonce = req.nonce!.toBigInt();
      expect(nonce > 0n && nonce < 1n << 64n).toBe(true);
    });

    it('encodes a nonce with the top bit set as a positive minimal INTEGER', () => {
      const digest = checkpointDigest(cp);
      for (const nonce of [0xffffffffffffffffn, 0x8000000000000000n, 1n, 0x7fn, 0x80n]) {
        const req = TimeStampReq.fromBER(buildTimeStampRequest(digest, { nonce }).der.slice());
        expect(req.nonce!.toBigInt()).toBe(nonce);
        const v = req.nonce!.valueBlock.valueHexView;
        expect(v[0] === 0 && v.length > 1 && v[1]! < 0x80).toBe(false);
      }
      expect(() => buildTimeStampRequest(digest.slice(1))).toThrow(RangeError);
    });

    it('asks for the configured policy', async () => {
      let policy: string | undefined;
      const capture: TsaFetch = async (_, init) => {
        policy = TimeStampReq.fromBER(new Uint8Array(init.body as Uint8Array)).reqPolicy;
        return new Response('', { status: 503 });
      };
      await anchorError(
        new TsaAnchor({ url: URL_, fetch: capture, policy: '1.2.3.4.5' }).anchor(cp),
      );
      expect(policy).toBe('1.2.3.4.5');
    });
  });

  describe('when the TSA cannot be used', () => {
    it('reports a TSA that is down as ANCHOR_UNAVAILABLE', async () => {
      const server = createServer();
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const { port } = server.address() as AddressInfo;
      await new Promise<void>((r) => server.close(() => r()));
      const e = await anchorError(new TsaAnchor({ url: `http://127.0.0.1:${port}/` }).anchor(cp));
      expect(e.code).toBe('ANCHOR_UNAVAILABLE');
      expect(e.message).toContain('unreachable');
    });

    it('reports HTTP 500 as ANCHOR_UNAVAILABLE with the status', async () => {
      const anchor = new TsaAnchor({ url: URL_, fetch: answering('oops', 500, 'text/plain') });
      const e = await anchorError(anchor.anchor(cp));
      expect(e.code).toBe('ANCHOR_UNAVAILABLE');
      expect(e.evidence).toMatchObject({ status: 500 });
    });

    it('reports a TSA that does not answer in time as ANCHOR_UNAVAILABLE', async () => {
      const hang: TsaFetch = (_, init) =>
        new Promise((_, reject) =>
          init.signal!.addEventListener('abort', () => reject(init.signal!.reason)),
        );
      const e = await anchorError(
        new TsaAnchor({ url: URL_, fetch: hang, timeoutMs: 20 }).anchor(cp),
      );
      expect(e.code).toBe('ANCHOR_UNAVAILABLE');
      expect(e.message).toContain('no answer in 20 ms');
    });

    it('stops when the caller aborts', async () => {
      const hang: TsaFetch = (_, init) =>
        new Promise((_, reject) =>
          init.signal!.addEventListener('abort', () => reject(init.signal!.reason)),
        );
      const controller = new AbortController();
      const p = new TsaAnchor({ url: URL_, fetch: hang }).anchor(cp, controller.signal);
      controller.abort();
      const e = await anchorError(p);
      expect(e.code).toBe('ANCHOR_UNAVAILABLE');
      expect(e.message).toContain('aborted');
    });

    it.each([
      [2, 'rejection'],
      [3, 'waiting'],
      [5, 'revocationNotification'],
    ])('reports PKIStatus %i (%s) as ANCHOR_UNAVAILABLE', async (status, name) => {
      const anchor = new TsaAnchor({ url: URL_, fetch: answering(statusReply(status)) });
      const e = await anchorError(anchor.anchor(cp));
      expect(e.code).toBe('ANCHOR_UNAVAILABLE');
      expect(e.message).toContain(name);
    });

    it('names the status strings and failInfo bits of a rejection', async () => {
      const reply = statusReply(2, ['unsupported algorithm'], [0, 25]);
      const e = await anchorError(new TsaAnchor({ url: URL_, fetch: answering(reply) }).anchor(cp));
      expect(e.code).toBe('ANCHOR_UNAVAILABLE');
      expect(e.message).toBe(
        'TSA answered rejection: unsupported algorithm (failInfo badAlg, systemFailure)',
      );
      expect(e.evidence).toEqual({
        status: 2,
        statusStrings: 'unsupported algorithm',
        failInfo: ['badAlg', 'systemFailure'],
      });
    });
  });

  describe('when the reply is malformed', () => {
    it.each([
      ['garbage bytes', answering(new Uint8Array([1, 2, 3, 4, 5])), 'not a DER TimeStampResp'],
      ['an empty body', answering(new Uint8Array(0)), 'not a DER TimeStampResp'],
      ['another content type', answering(statusReply(0), 200, 'text/html'), 'answered text/html'],
      ['a granted status without a token', answering(statusReply(0)), 'sent no token'],
      [
        'a reply larger than 256 KiB',
        answering(new Uint8Array(300 * 1024).fill(0x30)),
        'larger than 256 KiB',
      ],
    ])('reports %s as ANCHOR_MALFORMED', async (_, fetch, message) => {
      const e = await anchorError(new TsaAnchor({ url: URL_, fetch }).anchor(cp));
      expect(e.code).toBe('ANCHOR_MALFORMED');
      expect(e.message).toContain(message);
    });
  });

  describe('when it is configured', () => {
    it.each([
      ['a string that is not a URL', { url: 'not a url' }],
      ['a non-HTTP URL', { url: 'ftp://tsa.test/' }],
      ['a zero timeout', { url: URL_, timeoutMs: 0 }],
      ['a policy that is not an OID', { url: URL_, policy: 'policy-1' }],
      ['a trusted list that is not certificates', { url: URL_, trusted: [new Uint8Array([1])] }],
    ])('refuses %s with ANCHOR_CONFIG', (_, options) => {
      expect(() => new TsaAnchor(options)).toThrow(
        expect.objectContaining({ code: 'ANCHOR_CONFIG' }),
      );
    });

    it('is named after its URL', () => {
      const anchor = new TsaAnchor({ url: 'https://tsa.example/tsr' });
      expect(anchor.type).toBe('rfc3161');
      expect(anchor.name).toBe('https://tsa.example/tsr');
    });
  });
});
