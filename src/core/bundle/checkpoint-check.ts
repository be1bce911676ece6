/**
 * The checkpoint check of offline bundle verification: the checkpoint is signed by the log key
 * (c2sp.org/signed-note) and cosigned by enough trusted witnesses (c2sp.org/tlog-cosignature),
 * and the disclosed indices are below its tree size and in index order (docs/bundle.md §What
 * the verifier checks). Pure core.
 */
import { openNote, parseCheckpoint, parseVerifierKey, type NoteVerifier } from '../note/index.ts';
import { fail, type VerifyPolicy } from './verify-types.ts';

/** Parses the policy keys; a malformed key throws (the caller's error, not the bundle's). */
export function verifiers(policy: VerifyPolicy): { log: NoteVerifier; witnesses: NoteVerifier[] } {
  const log = parseVerifierKey(policy.logVkey);
  const witnesses = (policy.witnessVkeys ?? []).map((k) => parseVerifierKey(k));
  return { log, witnesses };
}

export function checkCheckpoint(
  note: string,
  origin: string,
  keys: { log: NoteVerifier; witnesses: NoteVerifier[] },
  minWitnesses: number,
): { size: number; root: Uint8Array; witnesses: string[] } {
  let opened;
  try {
    opened = openNote(note, [keys.log, ...keys.witnesses]);
  } catch (e) {
    fail('BAD_CHECKPOINT', `checkpoint: ${(e as Error).message}`, undefined, e);
  }
  const signedBy = (v: NoteVerifier): boolean =>
    opened.verified.some((s) => s.name === v.name && s.keyId === v.keyId);
  if (!signedBy(keys.log)) fail('BAD_CHECKPOINT', 'the log key did not sign the checkpoint');
  const witnesses = keys.witnesses.filter(signedBy).map((w) => w.name);
  if (new Set(witnesses).size < minWitnesses) {
    fail(
      'TOO_FEW_WITNESSES',
      `${new Set(witnesses).size} trusted witness cosignature(s), ${minWitnesses} required`,
    );
  }
  let cp;
  try {
    cp = parseCheckpoint(opened.text);
  } catch (e) {
    fail('BAD_CHECKPOINT', `checkpoint: ${(e as Error).message}`, undefined, e);
  }
  if (cp.origin !== origin) fail('WRONG_LOG', `the checkpoint is of log ${cp.origin}`);
  return { size: cp.size, root: cp.root, witnesses };
}

export function checkIndices(list: readonly number[], treeSize: number, seen: Set<number>): void {
  list.forEach((index, i) => {
    if (index >= treeSize) {
      fail('INDEX_OUT_OF_RANGE', `index is not below tree size ${treeSize}`, index);
    }
    if (i > 0 && index <= list[i - 1]!) fail('INDEX_ORDER', 'out of index order', index);
    if (seen.has(index)) fail('INDEX_ORDER', 'disclosed twice', index);
    seen.add(index);
  });
}
