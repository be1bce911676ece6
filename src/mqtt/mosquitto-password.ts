/**
 * Broker passwords hashed in Mosquitto's own password-file format, so that one stored hash
 * serves both the embedded broker (checked here with `node:crypto`) and an external Mosquitto
 * (written to its `password_file`, docs/mqtt.md §External broker).
 *
 * The format is the one `mosquitto_passwd` writes for hash type 7 (Mosquitto 2.0,
 * `password_mosq.h`: `pw_sha512_pbkdf2 = 7`, `SALT_LEN 12`, `PW_DEFAULT_ITERATIONS 101`):
 * `$7$<iterations>$<base64 salt>$<base64 PBKDF2-HMAC-SHA512(password, salt, iterations, 64)>`,
 * base64 per RFC 4648 §4 with padding; a password-file line is `<username>:<hash>`.
 */
import { pbkdf2, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const pbkdf2Async = promisify(pbkdf2);

/**
 * Iterations of the hashes this node writes: Mosquitto's own default (101). The secrets the
 * registry issues carry 256 random bits, so it is their length, not the iteration count, that
 * puts them beyond guessing; a low count keeps a connection flood from a known user name cheap.
 */
export const MOSQUITTO_PBKDF2_ITERATIONS = 101;

/** Salt bytes, as `mosquitto_passwd` uses. */
const SALT_BYTES = 12;
/** Output bytes of PBKDF2-HMAC-SHA512 in the format (the SHA-512 length). */
const HASH_BYTES = 64;
/** Largest iteration count accepted when reading a hash (a bound on the work of one check). */
const MAX_ITERATIONS = 1_000_000;

/** A parsed `$7$` hash. */
export interface MosquittoPasswordHash {
  readonly iterations: number;
  readonly salt: Uint8Array;
  readonly hash: Uint8Array;
}

const B64 = '[A-Za-z0-9+/]+={0,2}';
const HASH_RE = new RegExp(`^\\$7\\$([1-9][0-9]{0,6})\\$(${B64})\\$(${B64})$`);

/**
 * Parses a Mosquitto type-7 hash. Returns undefined for anything else (another hash type, bad
 * base64, an iteration count above 10^6, a hash that is not 64 bytes).
 */
export function parseMosquittoHash(text: string): MosquittoPasswordHash | undefined {
  const m = HASH_RE.exec(text);
  if (m === null) return undefined;
  const iterations = Number(m[1]);
  if (iterations > MAX_ITERATIONS) return undefined;
  const salt = Buffer.from(m[2]!, 'base64');
  const hash = Buffer.from(m[3]!, 'base64');
  // Buffer's decoder is lenient: insist that the text was the canonical encoding.
  if (salt.toString('base64') !== m[2] || hash.toString('base64') !== m[3]) return undefined;
  if (salt.length === 0 || hash.length !== HASH_BYTES) return undefined;
  return { iterations, salt: new Uint8Array(salt), hash: new Uint8Array(hash) };
}

/** Options of {@link hashMosquittoPassword}. */
export interface MosquittoHashOptions {
  /** Default {@link MOSQUITTO_PBKDF2_ITERATIONS}. */
  readonly iterations?: number;
  /** Default: 12 fresh random bytes. */
  readonly salt?: Uint8Array;
}

function hashParameters(options: MosquittoHashOptions): { iterations: number; salt: Uint8Array } {
  const iterations = options.iterations ?? MOSQUITTO_PBKDF2_ITERATIONS;
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > MAX_ITERATIONS) {
    throw new RangeError(`iterations must be 1..${MAX_ITERATIONS}, got ${iterations}`);
  }
  const salt = options.salt ?? new Uint8Array(randomBytes(SALT_BYTES));
  if (salt.length === 0) throw new RangeError('the salt must not be empty');
  return { iterations, salt };
}

function encodeHash(iterations: number, salt: Uint8Array, hash: Buffer): string {
  return `$7$${iterations}$${Buffer.from(salt).toString('base64')}$${hash.toString('base64')}`;
}

/**
 * Hashes `password` as `mosquitto_passwd` does for type 7, with a fresh 12-byte salt (or the one
 * given, for tests against the tool's output).
 */
export async function hashMosquittoPassword(
  password: string | Uint8Array,
  options: MosquittoHashOptions = {},
): Promise<string> {
  const { iterations, salt } = hashParameters(options);
  const hash = await pbkdf2Async(password, salt, iterations, HASH_BYTES, 'sha512');
  return encodeHash(iterations, salt, hash);
}

/**
 * {@link hashMosquittoPassword} in the calling thread, for callers that must not yield (about
 * 0.1 ms at the default iteration count).
 */
export function hashMosquittoPasswordSync(
  password: string | Uint8Array,
  options: MosquittoHashOptions = {},
): string {
  const { iterations, salt } = hashParameters(options);
  return encodeHash(iterations, salt, pbkdf2Sync(password, salt, iterations, HASH_BYTES, 'sha512'));
}

/**
 * True when `password` matches the type-7 hash `encoded` (compared in constant time); false
 * for a wrong password and for a hash this module cannot read.
 */
export async function verifyMosquittoPassword(
  password: string | Uint8Array,
  encoded: string,
): Promise<boolean> {
  const parsed = parseMosquittoHash(encoded);
  if (parsed === undefined) return false;
  const hash = await pbkdf2Async(password, parsed.salt, parsed.iterations, HASH_BYTES, 'sha512');
  return timingSafeEqual(hash, parsed.hash);
}

/**
 * One password-file line, `<username>:<hash>\n`. Mosquitto splits a line at its first `:` and
 * reads it up to the newline, so the user name may contain neither (RangeError otherwise).
 */
export function mosquittoPasswordLine(username: string, encoded: string): string {
  if (!isMosquittoUsername(username)) {
    throw new RangeError(`"${username}" cannot be a Mosquitto password-file user name`);
  }
  if (parseMosquittoHash(encoded) === undefined) throw new RangeError('not a $7$ password hash');
  return `${username}:${encoded}\n`;
}

/**
 * True when `username` can stand in Mosquitto's password and ACL files: non-empty, without
 * `:` (the password-file separator), control characters or spaces (the ACL file's `user`
 * lines end at the line, and a trailing space would be part of the name).
 */
export function isMosquittoUsername(username: string): boolean {
  return username.length > 0 && !/[:\s\p{Cc}]/u.test(username);
}
