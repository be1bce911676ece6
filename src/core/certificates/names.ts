/**
 * The canonical spellings of what a certificate event names (docs/registry-certificates.md
 * §Fields): registry origins, accounts, meters, channels, UTC hours and amounts. Each has one
 * accepted spelling, so that nobody can name the same meter-hour, account or registry twice.
 */
import { hasLoneSurrogate } from '../bytes.ts';
import { isValidKeyName } from '../note/index.ts';
import { isValidMeterId, isValidObis } from '../reading/index.ts';
import { CertificateError } from './errors.ts';

/**
 * The two kinds of certificate a registry issues:
 * - `granular`: an hourly granular certificate in the manner of the EnergyTag Granular
 *   Certificate Scheme Standard (one meter-hour, amounts in whole Wh, face value 1 Wh);
 * - `go`: Guarantee-of-Origin units in the manner of EECS (amounts in whole units of 1 MWh,
 *   Directive (EU) 2018/2001 art. 19(2)), the Wh below a unit carried to the meter channel's
 *   next GO issue.
 */
export const CertificateKind = { granular: 'granular', go: 'go' } as const;
/** One of {@link CertificateKind}. */
export type CertificateKind = (typeof CertificateKind)[keyof typeof CertificateKind];

/** Seconds in an hour. */
export const HOUR_SECONDS = 3600;

/** Start of the year 10000 UTC: hours must start before it (index keys write a u16 year). */
export const END_OF_HOURS = 253_402_300_800;

/** Longest registry origin, account id, beneficiary, purpose or reason, in UTF-16 units. */
export const MAX_TEXT_LENGTH = 256;

const ACCOUNT_RE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

/** Throws {@link CertificateError} `INVALID_FIELD` naming `field`. */
export function invalidField(field: string, why: string, value?: unknown): never {
  throw new CertificateError('INVALID_FIELD', `${field}: ${why}`, {
    evidence: {
      field,
      ...(value === undefined
        ? {}
        : { value: typeof value === 'string' ? value.slice(0, 80) : value }),
    },
  });
}

/** True for one of {@link CertificateKind}. */
export function isCertificateKind(v: unknown): v is CertificateKind {
  return v === CertificateKind.granular || v === CertificateKind.go;
}

/**
 * True for a registry origin: a log origin that is also its signed-note key name
 * (DESIGN.md decision 2; c2sp.org/signed-note §Format: non-empty, no spaces, no `+`), of at
 * most {@link MAX_TEXT_LENGTH} characters.
 */
export function isValidRegistryOrigin(v: unknown): v is string {
  return typeof v === 'string' && v.length <= MAX_TEXT_LENGTH && isValidKeyName(v);
}

/** True for an account id: 1–64 characters of `A–Z a–z 0–9 . _ : -`, starting alphanumeric. */
export function isValidAccountId(v: unknown): v is string {
  return typeof v === 'string' && ACCOUNT_RE.test(v);
}

/** True for a non-negative safe integer. */
export function isUint(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** True for the start of a UTC hour (Unix seconds, a multiple of 3600) before the year 10000. */
export function isHourStart(v: unknown): v is number {
  return isUint(v) && v % HOUR_SECONDS === 0 && v < END_OF_HOURS;
}

/** True for non-empty text of at most {@link MAX_TEXT_LENGTH} characters without a lone surrogate. */
export function isShortText(v: unknown): v is string {
  return (
    typeof v === 'string' && v.length > 0 && v.length <= MAX_TEXT_LENGTH && !hasLoneSurrogate(v)
  );
}

/**
 * Checks the names of a meter-hour: a registered-style meter id, an OBIS code in its reduced
 * canonical form (IEC 62056-61, as readings must write it) and the start of a UTC hour.
 */
export function checkMeterHour(meterId: unknown, obis: unknown, hour: unknown): void {
  if (!isValidMeterId(meterId)) invalidField('meterId', 'not a valid meter id', meterId);
  if (!isValidObis(obis)) invalidField('obis', 'not a canonical OBIS code', obis);
  if (!isHourStart(hour)) invalidField('hour', 'not the start of a UTC hour before 10000', hour);
}
