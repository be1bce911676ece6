import * as asn1js from 'asn1js';
import { RelativeDistinguishedNames } from 'pkijs';
import { describe, expect, it } from 'vitest';
import { formatDistinguishedName } from '../../../anchors/tsa/index.ts';

/** A DER Name built from RDNs, each a list of [OID, ASN.1 value]. */
function name(rdns: [string, asn1js.AsnType][][]): RelativeDistinguishedNames {
  const seq = new asn1js.Sequence({
    value: rdns.map(
      (rdn) =>
        new asn1js.Set({
          value: rdn.map(
            ([oid, value]) =>
              new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: oid }), value] }),
          ),
        }),
    ),
  });
  return RelativeDistinguishedNames.fromBER(seq.toBER(false));
}

const utf8 = (value: string): asn1js.Utf8String => new asn1js.Utf8String({ value });
const printable = (value: string): asn1js.PrintableString => new asn1js.PrintableString({ value });

describe('formatDistinguishedName (RFC 4514)', () => {
  it('writes RDNs last to first with short names', () => {
    const n = name([
      [['2.5.4.6', printable('DE')]],
      [['2.5.4.10', utf8('wattproof test')]],
      [['2.5.4.3', utf8('Test TSA')]],
    ]);
    expect(formatDistinguishedName(n)).toBe('CN=Test TSA,O=wattproof test,C=DE');
  });

  it('joins the values of a multi-valued RDN with +', () => {
    const n = name([
      [
        ['2.5.4.3', utf8('TSA')],
        ['0.9.2342.19200300.100.1.1', utf8('42')],
      ],
    ]);
    expect(formatDistinguishedName(n)).toBe('CN=TSA+UID=42');
  });

  it('escapes special characters, leading # or space, trailing space and controls (§2.4)', () => {
    const n = name([[['2.5.4.3', utf8('#a,b+c;d<e>f"g\\h\u0001 ')]]]);
    expect(formatDistinguishedName(n)).toBe('CN=\\#a\\,b\\+c\\;d\\<e\\>f\\"g\\\\h\\01\\ ');
  });

  it('writes a type without a short name as its OID and the value as #hex of its BER', () => {
    const n = name([[['2.5.4.5', printable('A1')]]]);
    expect(formatDistinguishedName(n)).toBe('2.5.4.5=#13024131');
  });
});
