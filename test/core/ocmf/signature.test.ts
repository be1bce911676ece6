import { describe, expect, it } from 'vitest';
import { fromHex, toBase64 } from '../../../src/core/bytes.ts';
import {
  DEFAULT_SIGNATURE_ALGORITHM,
  OCMF_CURVES,
  OCMF_SIGNATURE_ALGORITHMS,
  parseOcmf,
  verifyOcmf,
} from '../../../src/core/ocmf/index.ts';
import samples from '../../vectors/ocmf-samples.json' with { type: 'json' };

const keba = samples[0]!;
const kebaPayload = keba.ocmf.slice(0, keba.ocmf.lastIndexOf('|'));
const kebaSd = JSON.parse(keba.ocmf.slice(keba.ocmf.lastIndexOf('|') + 1)).SD as string;

describe('when reading the signature section', () => {
  it('defaults SA to ECDSA-secp256r1-SHA256, SE to hex and SM to DER', () => {
    const sig = parseOcmf(keba.ocmf).signature;
    expect(sig.algorithm).toBe(DEFAULT_SIGNATURE_ALGORITHM);
    expect(sig.curve.name).toBe('secp256r1');
    expect(sig.encoding).toBe('hex');
    expect(sig.r).toBe(BigInt('0x' + kebaSd.slice(8, 72)));
  });

  it('verifies the same signature given in base64 with SE and an explicit SM', () => {
    const b64 = toBase64(fromHex(kebaSd));
    const rec = `${kebaPayload}|{"SA":"ECDSA-secp256r1-SHA256","SE":"base64","SM":"application/x-der","SD":"${b64}"}`;
    expect(verifyOcmf(rec, keba.publicKey).valid).toBe(true);
  });

  it('maps every OCMF 1.x spelling to its curve', () => {
    expect(OCMF_SIGNATURE_ALGORITHMS).toEqual({
      'ECDSA-secp192k1-SHA256': 'secp192k1',
      'ECDSA-secp256k1-SHA256': 'secp256k1',
      'ECDSA-secp192r1-SHA256': 'secp192r1',
      'ECDSA-prime192v1-SHA256': 'secp192r1',
      'ECDSA-secp256r1-SHA256': 'secp256r1',
      'ECDSA-prime256v1-SHA256': 'secp256r1',
      'ECDSA-brainpool256r1-SHA256': 'brainpoolP256r1',
      'ECDSA-brainpoolP256r1-SHA256': 'brainpoolP256r1',
      'ECDSA-secp384r1-SHA256': 'secp384r1',
      'ECDSA-prime384v1-SHA256': 'secp384r1',
      'ECDSA-brainpool384r1-SHA256': 'brainpoolP384r1',
      'ECDSA-brainpoolP384r1-SHA256': 'brainpoolP384r1',
    });
  });

  it('knows each curve by its standard OID and size', () => {
    expect(Object.values(OCMF_CURVES).map((c) => [c.name, c.oid, c.byteLength])).toEqual([
      ['secp192k1', '1.3.132.0.31', 24],
      ['secp192r1', '1.2.840.10045.3.1.1', 24],
      ['secp256k1', '1.3.132.0.10', 32],
      ['secp256r1', '1.2.840.10045.3.1.7', 32],
      ['secp384r1', '1.3.132.0.34', 48],
      ['brainpoolP256r1', '1.3.36.3.3.2.8.1.1.7', 32],
      ['brainpoolP384r1', '1.3.36.3.3.2.8.1.1.11', 48],
    ]);
  });

  it('keeps vendor extension fields of the signature section', () => {
    const r = parseOcmf(`${kebaPayload}|{"SD":"${kebaSd}","UV":"x"}`);
    expect(r.signatureFields.get('UV')).toBe('x');
    expect(verifyOcmf(`${kebaPayload}|{"SD":"${kebaSd}","UV":"x"}`, keba.publicKey).valid).toBe(
      true,
    );
  });
});
