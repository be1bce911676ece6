/**
 * `wattproof sign-reading`: signs one native reading (docs/formats.md "Native signed reading":
 * a tagged COSE_Sign1, RFC 9052 §4.2, with the core's `signReading`) with a meter's private
 * key file, so that a new user can publish a test reading with `mosquitto_pub -f FILE`; and
 * `sign-reading --keygen --out key.pem`, which makes such a key (PKCS #8, RFC 5958, PEM as in
 * RFC 7468 §10, the form `openssl genpkey` writes) and prints its public key in the form
 * `wattproof devices register --public-key` takes.
 *
 * Key files: PKCS #8 PEM or DER of an Ed25519 (RFC 8410) or P-256 key, a SEC 1 `EC PRIVATE
 * KEY` PEM (RFC 5915), or the 32 raw bytes of an Ed25519 seed (RFC 8032 §5.1.5) or P-256
 * scalar, as bytes or 64 hex digits. The key type decides the algorithm: EdDSA (−8) for
 * Ed25519, ES256 (−7) for P-256; `kid` and `iss` are the signer id (docs/formats.md §Checks).
 */
import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { fromHex, toBase64, toHex, utf8 } from '../core/bytes.ts';
import { CoseAlg } from '../core/cose/index.ts';
import type { SignerKeyType } from '../core/registry/index.ts';
import {
  isValidMeterId,
  isValidObis,
  OBIS_ACTIVE_IMPORT,
  QualityFlag,
  ReadingError,
  signReading,
  type Reading,
} from '../core/reading/index.ts';
import { checkTopicRoot, meterReadingsTopic, TOPIC_ROOT } from '../ingest/index.ts';
import { CliFailure } from './devices.ts';
import {
  EXIT,
  EXIT_USAGE,
  UsageError,
  iso,
  jsonText,
  meterId,
  oneOf,
  parseOptions,
  processIo,
  required,
  runCommand,
  timeArgument,
  wholeNumber,
  type ClientIo,
} from './node-client.ts';

/** The signing algorithms, as `--alg` names them (docs/formats.md §Algorithms and keys). */
const ALGS = ['EdDSA', 'ES256'] as const;
type AlgName = (typeof ALGS)[number];
/** The registry's key type of each algorithm (`devices register --key-type`). */
const KEY_TYPE: Readonly<Record<AlgName, Exclude<SignerKeyType, 'OCMF'>>> = {
  EdDSA: 'Ed25519',
  ES256: 'P-256',
};
/** The node's default clock-skew tolerance (`wattproof start --clock-skew`). */
const CLOCK_SKEW_S = 300;
const MAX_UINT = Number.MAX_SAFE_INTEGER;

/** The quality flag names `--quality` takes, and their bits (docs/formats.md, flag table). */
const QUALITY_NAMES: Readonly<Record<string, number>> = {
  'clock-synced': QualityFlag.CLOCK_SYNCED,
  estimated: QualityFlag.ESTIMATED,
  'meter-error': QualityFlag.METER_ERROR,
};

/** Usage text of `wattproof sign-reading`. */
export const SIGN_READING_USAGE = `usage: wattproof sign-reading --key-file FILE --meter M --sequence N --start TIME --end TIME
                              --register-wh R --energy-wh E [options] [--out FILE | --base64 | --hex]
       wattproof sign-reading --keygen --out key.pem [--alg EdDSA|ES256] [--meter M]

Signs one native reading (COSE_Sign1) with a meter's private key, to publish with e.g.
  mosquitto_pub -t wattproof/v1/meters/M/readings -f FILE -u M -P PASSWORD -q 1
TIME is Unix seconds or ISO 8601 (2026-11-30T12:00Z, 2026-11-30T12:00:00+01:00).

  --key-file FILE      PKCS #8 PEM or DER (openssl genpkey) or SEC 1 PEM of an Ed25519 or
                       P-256 key, or a raw 32-byte seed (bytes or 64 hex digits)
  --meter M            the meter id (payload key 1, CWT sub)
  --sequence N         the meter's sequence number (0 ... 2^53-1)
  --start TIME         interval start (inclusive)
  --end TIME           interval end (exclusive), after --start
  --register-wh R      register value at the interval end, Wh
  --energy-wh E        energy of the interval, Wh
  --obis CODE          the register's OBIS code (default ${OBIS_ACTIVE_IMPORT}, import; 1-0:2.8.0 export)
  --quality Q          quality flags: 0-7, or names joined by commas: ${Object.keys(QUALITY_NAMES).join(', ')}
                       (default 0)
  --kid ID             the signer id as registered, also the CWT iss (default: the meter id)
  --alg ALG            EdDSA or ES256; must match the key (default: the key's); with --keygen
                       the key to make (default EdDSA)
  --topic-root ROOT    the node's topic root, for the printed topic [WATTPROOF_TOPIC_ROOT]
                       (default ${TOPIC_ROOT})
  --out FILE           write the signed reading (or with --keygen, the new key) to FILE
  --base64, --hex      print the signed reading as base64 or hex
                       (none of the three: the bytes to standard output, if it is not a terminal)
  --keygen             make a private key (mode 0600, never overwrites) and print its public key
  --json               print what was signed (with the bytes in base64) or made, as JSON
  -h, --help           this text

${EXIT_USAGE}`;

const OPTIONS = {
  'key-file': { type: 'string' },
  meter: { type: 'string' },
  sequence: { type: 'string' },
  start: { type: 'string' },
  end: { type: 'string' },
  'register-wh': { type: 'string' },
  'energy-wh': { type: 'string' },
  obis: { type: 'string' },
  quality: { type: 'string' },
  kid: { type: 'string' },
  alg: { type: 'string' },
  'topic-root': { type: 'string' },
  out: { type: 'string' },
  base64: { type: 'boolean' },
  hex: { type: 'boolean' },
  keygen: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** A signing key read from a file. */
interface SigningKey {
  readonly alg: AlgName;
  /** 32 bytes: the Ed25519 seed or the P-256 scalar. */
  readonly privateKey: Uint8Array;
  /** Ed25519: 32 bytes (RFC 8032 §5.1.5); P-256: the compressed SEC 1 point, 33 bytes. */
  readonly publicKey: Uint8Array;
}

function publicKeyOf(alg: AlgName, privateKey: Uint8Array): Uint8Array {
  return alg === 'EdDSA' ? ed25519.getPublicKey(privateKey) : p256.getPublicKey(privateKey, true);
}

function fromKeyObject(key: KeyObject, file: string): SigningKey {
  if (key.type !== 'private') throw new CliFailure(`${file} holds a public key, not a private key`);
  let alg: AlgName;
  if (key.asymmetricKeyType === 'ed25519') alg = 'EdDSA';
  else if (
    key.asymmetricKeyType === 'ec' &&
    key.asymmetricKeyDetails?.namedCurve === 'prime256v1'
  ) {
    alg = 'ES256';
  } else {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    throw new CliFailure(
      `${file} holds a key of type ${key.asymmetricKeyType ?? 'unknown'}${curve === undefined ? '' : ` (${curve})`}; the key type must be one of Ed25519, P-256`,
    );
  }
  // JWK `d` (RFC 8037 §2 for Ed25519, RFC 7518 §6.2.2.1 for P-256): the 32 private bytes.
  const d = (key.export({ format: 'jwk' }) as { d?: string }).d!;
  const privateKey = new Uint8Array(Buffer.from(d, 'base64url'));
  return { alg, privateKey, publicKey: publicKeyOf(alg, privateKey) };
}

/** Reads `file` as a signing key of one of the formats in the file comment. */
export async function readSigningKey(file: string, alg: AlgName | undefined): Promise<SigningKey> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(file));
  } catch (e) {
    throw new CliFailure(
      `cannot read the key file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  const text = new TextDecoder().decode(bytes);
  if (text.includes('-----BEGIN ENCRYPTED PRIVATE KEY-----')) {
    throw new CliFailure(
      `${file} is encrypted; write a plain copy first: openssl pkey -in ${file} -out plain.pem`,
    );
  }
  const raw =
    bytes.length === 32
      ? bytes
      : /^[0-9a-fA-F]{64}$/.test(text.trim())
        ? fromHex(text.trim())
        : undefined;
  if (raw !== undefined) {
    const a = alg ?? 'EdDSA';
    try {
      return { alg: a, privateKey: raw, publicKey: publicKeyOf(a, raw) };
    } catch {
      throw new CliFailure(`${file}: the 32 bytes are no ${KEY_TYPE[a]} private key`);
    }
  }
  let key: KeyObject;
  try {
    key = text.includes('-----BEGIN')
      ? createPrivateKey(text)
      : createPrivateKey({ key: Buffer.from(bytes), format: 'der', type: 'pkcs8' });
  } catch {
    throw new CliFailure(
      `${file} is not a private key of a known form: PKCS #8 PEM or DER, SEC 1 PEM, or 32 raw bytes`,
    );
  }
  return fromKeyObject(key, file);
}

function quality(value: string | undefined): number {
  if (value === undefined) return 0;
  if (/^\d+$/.test(value)) return wholeNumber('quality', value, 0, 7, SIGN_READING_USAGE);
  let q = 0;
  for (const name of value.split(',')) {
    q |=
      QUALITY_NAMES[oneOf('quality', name.trim(), Object.keys(QUALITY_NAMES), SIGN_READING_USAGE)]!;
  }
  return q;
}

async function keygen(values: Record<string, unknown>, io: ClientIo): Promise<number> {
  const reading = [
    'key-file',
    'sequence',
    'start',
    'end',
    'register-wh',
    'energy-wh',
    'obis',
    'quality',
    'kid',
    'base64',
    'hex',
  ];
  const extra = reading.find((k) => values[k] !== undefined);
  if (extra !== undefined) {
    throw new UsageError(
      `--keygen makes a key only: --${extra} is for signing`,
      SIGN_READING_USAGE,
    );
  }
  const out = required(values, 'out', SIGN_READING_USAGE);
  const alg =
    typeof values.alg === 'string' ? oneOf('alg', values.alg, ALGS, SIGN_READING_USAGE) : 'EdDSA';
  const meter =
    typeof values.meter === 'string' ? meterId('meter', values.meter, SIGN_READING_USAGE) : 'METER';
  const pair =
    alg === 'EdDSA'
      ? generateKeyPairSync('ed25519')
      : generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const pem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  try {
    await writeFile(out, pem, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliFailure(
      code === 'EEXIST'
        ? `${out} exists: a key file is never overwritten`
        : `cannot write ${out}: ${code ?? (e as Error).message}`,
    );
  }
  const key = fromKeyObject(pair.privateKey, out);
  const keyType = KEY_TYPE[alg];
  const publicKey = toHex(key.publicKey);
  const register = `wattproof devices register --signer-id ${meter} --mode device --key-type ${keyType} --public-key ${publicKey} --meter ${meter} --capacity-w WATTS`;
  io.stdout(
    values.json === true
      ? jsonText({ file: out, keyType, alg, publicKey, register })
      : `wrote ${keyType === 'Ed25519' ? 'an' : 'a'} ${keyType} private key to ${out} (mode 0600): keep it secret\n` +
          `public key ${publicKey}\n` +
          `register it with the node (operator token):\n  ${register}\n`,
  );
  return EXIT.ok;
}

async function signCommand(argv: readonly string[], io: ClientIo): Promise<number> {
  const { values } = parseOptions(argv, OPTIONS, SIGN_READING_USAGE);
  if (values.help === true) {
    io.stdout(SIGN_READING_USAGE);
    return EXIT.ok;
  }
  if (values.keygen === true) return keygen(values, io);
  const U = SIGN_READING_USAGE;
  const outputs = ['out', 'base64', 'hex'].filter((k) => values[k] !== undefined);
  if (outputs.length > 1) {
    throw new UsageError(
      `give one of --out, --base64, --hex, not ${outputs.map((o) => `--${o}`).join(' and ')}`,
      U,
    );
  }
  const meter = meterId('meter', required(values, 'meter', U), U);
  const kid = typeof values.kid === 'string' ? values.kid : meter;
  if (!isValidMeterId(kid)) {
    throw new UsageError(`--kid: "${kid}" is not a signer id (the syntax of a meter id)`, U);
  }
  const obis = typeof values.obis === 'string' ? values.obis : OBIS_ACTIVE_IMPORT;
  if (!isValidObis(obis)) {
    throw new UsageError(`--obis: "${obis}" is not an OBIS code A-B:C.D.E (e.g. 1-0:1.8.0)`, U);
  }
  const reading: Reading = {
    meterId: meter,
    sequence: wholeNumber('sequence', required(values, 'sequence', U), 0, MAX_UINT, U),
    intervalStart: timeArgument('start', required(values, 'start', U), U),
    intervalEnd: timeArgument('end', required(values, 'end', U), U),
    obis,
    registerWh: wholeNumber('register-wh', required(values, 'register-wh', U), 0, MAX_UINT, U),
    energyWh: wholeNumber('energy-wh', required(values, 'energy-wh', U), 0, MAX_UINT, U),
    quality: quality(typeof values.quality === 'string' ? values.quality : undefined),
  };
  if (reading.intervalEnd <= reading.intervalStart) {
    throw new UsageError(
      `--end (${iso(reading.intervalEnd)}) must be after --start (${iso(reading.intervalStart)})`,
      U,
    );
  }
  const wanted = typeof values.alg === 'string' ? oneOf('alg', values.alg, ALGS, U) : undefined;
  let root: string;
  try {
    root = checkTopicRoot(
      typeof values['topic-root'] === 'string'
        ? values['topic-root']
        : io.env.WATTPROOF_TOPIC_ROOT || TOPIC_ROOT,
    );
  } catch (e) {
    throw new UsageError(`--topic-root: ${(e as Error).message}`, U);
  }
  const toStdout = outputs.length === 0 && values.json !== true;
  if (toStdout && (io.stdoutIsTTY === true || io.stdoutBytes === undefined)) {
    throw new UsageError(
      'standard output is a terminal: give --out FILE, --base64 or --hex (or pipe it, e.g. into mosquitto_pub -s)',
      U,
    );
  }
  const key = await readSigningKey(required(values, 'key-file', U), wanted);
  if (wanted !== undefined && wanted !== key.alg) {
    throw new UsageError(
      `--alg ${wanted} needs a ${KEY_TYPE[wanted]} key; the key file holds a key of type ${KEY_TYPE[key.alg]}`,
      U,
    );
  }
  let signed: Uint8Array;
  try {
    signed = signReading(reading, {
      alg: CoseAlg[key.alg],
      kid: utf8(kid),
      issuer: kid,
      privateKey: key.privateKey,
    });
  } catch (e) {
    if (e instanceof ReadingError)
      throw new UsageError(`the reading is not valid: ${e.message}`, U);
    throw e;
  }
  const topic = meterReadingsTopic(meter, root);
  const now = Math.floor((io.now?.() ?? Date.now()) / 1000);
  if (reading.intervalEnd > now + CLOCK_SKEW_S) {
    io.stderr(
      `wattproof sign-reading: warning: the interval ends ${reading.intervalEnd - now} s from now; a node refuses readings that end more than ${CLOCK_SKEW_S} s ahead of its clock (FUTURE_TIMESTAMP)\n`,
    );
  }
  const out = typeof values.out === 'string' ? values.out : undefined;
  if (out !== undefined) {
    try {
      await writeFile(out, signed);
    } catch (e) {
      throw new CliFailure(
        `cannot write ${out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
  }
  const summary =
    `signed reading of meter ${meter}, sequence ${reading.sequence}, ${iso(reading.intervalStart)} .. ${iso(reading.intervalEnd)}, ` +
    `${obis} register ${reading.registerWh} Wh energy ${reading.energyWh} Wh, quality ${reading.quality}\n` +
    `  ${key.alg} (${KEY_TYPE[key.alg]} key ${toHex(key.publicKey)}), kid and iss ${kid}, ${signed.length} bytes\n`;
  const publish = `mosquitto_pub -h HOST -p 1883 -u ${kid} -P PASSWORD -q 1 -t ${topic}`;
  if (values.json === true) {
    io.stdout(
      jsonText({
        ...reading,
        alg: key.alg,
        kid,
        issuer: kid,
        publicKey: toHex(key.publicKey),
        topic,
        length: signed.length,
        base64: toBase64(signed),
        ...(out === undefined ? {} : { file: out }),
      }),
    );
  } else if (out !== undefined) {
    io.stdout(
      `${summary}  written to ${out}\npublish it with the signer's MQTT login ('devices register' printed it):\n  ${publish} -f ${out}\n`,
    );
  } else if (values.base64 === true || values.hex === true) {
    io.stdout(`${values.hex === true ? toHex(signed) : toBase64(signed)}\n`);
    io.stderr(summary);
  } else {
    io.stdoutBytes!(signed);
    io.stderr(summary);
  }
  return EXIT.ok;
}

/**
 * Runs `wattproof sign-reading …` with `argv` (after `sign-reading`). Resolves to the exit
 * status (node-client.ts `EXIT`): 0 signed (or key made), 1 failed (a key file that cannot be
 * read or written), 2 usage error, 3 internal error.
 */
export async function runSignReading(
  argv: readonly string[],
  io: ClientIo = processIo(),
): Promise<number> {
  return runCommand('sign-reading', io, () => signCommand(argv, io));
}
