/**
 * Every command answers `--help` with its usage, exit status 0 and no side effects: run in an
 * empty folder, nothing is created there (no data folder, no keys, no token), nothing listens.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/tmp-dir.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const WATTPROOF = `${ROOT}src/cli/main.ts`;
const BIN = `${ROOT}bin/wattproof.js`;
const SIM = `${ROOT}simulator/main.ts`;
// The loader by path, so that the empty folder needs no node_modules of its own.
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

const COMMANDS: readonly [string, string, readonly string[]][] = [
  ['wattproof', WATTPROOF, ['--help']],
  ['wattproof start', WATTPROOF, ['start', '--help']],
  ['wattproof devices', WATTPROOF, ['devices', '--help']],
  ['wattproof verify', WATTPROOF, ['verify', '--help']],
  ['wattproof certify', WATTPROOF, ['certify', '--help']],
  ['wattproof witness', WATTPROOF, ['witness', '--help']],
  ['wattproof evm', WATTPROOF, ['evm', '--help']],
  ['wattproof broker-config', WATTPROOF, ['broker-config', '--help']],
  ['wattproof tokens', WATTPROOF, ['tokens', '--help']],
  ['wattproof tokens create', WATTPROOF, ['tokens', 'create', '--help']],
  ['wattproof readings', WATTPROOF, ['readings', '--help']],
  ['wattproof bundle', WATTPROOF, ['bundle', '--help']],
  ['wattproof quarantine', WATTPROOF, ['quarantine', '--help']],
  ['wattproof quarantine counts', WATTPROOF, ['quarantine', 'counts', '--help']],
  ['wattproof erase', WATTPROOF, ['erase', '--help']],
  ['wattproof sign-reading', WATTPROOF, ['sign-reading', '--help']],
  ['wattproof sign-reading --keygen', WATTPROOF, ['sign-reading', '--keygen', '--help']],
  ['bin/wattproof.js (npx wattproof)', BIN, ['--help']],
  ['wattproof-sim', SIM, ['--help']],
  ['wattproof-sim run', SIM, ['run', '--help']],
  ['wattproof-sim load', SIM, ['load', '--help']],
  ['wattproof-sim demo (npm run demo)', SIM, ['demo', '--help']],
];

describe('when a user asks a command for help', () => {
  it.each(COMMANDS)(
    '%s --help prints its usage and changes nothing',
    async (_name, main, args) => {
      const dir = await tempDir('wattproof-help-');
      try {
        const r = spawnSync(process.execPath, ['--import', TSX, main, ...args], {
          cwd: dir.path,
          encoding: 'utf8',
          timeout: 30_000,
          env: { ...process.env, NODE_OPTIONS: '' },
        });
        expect(r.status).toBe(0);
        expect(r.stdout).toMatch(/usage:/);
        expect(readdirSync(dir.path)).toEqual([]);
      } finally {
        await dir.remove();
      }
    },
    40_000,
  );
});

describe('when the repository is installed with npm ci', () => {
  it('puts wattproof on the PATH of npx (package.json "bin")', () => {
    const r = spawnSync('npx', ['--no-install', 'wattproof', '--help'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^usage: wattproof <command>/);
    expect(r.stdout).toContain('sign-reading');
  }, 70_000);
});
