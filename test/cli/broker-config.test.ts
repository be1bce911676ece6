/**
 * `wattproof broker-config`: the Mosquitto files it writes from a registry listing (run against
 * a real Mosquitto in test/e2e/closed-broker.test.ts), and its usage errors.
 */
import { describe, expect, it } from 'vitest';
import type { SignerJson } from '../../src/api/routes/registry.ts';
import { brokerConfigFiles, runBrokerConfig } from '../../src/cli/broker-config.ts';
import { hashMosquittoPasswordSync } from '../../src/mqtt/index.ts';

const signer = (signerId: string, over: Partial<SignerJson> = {}): SignerJson => ({
  signerId,
  mode: 'device',
  keyType: 'Ed25519',
  publicKey: 'AA==',
  meters: [signerId.replace('dev', 'mtr')],
  ratedCapacityW: 1,
  registrationIndex: 1,
  registeredAt: '2026-01-01T00:00:00.000Z',
  ...over,
});
const hash = hashMosquittoPasswordSync('x');
const cred = (signerId: string) => ({ signerId, passwordHash: hash, issuedAt: '' });

describe('when the files are made from a registry', () => {
  const files = brokerConfigFiles({
    signers: [
      signer('dev-1'),
      signer('hes-1', { mode: 'platform', meters: ['m-1', 'm-2'] }),
      signer('dev-old', { revocationIndex: 7 }),
      signer('dev-new'),
      signer('OCMF:9'),
    ],
    credentials: [cred('dev-1'), cred('hes-1'), cred('OCMF:9')],
    root: 'r/v1',
    nodeUser: 'wattproof-node',
    nodePasswordHash: hash,
    dir: '/etc/mosquitto/wp',
  });

  it('writes a password line per active signer with a credential, and the node user first', () => {
    expect(files.passwd).toBe(`wattproof-node:${hash}\ndev-1:${hash}\nhes-1:${hash}\n`);
    expect(files.users).toEqual(['wattproof-node', 'dev-1', 'hes-1']);
  });

  it('says which signers it left out and why', () => {
    expect(files.skipped.map((s) => s.signerId)).toEqual(['dev-new', 'OCMF:9']);
    expect(files.skipped[0]!.why).toContain('devices credentials --signer-id dev-new');
  });

  it('writes no rule before the first user, and each user exactly its grants', () => {
    const lines = files.acl.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    expect(lines).toEqual([
      'user wattproof-node',
      'topic write r/v1/meters/+/receipts',
      'topic write r/v1/platforms/+/receipts',
      'topic read r/v1/meters/+/readings',
      'topic read r/v1/platforms/+/readings',
      'user dev-1',
      'topic write r/v1/meters/mtr-1/readings',
      'topic read r/v1/meters/mtr-1/receipts',
      'user hes-1',
      'topic write r/v1/platforms/hes-1/readings',
      'topic read r/v1/platforms/hes-1/receipts',
      'topic read r/v1/meters/m-1/receipts',
      'topic read r/v1/meters/m-2/receipts',
    ]);
  });

  it('closes the broker in the conf snippet', () => {
    const conf = files.conf.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    expect(conf).toEqual([
      'allow_anonymous false',
      'password_file /etc/mosquitto/wp/passwd',
      'acl_file /etc/mosquitto/wp/acl',
    ]);
  });
});

describe('when run without what it needs', () => {
  const run = async (argv: string[]) => {
    let out = '';
    let err = '';
    const code = await runBrokerConfig(argv, {
      stdout: (t) => (out += t),
      stderr: (t) => (err += t),
      env: {},
    });
    return { code, out, err };
  };

  it('prints its help without doing anything, and exits 2 on usage errors', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('usage: wattproof broker-config');
    expect((await run([])).code).toBe(2);
    expect((await run(['--out', '/nonexistent/x', '--topic-root', '#'])).code).toBe(2);
    expect((await run(['--out', '/nonexistent/x', '--node-user', 'a:b'])).code).toBe(2);
  });
});
