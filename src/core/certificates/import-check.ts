/**
 * Across registries (docs/registry-certificates.md §Export and import): an import names the
 * export event it rests on by the exporting registry's origin and the event's leaf index in
 * that registry's log. Given that export event (verified under the exporting registry's key
 * and proved in its log by the caller), {@link checkImportOf} checks that the two events
 * agree: the same certificate and amount, exported to the registry that imports it.
 */
import { bytesEqual } from '../bytes.ts';
import { CertificateError } from './errors.ts';
import type { CertificateEvent, ImportEvent } from './event-types.ts';

function mismatch(field: string, why: string): never {
  throw new CertificateError('IMPORT_MISMATCH', `import: ${why}`, { evidence: { field } });
}

/**
 * Checks that `imp` is the import of `exported`, the event at `exportLeafIndex` of the
 * exporting registry's log. Throws {@link CertificateError} `IMPORT_MISMATCH` (`evidence.field`
 * names the first field that disagrees) unless `exported` is an export of the registry and
 * leaf index the import names, to the importing registry, of the same certificate and amount.
 * It does not check the export's signature or inclusion, nor that the export was accepted in
 * its log: a verifier replays the exporting registry's certificate events for that.
 */
export function checkImportOf(
  imp: ImportEvent,
  exported: CertificateEvent,
  exportLeafIndex: number,
): void {
  if (exported.type !== 'export') mismatch('type', 'the event named is not an export');
  if (exported.registry !== imp.exportingRegistry) {
    mismatch('exportingRegistry', 'the export is of another registry');
  }
  if (exportLeafIndex !== imp.exportLeafIndex) {
    mismatch('exportLeafIndex', 'the export is at another leaf index');
  }
  if (exported.importingRegistry !== imp.registry) {
    mismatch('importingRegistry', 'the export names another importing registry');
  }
  if (!bytesEqual(exported.certificateId, imp.certificateId)) {
    mismatch('certificateId', 'the export is of another certificate');
  }
  if (exported.amount !== imp.amount) mismatch('amount', 'the amounts differ');
}
