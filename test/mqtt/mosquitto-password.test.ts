/**
 * Mosquitto type-7 password hashes: the same bytes as `mosquitto_passwd` writes, checked both
 * ways, and refusal of anything that is not such a hash.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  hashMosquittoPassword,
  hashMosquittoPasswordSync,
  mosquittoPasswordLine,
  parseMosquittoHash,
  verifyMosquittoPassword,
} from '../../src/mqtt/index.ts';
import { tempDir } from '../helpers/tmp-dir.ts';

const PASSWD_BIN = ['/usr/bin/mosquitto_passwd', '/usr/sbin/mosquitto_passwd'].find((p) =>
  existsSync(p),
);

let tmp: { path: string; remove: () => Promise<void> };
beforeAll(async () => {
  tmp = await tempDir();
});
afterAll(async () => {
  await tmp.remove();
});

describe.runIf(PASSWD_BIN !== undefined)('when compared with mosquitto_passwd', () => {
  it('computes the hash the tool wrote, from its salt and iteration count', async () => {
    const file = join(tmp.path, 'pw');
    await promisify(execFile)(PASSWD_BIN!, ['-b', '-c', file, 'meter-1', 'wpm_s3cret']);
    const line = (await readFile(file, 'utf8')).trim();
    const [user, encoded] = [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1)];
    expect(user).toBe('meter-1');
    const parsed = parseMosquittoHash(encoded)!;
    expect(parsed.salt).toHaveLength(12);
    expect(parsed.hash).toHaveLength(64);
    const ours = await hashMosquittoPassword('wpm_s3cret', {
      iterations: parsed.iterations,
      salt: parsed.salt,
    });
    expect(ours).toBe(encoded);
    expect(hashMosquittoPasswordSync('wpm_s3cret', parsed)).toBe(encoded);
    expect(await verifyMosquittoPassword('wpm_s3cret', encoded)).toBe(true);
    expect(await verifyMosquittoPassword('wpm_s3creT', encoded)).toBe(false);
  });
});

describe('when hashing and checking', () => {
  it('writes $7$101$<12-byte salt>$<64-byte hash> with a fresh salt each time', async () => {
    const a = await hashMosquittoPassword('x');
    const b = await hashMosquittoPassword('x');
    expect(a).toMatch(/^\$7\$101\$[A-Za-z0-9+/]{16}\$[A-Za-z0-9+/]{86}==$/);
    expect(a).not.toBe(b);
    expect(await verifyMosquittoPassword(new TextEncoder().encode('x'), a)).toBe(true);
  });

  it('reads no other hash type, no lenient base64, no huge iteration count', () => {
    const good = hashMosquittoPasswordSync('x');
    expect(parseMosquittoHash(good)).toBeDefined();
    expect(parseMosquittoHash(good.replace('$7$', '$6$'))).toBeUndefined();
    expect(parseMosquittoHash(good.replace('$101$', '$2000000$'))).toBeUndefined();
    expect(parseMosquittoHash(good.replace(/==$/, ''))).toBeUndefined();
    expect(parseMosquittoHash(good.slice(0, -8) + '==')).toBeUndefined();
    expect(parseMosquittoHash(`${good}\n`)).toBeUndefined();
  });

  it('refuses a password-file user name Mosquitto would split or cut', () => {
    const h = hashMosquittoPasswordSync('x');
    expect(mosquittoPasswordLine('meter-1', h)).toBe(`meter-1:${h}\n`);
    expect(() => mosquittoPasswordLine('OCMF:1', h)).toThrow(RangeError);
    expect(() => mosquittoPasswordLine('a b', h)).toThrow(RangeError);
    expect(() => mosquittoPasswordLine('meter-1', 'plain')).toThrow(RangeError);
  });
});
