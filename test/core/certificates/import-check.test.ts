import { describe, expect, it } from 'vitest';
import { checkImportOf, type CertificateError } from '../../../src/core/certificates/index.ts';
import { cancel, codeOf, exportTo, idOf, importFrom } from './fixtures.ts';

describe('when an import is checked against the export it names', () => {
  it('accepts the import of that export', () => {
    expect(codeOf(() => checkImportOf(importFrom(), exportTo(), 5))).toBeUndefined();
  });

  it('rejects any disagreement with IMPORT_MISMATCH naming the field', () => {
    const cases: [Parameters<typeof checkImportOf>, string][] = [
      [[importFrom(), cancel(), 5], 'type'],
      [
        [importFrom({ exportingRegistry: 'registry.example/us' }), exportTo(), 5],
        'exportingRegistry',
      ],
      [[importFrom(), exportTo(), 6], 'exportLeafIndex'],
      [
        [importFrom(), exportTo({ importingRegistry: 'registry.example/us' }), 5],
        'importingRegistry',
      ],
      [[importFrom(), exportTo({ certificateId: idOf('m2') }), 5], 'certificateId'],
      [[importFrom({ amount: 1 }), exportTo(), 5], 'amount'],
    ];
    for (const [args, field] of cases) {
      let err: unknown;
      try {
        checkImportOf(...args);
      } catch (e) {
        err = e;
      }
      expect([field, (err as CertificateError).code, (err as CertificateError).evidence]).toEqual([
        field,
        'IMPORT_MISMATCH',
        { field },
      ]);
    }
  });
});
