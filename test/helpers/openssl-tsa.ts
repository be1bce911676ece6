/**
 * A real RFC 3161 Time-Stamping Authority for tests: a test CA and a TSA certificate made with
 * the `openssl` command, and `openssl ts -reply` served over HTTP (RFC 3161 §3.4: POST of an
 * `application/timestamp-query`, answer `application/timestamp-reply`).
 *
 * Every call makes a fresh CA, so two calls with two folders give two unrelated TSAs (one to
 * trust, one to be refused as untrusted).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Largest request body the test TSA reads. */
const MAX_QUERY_BYTES = 64 * 1024;

/** How the test CA and TSA are made. */
export interface OpensslTsaOptions {
  /** Common-name prefix of the CA (`<name> CA`) and TSA (`<name> TSA`); default `Test`. */
  readonly name?: string;
  /** Key type of the CA and TSA certificates; default `rsa` (RSA-2048). `ec` is P-256. */
  readonly keyType?: 'rsa' | 'ec';
  /**
   * Hash of the signing-certificate attribute: `sha1` gives ESSCertID (RFC 2634 §5.4),
   * `sha256` gives ESSCertIDv2 (RFC 5035 §3); default `sha256`.
   */
  readonly essCertIdAlg?: 'sha1' | 'sha256';
}

/** Files the test TSA is made of (PEM certificates and unencrypted PEM keys). */
export interface OpensslTsaFiles {
  readonly caCert: string;
  readonly caKey: string;
  readonly tsaCert: string;
  readonly tsaKey: string;
  /** OpenSSL configuration with the `[tsa]` section and the `v3_*` extension sections. */
  readonly config: string;
}

/** A running test TSA. */
export interface OpensslTsa {
  /** Where to POST time-stamp queries, e.g. `http://127.0.0.1:40123/`. */
  readonly url: string;
  readonly caCertPem: string;
  readonly tsaCertPem: string;
  readonly files: OpensslTsaFiles;
  /** How many queries were answered with a reply. */
  readonly replies: number;
  close(): Promise<void>;
}

function keyArgs(keyType: 'rsa' | 'ec'): string[] {
  return keyType === 'ec'
    ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']
    : ['-newkey', 'rsa:2048'];
}

function opensslConfig(dir: string, essCertIdAlg: 'sha1' | 'sha256'): string {
  return `[ req ]
distinguished_name = req_dn
prompt = no

[ req_dn ]
CN = unused

[ v3_ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

# RFC 3161 §2.3: a TSA certificate carries exactly one, critical, extended key usage:
# id-kp-timeStamping.
[ v3_tsa ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = critical, timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

# An end-entity certificate without the time-stamping key usage (for negative tests).
[ v3_plain ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[ tsa ]
default_tsa = tsa_config

[ tsa_config ]
serial = ${join(dir, 'tsaserial')}
crypto_device = builtin
signer_cert = ${join(dir, 'tsa.pem')}
certs = ${join(dir, 'ca.pem')}
signer_key = ${join(dir, 'tsa.key')}
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256, sha384, sha512
accuracy = secs:1
clock_precision_digits = 0
ordering = no
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = ${essCertIdAlg}
`;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  await run('openssl', args, { cwd });
}

/**
 * Makes a test CA and a TSA certificate in `dir` with `options` (see {@link startOpensslTsa}).
 * Three `openssl` calls.
 */
export async function makeOpensslTsaFiles(
  dir: string,
  options: OpensslTsaOptions = {},
): Promise<OpensslTsaFiles> {
  const name = options.name ?? 'Test';
  const keyType = options.keyType ?? 'rsa';
  const files: OpensslTsaFiles = {
    caCert: join(dir, 'ca.pem'),
    caKey: join(dir, 'ca.key'),
    tsaCert: join(dir, 'tsa.pem'),
    tsaKey: join(dir, 'tsa.key'),
    config: join(dir, 'openssl-tsa.cnf'),
  };
  await writeFile(files.config, opensslConfig(dir, options.essCertIdAlg ?? 'sha256'));
  await writeFile(join(dir, 'tsaserial'), '01\n');
  await openssl(
    [
      'req', '-x509', '-config', files.config, ...keyArgs(keyType), '-nodes',
      '-keyout', files.caKey, '-out', files.caCert, '-days', '3650', '-sha256',
      '-subj', `/O=wattproof test/CN=${name} CA`, '-extensions', 'v3_ca',
    ],
    dir,
  ); // prettier-ignore
  await openssl(
    [
      'req', '-new', '-config', files.config, ...keyArgs(keyType), '-nodes',
      '-keyout', files.tsaKey, '-out', join(dir, 'tsa.csr'),
      '-subj', `/O=wattproof test/CN=${name} TSA`,
    ],
    dir,
  ); // prettier-ignore
  await openssl(
    [
      'x509', '-req', '-in', join(dir, 'tsa.csr'), '-CA', files.caCert, '-CAkey', files.caKey,
      '-set_serial', `0x${randomBytes(8).toString('hex')}`, '-days', '3650', '-sha256',
      '-extfile', files.config, '-extensions', 'v3_tsa', '-out', files.tsaCert,
    ],
    dir,
  ); // prettier-ignore
  return files;
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > MAX_QUERY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * Makes a test CA and TSA certificate (critical EKU id-kp-timeStamping) in `dir` and serves
 * OpenSSL's TSA (`openssl ts -reply`) on a free port of 127.0.0.1. Each query is written to a
 * file in `dir`, answered by one `openssl ts -reply` call, and the reply bytes are returned as
 * `application/timestamp-reply`; a query OpenSSL cannot read gets HTTP 400. Queries are answered
 * one at a time (the TSA serial file is shared). Call again with another folder for an
 * unrelated CA and TSA.
 */
export async function startOpensslTsa(
  dir: string,
  options: OpensslTsaOptions = {},
): Promise<OpensslTsa> {
  const files = await makeOpensslTsaFiles(dir, options);
  const [caCertPem, tsaCertPem] = await Promise.all([
    readFile(files.caCert, 'utf8'),
    readFile(files.tsaCert, 'utf8'),
  ]);
  let replies = 0;
  let n = 0;
  let queue: Promise<unknown> = Promise.resolve();
  const reply = async (query: Buffer): Promise<Buffer> => {
    const i = n++;
    const queryFile = join(dir, `query-${i}.tsq`);
    const replyFile = join(dir, `reply-${i}.tsr`);
    await writeFile(queryFile, query);
    await openssl(
      ['ts', '-reply', '-config', files.config, '-queryfile', queryFile, '-out', replyFile],
      dir,
    );
    return readFile(replyFile);
  };
  const server = createServer((req, res) => {
    void (async () => {
      if (req.method !== 'POST') {
        res.writeHead(405).end();
        return;
      }
      const body = await readBody(req);
      if (body === undefined) {
        res.writeHead(413).end();
        return;
      }
      const answer = queue.then(() => reply(body));
      queue = answer.catch(() => undefined);
      try {
        const bytes = await answer;
        replies++;
        res.writeHead(200, { 'content-type': 'application/timestamp-reply' }).end(bytes);
      } catch {
        res.writeHead(400, { 'content-type': 'text/plain' }).end('openssl ts -reply failed\n');
      }
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    caCertPem,
    tsaCertPem,
    files,
    get replies() {
      return replies;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}
