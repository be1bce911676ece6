/**
 * Error base for everything wattproof throws on purpose.
 *
 * Every error carries a machine-readable `code` (a string union per part), a human message,
 * an optional `cause`, and optional `evidence`: the data that made a check fail (for a failed
 * proof, the proof and both roots), so that a verdict can be shown and re-checked.
 * Modules define their own code unions and subclasses (e.g. `MerkleError` in
 * `core/merkle/errors.ts`); one place outside the core maps codes to HTTP statuses.
 */
export class WattproofError<Code extends string = string> extends Error {
  /** Machine-readable reason, stable across releases. */
  readonly code: Code;
  /** What the failed check looked at, for reports. Never secret material. */
  readonly evidence: Readonly<Record<string, unknown>> | undefined;

  constructor(
    code: Code,
    message: string,
    options: { cause?: unknown; evidence?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.evidence = options.evidence;
  }
}

/** True when `e` is a {@link WattproofError}, optionally with the given code. */
export function isWattproofError(e: unknown, code?: string): e is WattproofError {
  return e instanceof WattproofError && (code === undefined || e.code === code);
}
