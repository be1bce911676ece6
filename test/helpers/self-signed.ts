/**
 * A self-signed P-256 certificate for 127.0.0.1, made with the machine's `openssl req -x509`
 * into a test's own folder: for the HTTPS and MQTTS tests.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/** Writes `<name>.crt` and `<name>.key` (PEM) into `dir`; returns their paths. */
export async function selfSignedCertificate(
  dir: string,
  name = 'localhost',
): Promise<{ cert: string; key: string }> {
  const cert = `${dir}/${name}.crt`;
  const key = `${dir}/${name}.key`;
  await promisify(execFile)('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    key,
    '-out',
    cert,
    '-days',
    '1',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
  ]);
  return { cert, key };
}
