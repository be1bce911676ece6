/**
 * X.509 certificates of a Time-Stamping Authority (RFC 5280), read with pkijs: loading PEM or
 * DER, the RFC 3161 §2.3 key-purpose rule, and RFC 4514 names for reports.
 */
import * as asn1js from 'asn1js';
import { Certificate, ExtKeyUsage, type RelativeDistinguishedNames } from 'pkijs';
import { fromBase64, toHex } from '../../src/core/bytes.ts';
import { AnchorError } from '../anchor.ts';
import { decodeDer } from './der.ts';

/** id-ce-extKeyUsage (RFC 5280 §4.2.1.12). */
export const ID_CE_EXT_KEY_USAGE = '2.5.29.37';
/** id-kp-timeStamping (RFC 5280 §4.2.1.12, RFC 3161 §2.3). */
export const ID_KP_TIME_STAMPING = '1.3.6.1.5.5.7.3.8';

/** Largest certificate file {@link loadCertificates} reads. */
export const MAX_CERTIFICATE_FILE_BYTES = 1024 * 1024;

/** Decodes one DER certificate; throws `ANCHOR_CONFIG` (for configured input) when it cannot. */
export function parseCertificate(der: Uint8Array, what = 'certificate'): Certificate {
  try {
    return new Certificate({ schema: decodeDer(der) });
  } catch (cause) {
    throw new AnchorError('ANCHOR_CONFIG', `${what} is not a DER X.509 certificate`, { cause });
  }
}

/** The DER bytes of `cert` as decoded (not re-encoded). */
export function certificateDer(cert: Certificate): Uint8Array {
  return new Uint8Array(cert.toSchema().toBER(false));
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;

/**
 * Reads certificates from a file's bytes: one or more PEM `CERTIFICATE` blocks (RFC 7468 §5;
 * other blocks are skipped), or a single DER certificate. Returns their DER bytes, each checked
 * to decode. Throws `ANCHOR_CONFIG` when nothing usable is found.
 */
export function loadCertificates(bytes: Uint8Array): Uint8Array[] {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('loadCertificates: expected bytes');
  if (bytes.length > MAX_CERTIFICATE_FILE_BYTES) {
    throw new AnchorError('ANCHOR_CONFIG', 'certificate file is larger than 1 MiB');
  }
  // DER starts with a SEQUENCE tag; PEM is text.
  if (bytes[0] === 0x30) {
    parseCertificate(bytes);
    return [bytes.slice()];
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (cause) {
    throw new AnchorError('ANCHOR_CONFIG', 'certificate file is neither DER nor PEM', { cause });
  }
  const out: Uint8Array[] = [];
  for (const m of text.matchAll(PEM_BLOCK)) {
    let der: Uint8Array;
    try {
      der = fromBase64(m[1]!.replace(/\s+/g, ''));
    } catch (cause) {
      throw new AnchorError('ANCHOR_CONFIG', `PEM certificate ${out.length + 1} is not base64`, {
        cause,
      });
    }
    parseCertificate(der, `PEM certificate ${out.length + 1}`);
    out.push(der);
  }
  if (out.length === 0) {
    throw new AnchorError('ANCHOR_CONFIG', 'certificate file holds no PEM CERTIFICATE block');
  }
  return out;
}

/**
 * Why `cert` may not sign time-stamp tokens, or `undefined` when it may. RFC 3161 §2.3: the
 * certificate "MUST contain only one instance of the extended key usage field extension as
 * described in [RFC2459] Section 4.2.1.13 with KeyPurposeID having value: id-kp-timeStamping.
 * This extension MUST be critical."
 */
export function timeStampingUsageProblem(cert: Certificate): string | undefined {
  const ekus = (cert.extensions ?? []).filter((e) => e.extnID === ID_CE_EXT_KEY_USAGE);
  if (ekus.length === 0) return 'has no extended key usage extension';
  if (ekus.length > 1) return 'has more than one extended key usage extension';
  const eku = ekus[0]!;
  if (!eku.critical) return 'has a non-critical extended key usage extension';
  const usage = eku.parsedValue;
  if (!(usage instanceof ExtKeyUsage)) return 'has an undecodable extended key usage extension';
  const purposes = usage.keyPurposes;
  if (purposes.length !== 1 || purposes[0] !== ID_KP_TIME_STAMPING) {
    return `has extended key usage ${purposes.join(', ')}, not only id-kp-timeStamping`;
  }
  return undefined;
}

// RFC 4514 §3: the attribute types with a short name.
const SHORT_NAMES: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.6': 'C',
  '2.5.4.9': 'STREET',
  '0.9.2342.19200300.100.1.25': 'DC',
  '0.9.2342.19200300.100.1.1': 'UID',
};

/**
 * RFC 4514 §2.4 escaping of an attribute value string: the special characters with a
 * backslash, a leading space or `#` and a trailing space likewise, and control characters
 * (which §2.4 requires for NUL and allows for any character) as `\` and two hex digits.
 */
function escapeValue(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    const code = c.charCodeAt(0);
    if (code < 0x20 || code === 0x7f) out += `\\${code.toString(16).padStart(2, '0')}`;
    else if ('"+,;<>\\'.includes(c)) out += `\\${c}`;
    else if ((i === 0 && (c === ' ' || c === '#')) || (i === s.length - 1 && c === ' ')) {
      out += `\\${c}`;
    } else out += c;
  }
  return out;
}

function formatAttribute(atv: asn1js.AsnType): string {
  if (!(atv instanceof asn1js.Sequence)) throw new TypeError('AttributeTypeAndValue');
  const [type, value] = atv.valueBlock.value;
  if (!(type instanceof asn1js.ObjectIdentifier) || value === undefined) {
    throw new TypeError('AttributeTypeAndValue');
  }
  const oid = type.valueBlock.toString();
  const short = SHORT_NAMES[oid];
  // RFC 4514 §2.4: a type without a short name, or a value that is not a string, is written
  // as the dotted OID and `#` followed by the hex of the value's BER encoding.
  if (short !== undefined && value instanceof asn1js.BaseStringBlock) {
    return `${short}=${escapeValue(value.getValue())}`;
  }
  return `${short ?? oid}=#${toHex(new Uint8Array(value.toBER(false)))}`;
}

/**
 * The RFC 4514 §2 string of a distinguished name: RDNs last-to-first, joined by `,`; the values
 * of a multi-valued RDN joined by `+`. E.g. `CN=Test TSA,O=wattproof test`.
 */
export function formatDistinguishedName(name: RelativeDistinguishedNames): string {
  try {
    const seq = name.toSchema();
    return seq.valueBlock.value
      .map((rdn) => {
        if (!(rdn instanceof asn1js.Set)) throw new TypeError('RelativeDistinguishedName');
        return rdn.valueBlock.value.map(formatAttribute).join('+');
      })
      .reverse()
      .join(',');
  } catch {
    return '(undecodable name)';
  }
}
