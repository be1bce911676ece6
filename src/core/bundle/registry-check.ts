/**
 * The registry check of offline bundle verification: operator key declarations verify under
 * the log key, and key registrations and revocations under the operator key in force at their
 * index (docs/bundle.md §What the verifier checks). Pure core.
 */
import { EntryKind } from '../leaf/index.ts';
import {
  operatorKeyAt,
  verifyOperatorDeclaration,
  verifyRegistryEntry,
  type KeyRegistration,
  type VerifiedOperatorDeclaration,
} from '../registry/index.ts';
import type { ParsedDisclosed } from './parse.ts';
import { fail, type VerifyPolicy } from './verify-types.ts';

export const REGISTRY_KINDS = new Set<number>([
  EntryKind.operatorKey,
  EntryKind.keyRegistration,
  EntryKind.keyRevocation,
]);

export interface SignerHistory {
  registrations: { index: number; registration: KeyRegistration }[];
  revocations: number[];
}

export function checkRegistry(
  registry: readonly ParsedDisclosed[],
  policy: VerifyPolicy,
  origin: string,
): Map<string, SignerHistory> {
  const declarations: { index: number; declaration: VerifiedOperatorDeclaration }[] = [];
  const signers = new Map<string, SignerHistory>();
  const history = (id: string): SignerHistory => {
    let h = signers.get(id);
    if (h === undefined) {
      h = { registrations: [], revocations: [] };
      signers.set(id, h);
    }
    return h;
  };
  for (const e of registry) {
    if (e.kind === EntryKind.operatorKey) {
      let d: VerifiedOperatorDeclaration;
      try {
        d = verifyOperatorDeclaration(e.bytes, policy.logVkey);
      } catch (err) {
        fail('BAD_OPERATOR_DECLARATION', (err as Error).message, e.index, err);
      }
      if (d.origin !== origin) fail('BAD_OPERATOR_DECLARATION', 'issued by another log', e.index);
      declarations.push({ index: e.index, declaration: d });
      continue;
    }
    const operator = operatorKeyAt(declarations, e.index);
    if (operator === undefined) {
      fail('NO_OPERATOR_KEY', 'no operator key declaration precedes it', e.index);
    }
    let entry;
    try {
      entry = verifyRegistryEntry(e.bytes, operator);
    } catch (err) {
      fail('BAD_REGISTRY_ENTRY', (err as Error).message, e.index, err);
    }
    if (entry.kind !== e.kind) fail('WRONG_ENTRY_KIND', 'the leaf kind differs', e.index);
    if (entry.kind === EntryKind.keyRegistration) {
      history(entry.registration.signerId).registrations.push({
        index: e.index,
        registration: entry.registration,
      });
    } else {
      history(entry.revocation.signerId).revocations.push(e.index);
    }
  }
  return signers;
}

/** The signer's last registration before leaf `index` (registrations are in index order). */
export function registrationBefore(
  h: SignerHistory,
  index: number,
): SignerHistory['registrations'][number] | undefined {
  const list = h.registrations;
  for (let i = list.length - 1; i >= 0; i--) if (list[i]!.index < index) return list[i];
  return undefined;
}
