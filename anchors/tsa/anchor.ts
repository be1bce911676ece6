/**
 * The RFC 3161 anchor: asks a Time-Stamping Authority for a time-stamp token over the
 * checkpoint digest, over HTTP (RFC 3161 §3.4).
 */
import { bytesEqual, toBase64, toHex } from '../../src/core/bytes.ts';
import {
  AnchorError,
  checkpointDigest,
  recordBase,
  type Anchor,
  type AnchoredCheckpoint,
} from '../anchor.ts';
import { formatDistinguishedName } from './certificates.ts';
import { MAX_TOKEN_BYTES } from './der.ts';
import { TSA_RECORD_TYPE, type TsaRecordJson } from './record.ts';
import {
  buildTimeStampRequest,
  readTimeStampReply,
  TIMESTAMP_QUERY_TYPE,
  TIMESTAMP_REPLY_TYPE,
} from './request.ts';
import {
  decodeTimeStampToken,
  findSignerCertificate,
  ID_SHA256,
  tokenCertificates,
} from './token.ts';
import { TsaVerifier, unixSeconds } from './verifier.ts';

/** The `fetch` the anchor uses (the global one, or a test double). */
export type TsaFetch = (url: string, init: RequestInit) => Promise<Response>;

/** How to reach a TSA. */
export interface TsaAnchorOptions {
  /** The TSA's RFC 3161 HTTP URL (`http:` or `https:`). */
  readonly url: string;
  /** Time allowed for the whole exchange, in ms (default 10 000). */
  readonly timeoutMs?: number;
  /** Default: the global `fetch`. */
  readonly fetch?: TsaFetch;
  /** TSA policy OID to request (`reqPolicy`); default: the TSA's own default policy. */
  readonly policy?: string;
  /**
   * When given, each new record is verified (see `TsaVerifier`) against these DER certificates
   * before it is returned, so a misconfigured TSA is noticed when anchoring, not when verifying.
   */
  readonly trusted?: readonly Uint8Array[];
}

async function readLimited(res: Response, limit: number): Promise<Uint8Array | undefined> {
  if (res.body === null) return new Uint8Array(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > limit) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/**
 * An {@link Anchor} that time-stamps checkpoints at an RFC 3161 TSA. For each checkpoint it
 * POSTs a TimeStampReq (RFC 3161 §2.4.1: SHA-256 imprint of the checkpoint body, i.e.
 * `checkpointDigest(cp)`, a random 64-bit nonce, `certReq` TRUE) as
 * `application/timestamp-query` and expects `application/timestamp-reply` (§3.4). It checks the
 * PKIStatus (granted or grantedWithMods), that the token's imprint and nonce are the ones sent
 * (§2.4.2), and that the token carries its signer certificate; the record holds the token
 * as received.
 *
 * Errors (`AnchorError`): `ANCHOR_UNAVAILABLE` (network, timeout, HTTP status other than 200,
 * a PKIStatus other than granted / grantedWithMods, with its status strings and failInfo),
 * `ANCHOR_MALFORMED` (wrong content type, undecodable reply or token, a nonce other than the one
 * sent, no signer certificate), `ANCHOR_WRONG_CHECKPOINT` (the token's imprint is not the one
 * sent), `ANCHOR_CONFIG` (bad URL or trusted certificate), and, with `trusted`, the verifier's.
 */
export class TsaAnchor implements Anchor {
  readonly type = TSA_RECORD_TYPE;
  readonly name: string;
  readonly #url: string;
  readonly #timeoutMs: number;
  readonly #fetch: TsaFetch;
  readonly #policy: string | undefined;
  readonly #verifier: TsaVerifier | undefined;

  constructor(options: TsaAnchorOptions) {
    let url: URL;
    try {
      url = new URL(options.url);
    } catch (cause) {
      throw new AnchorError('ANCHOR_CONFIG', `TSA URL ${String(options.url)} is not a URL`, {
        cause,
      });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new AnchorError('ANCHOR_CONFIG', `TSA URL ${url.href} is not http(s)`);
    }
    const timeoutMs = options.timeoutMs ?? 10_000;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      throw new AnchorError('ANCHOR_CONFIG', 'TSA timeoutMs must be a positive number');
    }
    if (options.policy !== undefined && !/^[0-2](\.(0|[1-9][0-9]*))+$/.test(options.policy)) {
      throw new AnchorError('ANCHOR_CONFIG', `TSA policy ${options.policy} is not an OID`);
    }
    this.#url = url.href;
    this.name = url.href;
    this.#timeoutMs = timeoutMs;
    this.#fetch = options.fetch ?? ((u, init) => fetch(u, init));
    this.#policy = options.policy;
    this.#verifier =
      options.trusted === undefined ? undefined : new TsaVerifier({ trusted: options.trusted });
  }

  async anchor(cp: AnchoredCheckpoint, signal?: AbortSignal): Promise<TsaRecordJson> {
    const digest = checkpointDigest(cp);
    const request = buildTimeStampRequest(digest, { policy: this.#policy });
    const reply = await this.#post(request.der, signal);
    const tokenDer = readTimeStampReply(reply);
    const token = decodeTimeStampToken(tokenDer);

    const imprint = token.tstInfo.messageImprint;
    const hashed = imprint.hashedMessage.valueBlock.valueHexView;
    if (imprint.hashAlgorithm.algorithmId !== ID_SHA256 || !bytesEqual(hashed, digest)) {
      throw new AnchorError(
        'ANCHOR_WRONG_CHECKPOINT',
        `TSA ${this.name} time-stamped another imprint than the one sent`,
        { evidence: { sent: toHex(digest), got: toHex(hashed) } },
      );
    }
    const nonce = token.tstInfo.nonce?.toBigInt();
    if (nonce !== request.nonce) {
      throw new AnchorError(
        'ANCHOR_MALFORMED',
        `TSA ${this.name} answered with nonce ${nonce ?? 'none'}, not the one sent: ` +
          'the reply is not for this request',
        { evidence: { sent: request.nonce.toString(), got: nonce?.toString() ?? null } },
      );
    }
    const signer = findSignerCertificate(token, tokenCertificates(token));
    if (signer === undefined) {
      throw new AnchorError(
        'ANCHOR_MALFORMED',
        `TSA ${this.name} sent no signer certificate although certReq was set (RFC 3161 §2.4.1)`,
      );
    }
    const record: TsaRecordJson = {
      ...recordBase(TSA_RECORD_TYPE, cp, unixSeconds(token.tstInfo.genTime)),
      type: TSA_RECORD_TYPE,
      token: toBase64(tokenDer),
      tsa: formatDistinguishedName(signer.subject),
    };
    if (this.#verifier !== undefined) await this.#verifier.verify(record, cp);
    return record;
  }

  /** RFC 3161 §3.4: the request over HTTP, and the reply body. */
  async #post(body: Uint8Array, signal: AbortSignal | undefined): Promise<Uint8Array> {
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const combined = signal === undefined ? timeout : AbortSignal.any([signal, timeout]);
    let res: Response;
    let reply: Uint8Array | undefined;
    try {
      res = await this.#fetch(this.#url, {
        method: 'POST',
        body: body.slice(),
        headers: { 'content-type': TIMESTAMP_QUERY_TYPE, accept: TIMESTAMP_REPLY_TYPE },
        signal: combined,
      });
      if (res.status !== 200) {
        await res.body?.cancel().catch(() => undefined);
        throw new AnchorError(
          'ANCHOR_UNAVAILABLE',
          `TSA ${this.name} answered HTTP ${res.status}`,
          {
            evidence: { url: this.#url, status: res.status },
          },
        );
      }
      reply = await readLimited(res, MAX_TOKEN_BYTES);
    } catch (cause) {
      if (cause instanceof AnchorError) throw cause;
      const why = timeout.aborted
        ? `gave no answer in ${this.#timeoutMs} ms`
        : signal?.aborted
          ? 'request was aborted'
          : 'is unreachable';
      throw new AnchorError('ANCHOR_UNAVAILABLE', `TSA ${this.name} ${why}`, {
        cause,
        evidence: { url: this.#url },
      });
    }
    const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== TIMESTAMP_REPLY_TYPE) {
      throw new AnchorError(
        'ANCHOR_MALFORMED',
        `TSA ${this.name} answered ${type || 'no content type'}, not ${TIMESTAMP_REPLY_TYPE}`,
      );
    }
    if (reply === undefined) {
      throw new AnchorError('ANCHOR_MALFORMED', `TSA ${this.name} reply is larger than 256 KiB`);
    }
    return reply;
  }
}
