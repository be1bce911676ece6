/**
 * Verifying RFC 3161 anchor records offline, against the TSA certificates a verifier trusts.
 */
import * as asn1js from 'asn1js';
import { CertificateChainValidationEngine, type Certificate } from 'pkijs';
import { bytesEqual, toHex, utf8 } from '../../src/core/bytes.ts';
import {
  AnchorError,
  checkpointBody,
  checkpointDigest,
  type AnchorAttestation,
  type AnchoredCheckpoint,
  type AnchorRecordJson,
  type AnchorVerifier,
} from '../anchor.ts';
import { digestAlgorithmProblem, signatureAlgorithmProblem } from './algorithms.ts';
import {
  certificateDer,
  formatDistinguishedName,
  parseCertificate,
  timeStampingUsageProblem,
} from './certificates.ts';
import { parseTsaRecord, TSA_RECORD_TYPE } from './record.ts';
import { signingCertificateProblem } from './signing-certificate.ts';
import {
  decodeTimeStampToken,
  findSignerCertificate,
  ID_CT_TST_INFO,
  ID_SHA256,
  integerHex,
  tokenCertificates,
  type DecodedToken,
} from './token.ts';

/** id-contentType and id-messageDigest signed attributes (RFC 5652 §11.1, §11.2). */
const ID_CONTENT_TYPE = '1.2.840.113549.1.9.3';
const ID_MESSAGE_DIGEST = '1.2.840.113549.1.9.4';

/** What a {@link TsaVerifier} trusts. */
export interface TsaVerifierOptions {
  /**
   * DER certificates (see `loadCertificates`): TSA certificates trusted as they are, and/or CA
   * certificates trusted to issue TSA certificates.
   */
  readonly trusted: readonly Uint8Array[];
}

/** Whole Unix seconds of `d`. */
export function unixSeconds(d: Date): number {
  return Math.floor(d.getTime() / 1000);
}

function fail(
  code:
    'ANCHOR_MALFORMED' | 'ANCHOR_WRONG_CHECKPOINT' | 'ANCHOR_BAD_SIGNATURE' | 'ANCHOR_UNTRUSTED',
  message: string,
  options: { cause?: unknown; evidence?: Record<string, unknown> } = {},
): AnchorError {
  return new AnchorError(code, message, options);
}

/** The message imprint of the token, checked to be SHA-256 over each checkpoint's body. */
function checkImprint(token: DecodedToken, checkpoints: readonly AnchoredCheckpoint[]): void {
  const imprint = token.tstInfo.messageImprint;
  const alg = imprint.hashAlgorithm.algorithmId;
  const hashed = imprint.hashedMessage.valueBlock.valueHexView;
  for (const cp of checkpoints) {
    let expected: Uint8Array;
    try {
      expected = checkpointDigest(cp);
    } catch (cause) {
      throw fail('ANCHOR_MALFORMED', 'rfc3161 record: checkpoint cannot be formatted', { cause });
    }
    if (alg !== ID_SHA256 || !bytesEqual(hashed, expected)) {
      throw fail(
        'ANCHOR_WRONG_CHECKPOINT',
        `time-stamp token imprint is not SHA-256 of checkpoint ${cp.origin} size ${cp.size}`,
        {
          evidence: {
            origin: cp.origin,
            size: cp.size,
            expected: toHex(expected),
            imprintAlgorithm: alg,
            imprint: toHex(hashed),
          },
        },
      );
    }
  }
}

/** RFC 5652 §5.3, §11.1, §11.2: signed attributes with the right content type and digest. */
function checkSignedAttributes(token: DecodedToken): void {
  const attrs = token.signerInfo.signedAttrs?.attributes;
  if (attrs === undefined) {
    throw fail('ANCHOR_MALFORMED', 'time-stamp token: signer has no signed attributes');
  }
  const contentTypes = attrs.filter((a) => a.type === ID_CONTENT_TYPE);
  const ct = contentTypes[0]?.values;
  if (
    contentTypes.length !== 1 ||
    ct?.length !== 1 ||
    !(ct[0] instanceof asn1js.ObjectIdentifier) ||
    ct[0].valueBlock.toString() !== ID_CT_TST_INFO
  ) {
    throw fail('ANCHOR_MALFORMED', 'time-stamp token: content-type attribute is not TSTInfo');
  }
  const digests = attrs.filter((a) => a.type === ID_MESSAGE_DIGEST);
  const md = digests[0]?.values;
  if (digests.length !== 1 || md?.length !== 1 || !(md[0] instanceof asn1js.OctetString)) {
    throw fail('ANCHOR_MALFORMED', 'time-stamp token: no single message-digest attribute');
  }
}

/**
 * Checks records of type `rfc3161` (see `TsaAnchor`) against the TSA or CA certificates a
 * verifier trusts. For a record and the checkpoint `cp` it is claimed to anchor:
 *
 * 1. the record reads, its token is DER and decodes as a TimeStampToken (RFC 3161 §2.4.2:
 *    SignedData version 3 with one signer, id-ct-TSTInfo content, RFC 5652 §5.1, §5.3) — else
 *    `ANCHOR_MALFORMED`;
 * 2. the token's messageImprint is SHA-256 over the checkpoint body of the record's own
 *    origin/size/root and of `cp` — else `ANCHOR_WRONG_CHECKPOINT`;
 * 3. the record's `time` is the token's genTime in whole seconds — else `ANCHOR_MALFORMED`;
 * 4. the signer's signed attributes hold the content type and one message digest (RFC 5652
 *    §11.1, §11.2) and its algorithms are SHA-2 with RSA PKCS #1 v1.5, RSASSA-PSS or ECDSA,
 *    with the parameters their RFCs prescribe — else `ANCHOR_MALFORMED`; the CMS signature
 *    over the TSTInfo verifies with the signer certificate (RFC 5652 §5.4,
 *    §5.6; message digest and signature) and the ESS signing-certificate attribute names that
 *    certificate (RFC 5035 §3: otherwise "the signature MUST be considered invalid") — else
 *    `ANCHOR_BAD_SIGNATURE` (a token without the attribute is `ANCHOR_MALFORMED`);
 * 5. the signer certificate carries only the critical id-kp-timeStamping extended key usage
 *    (RFC 3161 §2.3), and is itself trusted or chains to a trusted certificate, valid at
 *    genTime (RFC 5280 §6 path validation by pkijs, without revocation data) — else
 *    `ANCHOR_UNTRUSTED`.
 */
export class TsaVerifier implements AnchorVerifier {
  readonly type = TSA_RECORD_TYPE;
  readonly #trusted: readonly Certificate[];
  readonly #trustedDer: readonly Uint8Array[];

  constructor(options: TsaVerifierOptions) {
    const trusted = options?.trusted;
    if (!Array.isArray(trusted) || trusted.length === 0) {
      throw new AnchorError('ANCHOR_CONFIG', 'TsaVerifier needs at least one trusted certificate');
    }
    this.#trusted = trusted.map((der, i) => parseCertificate(der, `trusted certificate ${i + 1}`));
    this.#trustedDer = this.#trusted.map(certificateDer);
  }

  async verify(record: AnchorRecordJson, cp: AnchoredCheckpoint): Promise<AnchorAttestation> {
    const parsed = parseTsaRecord(record);
    const token = decodeTimeStampToken(parsed.token);
    checkImprint(token, [parsed.checkpoint, cp]);
    const genTime = token.tstInfo.genTime;
    if (parsed.time !== unixSeconds(genTime)) {
      throw fail(
        'ANCHOR_MALFORMED',
        `rfc3161 record: time ${parsed.time} is not the token's genTime ${unixSeconds(genTime)}`,
        { evidence: { time: parsed.time, genTime: genTime.toISOString() } },
      );
    }
    checkSignedAttributes(token);

    const carried = tokenCertificates(token);
    const signer =
      findSignerCertificate(token, carried) ?? findSignerCertificate(token, this.#trusted);
    if (signer === undefined) {
      throw fail(
        'ANCHOR_UNTRUSTED',
        'time-stamp token: the signer certificate is neither in the token nor trusted',
      );
    }
    const signerDer = certificateDer(signer);
    const subject = formatDistinguishedName(signer.subject);
    await this.#checkSignature(token, signer, utf8(checkpointBody(cp)), subject);

    const ess = signingCertificateProblem(token.signerInfo, signer, signerDer);
    if (ess !== undefined) {
      throw fail(
        ess.kind === 'mismatch' ? 'ANCHOR_BAD_SIGNATURE' : 'ANCHOR_MALFORMED',
        `time-stamp token: signing-certificate attribute: ${ess.message}`,
        { evidence: { signer: subject } },
      );
    }
    const usage = timeStampingUsageProblem(signer);
    if (usage !== undefined) {
      throw fail('ANCHOR_UNTRUSTED', `TSA certificate ${subject} ${usage} (RFC 3161 §2.3)`, {
        evidence: { signer: subject },
      });
    }
    await this.#checkTrust(signer, signerDer, carried, genTime, subject);

    return {
      type: TSA_RECORD_TYPE,
      size: parsed.checkpoint.size,
      root: record.root,
      time: parsed.time,
      detail: `TSA ${subject}, serial 0x${integerHex(token.tstInfo.serialNumber)}`,
    };
  }

  /** RFC 5652 §5.4, §5.6, by pkijs: message digest over the eContent, then the signature. */
  async #checkSignature(
    token: DecodedToken,
    signer: Certificate,
    body: Uint8Array,
    subject: string,
  ): Promise<void> {
    const algProblem =
      digestAlgorithmProblem(token.signerInfo.digestAlgorithm) ??
      signatureAlgorithmProblem(token.signerInfo.signatureAlgorithm);
    if (algProblem !== undefined) {
      throw fail('ANCHOR_MALFORMED', `time-stamp token signer: ${algProblem}`);
    }
    const sd = token.signedData;
    // pkijs looks the signer up in `certificates`: give it only the one chosen here (which may
    // come from the trusted list). The chain is checked separately, on the original list.
    sd.certificates = [signer];
    let ok: boolean;
    try {
      const result = await sd.verify({
        signer: 0,
        data: body.slice().buffer,
        checkChain: false,
        extendedMode: true,
      });
      ok = result.signatureVerified === true;
    } catch (cause) {
      // Everything pkijs checks before the signature (signer, eContent, imprint) was checked
      // above, so what fails here is the digest or the signature value.
      throw fail('ANCHOR_BAD_SIGNATURE', `time-stamp token signature by ${subject} is invalid`, {
        cause,
        evidence: { signer: subject, reason: cause instanceof Error ? cause.message : 'unknown' },
      });
    }
    if (!ok) {
      throw fail('ANCHOR_BAD_SIGNATURE', `time-stamp token signature by ${subject} is invalid`, {
        evidence: { signer: subject },
      });
    }
  }

  /** The signer is a trusted certificate, or a path to a trusted one validates at genTime. */
  async #checkTrust(
    signer: Certificate,
    signerDer: Uint8Array,
    carried: readonly Certificate[],
    genTime: Date,
    subject: string,
  ): Promise<void> {
    const notValid = (c: Certificate): boolean =>
      c.notBefore.value > genTime || c.notAfter.value < genTime;
    if (this.#trustedDer.some((t) => bytesEqual(t, signerDer))) {
      if (notValid(signer)) {
        throw fail('ANCHOR_UNTRUSTED', `TSA certificate ${subject} is not valid at genTime`, {
          evidence: { signer: subject, genTime: genTime.toISOString() },
        });
      }
      return;
    }
    const intermediates = carried.filter((c) => {
      const der = certificateDer(c);
      return !bytesEqual(der, signerDer) && !this.#trustedDer.some((t) => bytesEqual(t, der));
    });
    const engine = new CertificateChainValidationEngine({
      trustedCerts: [...this.#trusted],
      certs: [...intermediates, signer],
      checkDate: genTime,
    });
    let reason: string;
    try {
      const result = await engine.verify({ passedWhenNotRevValues: true });
      if (result.result) return;
      reason = result.resultMessage;
    } catch (cause) {
      reason = cause instanceof Error ? cause.message : String(cause);
    }
    throw fail(
      'ANCHOR_UNTRUSTED',
      `TSA certificate ${subject} does not chain to a trusted certificate: ${reason}`,
      { evidence: { signer: subject, issuer: formatDistinguishedName(signer.issuer) } },
    );
  }
}
