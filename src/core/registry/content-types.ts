/**
 * Content types (COSE header label 3, RFC 9052 §3.1) of the three registry entry formats, and
 * the leaf entry kind each is logged under (docs/log-format.md §Leaf). The content type is in
 * the signed protected header, so a signature over one kind of entry can never be presented as
 * another kind, nor as a log receipt or a reading.
 */
import { EntryKind } from '../leaf/index.ts';

/** Content type of each registry entry format. */
export const RegistryContentType = {
  /** Operator key declaration, signed by the log key. */
  operatorKey: 'application/vnd.wattproof.operator-key+cbor',
  /** Key registration, signed by the operator key. */
  keyRegistration: 'application/vnd.wattproof.key-registration+cbor',
  /** Key revocation, signed by the operator key. */
  keyRevocation: 'application/vnd.wattproof.key-revocation+cbor',
} as const;

/** A registry entry kind: one of the three registry values of {@link EntryKind}. */
export type RegistryEntryKind =
  typeof EntryKind.operatorKey | typeof EntryKind.keyRegistration | typeof EntryKind.keyRevocation;

/** The leaf entry kind of an entry with content type `contentType`, if it is a registry one. */
export function entryKindOfContentType(contentType: unknown): RegistryEntryKind | undefined {
  switch (contentType) {
    case RegistryContentType.operatorKey:
      return EntryKind.operatorKey;
    case RegistryContentType.keyRegistration:
      return EntryKind.keyRegistration;
    case RegistryContentType.keyRevocation:
      return EntryKind.keyRevocation;
    default:
      return undefined;
  }
}
