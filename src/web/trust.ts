/**
 * What the page trusts, and the small trust file it saves and loads (docs/verifier.md §Trust
 * file): the log's verifier key, witness cosigner keys (c2sp.org/signed-note vkeys) and how
 * many witnesses must have cosigned. The same three things `wattproof verify` takes as
 * `--log-key`, `--witness` and `--min-witnesses`.
 */
import type { VerifyPolicy } from '../core/bundle/index.ts';
import { parseVerifierKey } from '../core/note/index.ts';

/** The `format` of a trust file. */
export const TRUST_FORMAT = 'wattproof.trust/v1';

/** Largest `minWitnesses` accepted (as the CLI: up to six digits). */
export const MAX_MIN_WITNESSES = 999_999;

/** Why trust settings were refused: `MALFORMED_TRUST`, `BAD_LOG_KEY`, `BAD_WITNESS_KEY`, `BAD_MIN_WITNESSES`. */
export type TrustErrorCode =
  'MALFORMED_TRUST' | 'BAD_LOG_KEY' | 'BAD_WITNESS_KEY' | 'BAD_MIN_WITNESSES';

/** Trust settings or a trust file were refused; `field` names the form field at fault. */
export class TrustError extends Error {
  override readonly name = 'TrustError';

  constructor(
    readonly code: TrustErrorCode,
    message: string,
    readonly field: 'log-key' | 'witness-keys' | 'min-witnesses' | 'trust-file',
  ) {
    super(message);
  }
}

/** A trust file: `{ "format": "wattproof.trust/v1", "logKey", "witnesses", "minWitnesses" }`. */
export interface TrustFile {
  readonly format: typeof TRUST_FORMAT;
  readonly logKey: string;
  readonly witnesses: readonly string[];
  readonly minWitnesses: number;
}

/** Witness keys as typed or pasted: one per line (any white space separates keys). */
export function splitKeys(text: string): string[] {
  return text.split(/\s+/).filter((k) => k !== '');
}

/**
 * The verification policy of the form's three values, each key parsed as a signed-note
 * verifier key. Throws {@link TrustError} naming the field at fault.
 */
export function policyOf(logKey: string, witnessText: string, minText: string): VerifyPolicy {
  const log = logKey.trim();
  if (log === '') throw new TrustError('BAD_LOG_KEY', 'give the log’s verifier key', 'log-key');
  try {
    parseVerifierKey(log);
  } catch (e) {
    throw new TrustError('BAD_LOG_KEY', `not a verifier key: ${(e as Error).message}`, 'log-key');
  }
  const witnesses = splitKeys(witnessText);
  for (const w of witnesses) {
    try {
      parseVerifierKey(w);
    } catch (e) {
      throw new TrustError(
        'BAD_WITNESS_KEY',
        `not a verifier key: ${w} (${(e as Error).message})`,
        'witness-keys',
      );
    }
  }
  const min = minText.trim() === '' ? '0' : minText.trim();
  if (!/^(0|[1-9][0-9]{0,5})$/.test(min)) {
    throw new TrustError(
      'BAD_MIN_WITNESSES',
      'the number of witnesses must be a whole number from 0',
      'min-witnesses',
    );
  }
  return { logVkey: log, witnessVkeys: witnesses, minWitnesses: Number(min) };
}

/** The trust file of a policy, as pretty JSON text. */
export function trustFileText(policy: VerifyPolicy): string {
  const file: TrustFile = {
    format: TRUST_FORMAT,
    logKey: policy.logVkey,
    witnesses: [...(policy.witnessVkeys ?? [])],
    minWitnesses: policy.minWitnesses ?? 0,
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}

/** Parses and checks a trust file's text. Throws {@link TrustError}. */
export function parseTrustFile(text: string): VerifyPolicy {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new TrustError('MALFORMED_TRUST', 'the trust file is not JSON', 'trust-file');
  }
  const f = v as Partial<Record<keyof TrustFile, unknown>> | null;
  if (typeof f !== 'object' || f === null || f.format !== TRUST_FORMAT) {
    throw new TrustError('MALFORMED_TRUST', `not a ${TRUST_FORMAT} file`, 'trust-file');
  }
  const witnesses = f.witnesses ?? [];
  const min = f.minWitnesses ?? 0;
  if (
    typeof f.logKey !== 'string' ||
    !Array.isArray(witnesses) ||
    !witnesses.every((w) => typeof w === 'string') ||
    typeof min !== 'number' ||
    !Number.isSafeInteger(min) ||
    min < 0 ||
    min > MAX_MIN_WITNESSES
  ) {
    throw new TrustError(
      'MALFORMED_TRUST',
      'logKey must be a string, witnesses a list of strings, minWitnesses a whole number',
      'trust-file',
    );
  }
  return policyOf(f.logKey, witnesses.join('\n'), String(min));
}
