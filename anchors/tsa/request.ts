/**
 * RFC 3161 time-stamp requests (§2.4.1) and replies (§2.4.2), encoded and decoded with pkijs.
 */
import * as asn1js from 'asn1js';
import { AlgorithmIdentifier, MessageImprint, TimeStampReq, TimeStampResp } from 'pkijs';
import { AnchorError } from '../anchor.ts';
import { decodeDer } from './der.ts';
import { ID_SHA256 } from './token.ts';

/** MIME type of a request (RFC 3161 §3.4). */
export const TIMESTAMP_QUERY_TYPE = 'application/timestamp-query';
/** MIME type of a reply (RFC 3161 §3.4). */
export const TIMESTAMP_REPLY_TYPE = 'application/timestamp-reply';

/** A built request. */
export interface TimeStampRequest {
  /** DER TimeStampReq. */
  readonly der: Uint8Array;
  /** The nonce sent, a positive 64-bit integer. */
  readonly nonce: bigint;
}

/** A uniformly random non-zero 64-bit nonce, from the platform CSPRNG. */
export function randomNonce(): bigint {
  for (;;) {
    const b = crypto.getRandomValues(new Uint8Array(8));
    const n = b.reduce((acc, x) => (acc << 8n) | BigInt(x), 0n);
    if (n !== 0n) return n;
  }
}

/**
 * Builds a DER TimeStampReq (RFC 3161 §2.4.1): version 1, messageImprint = SHA-256 of the datum
 * (`digest`, 32 bytes), the nonce, `certReq` TRUE so that the reply carries the TSA certificate,
 * and `reqPolicy` when given. The SHA-256 AlgorithmIdentifier has absent parameters
 * (RFC 5754 §2: "Implementations MUST generate SHA2 AlgorithmIdentifiers with absent
 * parameters").
 */
export function buildTimeStampRequest(
  digest: Uint8Array,
  options: { nonce?: bigint; policy?: string } = {},
): TimeStampRequest {
  if (!(digest instanceof Uint8Array) || digest.length !== 32) {
    throw new RangeError('buildTimeStampRequest: digest must be 32 bytes (SHA-256)');
  }
  const nonce = options.nonce ?? randomNonce();
  if (nonce <= 0n) throw new RangeError('buildTimeStampRequest: nonce must be positive');
  const req = new TimeStampReq({
    version: 1,
    messageImprint: new MessageImprint({
      hashAlgorithm: new AlgorithmIdentifier({ algorithmId: ID_SHA256 }),
      hashedMessage: new asn1js.OctetString({ valueHex: digest.slice().buffer }),
    }),
    nonce: asn1js.Integer.fromBigInt(nonce),
    certReq: true,
    ...(options.policy === undefined ? {} : { reqPolicy: options.policy }),
  });
  return { der: new Uint8Array(req.toSchema().toBER(false)), nonce };
}

// PKIFailureInfo bit names (RFC 3161 §2.4.2).
const FAILURE_BITS: readonly [number, string][] = [
  [0, 'badAlg'],
  [2, 'badRequest'],
  [5, 'badDataFormat'],
  [14, 'timeNotAvailable'],
  [15, 'unacceptedPolicy'],
  [16, 'unacceptedExtension'],
  [17, 'addInfoNotAvailable'],
  [25, 'systemFailure'],
];

// PKIStatus names (RFC 3161 §2.4.2).
const STATUS_NAMES = [
  'granted',
  'grantedWithMods',
  'rejection',
  'waiting',
  'revocationWarning',
  'revocationNotification',
];

function failureNames(failInfo: asn1js.BitString | undefined): string[] {
  if (failInfo === undefined) return [];
  const bits = failInfo.valueBlock.valueHexView;
  const unused = failInfo.valueBlock.unusedBits;
  const set = (i: number): boolean => {
    const byte = i >> 3;
    if (byte >= bits.length || (byte === bits.length - 1 && 7 - (i & 7) < unused)) return false;
    return ((bits[byte]! >> (7 - (i & 7))) & 1) === 1;
  };
  const names = FAILURE_BITS.filter(([i]) => set(i)).map(([, n]) => n);
  return names.length > 0 ? names : ['unknown failure bit'];
}

/**
 * Reads a DER TimeStampResp (RFC 3161 §2.4.2) and returns the DER TimeStampToken, exactly as the
 * TSA sent it. Throws `ANCHOR_MALFORMED` when the reply cannot be decoded or a granted reply has
 * no token, and `ANCHOR_UNAVAILABLE` when the TSA's PKIStatus is neither granted nor
 * grantedWithMods (the message names the status, its status strings and failInfo bits).
 */
export function readTimeStampReply(der: Uint8Array): Uint8Array {
  let asn: asn1js.AsnType;
  let resp: TimeStampResp;
  try {
    asn = decodeDer(der);
    resp = new TimeStampResp({ schema: asn });
  } catch (cause) {
    throw new AnchorError('ANCHOR_MALFORMED', 'TSA reply is not a DER TimeStampResp', { cause });
  }
  const { status, statusStrings, failInfo } = resp.status;
  if (status !== 0 && status !== 1) {
    const strings = (statusStrings ?? []).map((s) => s.valueBlock.value).join('; ');
    const failures = failureNames(failInfo);
    throw new AnchorError(
      'ANCHOR_UNAVAILABLE',
      `TSA answered ${STATUS_NAMES[status] ?? status}` +
        (strings === '' ? '' : `: ${strings}`) +
        (failInfo === undefined ? '' : ` (failInfo ${failures.join(', ')})`),
      { evidence: { status, statusStrings: strings, failInfo: failures } },
    );
  }
  // The token as received: the second element of the TimeStampResp SEQUENCE.
  const token = (asn as asn1js.Sequence).valueBlock.value[1];
  if (resp.timeStampToken === undefined || token === undefined) {
    throw new AnchorError('ANCHOR_MALFORMED', 'TSA granted the request but sent no token');
  }
  return new Uint8Array(token.valueBeforeDecodeView);
}
