/**
 * `wattproof broker-config --out DIR`: writes the Mosquitto configuration equivalent to the
 * embedded broker's access rules (docs/mqtt.md §External broker), from a running node's
 * registry: a password file (each active signer's broker credential hash, and the node's own
 * user), an ACL file (`src/mqtt/broker-acl.ts`, the rules the embedded broker checks) and a
 * mosquitto.conf snippet that closes the broker (`allow_anonymous false`, `password_file`,
 * `acl_file`). Run it again after registering, revoking or re-issuing, then have Mosquitto
 * reload (SIGHUP).
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { BrokerCredentialHashJson, SignerJson } from '../api/index.ts';
import { checkTopicRoot, TOPIC_ROOT } from '../ingest/index.ts';
import { mosquittoAclFile, nodeGrants, signerGrants, type AclUser } from '../mqtt/index.ts';
import {
  hashMosquittoPassword,
  isMosquittoUsername,
  mosquittoPasswordLine,
} from '../mqtt/index.ts';
import { call, CliFailure, nodeUrl, resolveToken, type CliIo } from './devices.ts';

/** The node's own user name on an external broker, unless `--node-user` says otherwise. */
export const DEFAULT_NODE_USER = 'wattproof-node';

/** Usage text of `wattproof broker-config`. */
export const BROKER_CONFIG_USAGE = `usage: wattproof broker-config --out DIR [options]

Writes a closed Mosquitto configuration for the node's signers, from its registry:
  DIR/passwd          password file: every active signer (user = signer id) and the node's user
  DIR/acl             ACL file: a meter writes its readings, reads its receipts; a platform
                      likewise for its own topics and its meters' receipts; the node's user
                      reads all readings and writes receipts; anonymous clients nothing
  DIR/mosquitto.conf  allow_anonymous false, password_file, acl_file (include it, or copy)
  DIR/node.password   the node's MQTT password (kept if the file exists; mode 0600)
Run it again after devices register/revoke/credentials, then reload Mosquitto (SIGHUP).

options (environment variable in brackets):
  --out DIR              where to write the files (created if missing)
  --topic-root ROOT      the node's topic root [WATTPROOF_TOPIC_ROOT] (default ${TOPIC_ROOT})
  --node-user NAME       the node's MQTT user name (default ${DEFAULT_NODE_USER})
  --node URL             the node's API [WATTPROOF_NODE] (default http://127.0.0.1:8080)
  --token TOKEN          operator token [WATTPROOF_TOKEN]
  --token-file PATH      file holding the token (default ./data/operator.token)
  -h, --help             this text
`;

const OPTIONS = {
  out: { type: 'string' },
  'topic-root': { type: 'string' },
  'node-user': { type: 'string' },
  node: { type: 'string' },
  token: { type: 'string' },
  'token-file': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const usage = (message: string): never => {
  throw new CliFailure(`${message}\n\n${BROKER_CONFIG_USAGE}`, 2);
};

/** The files' contents, before they are written (for tests and for {@link runBrokerConfig}). */
export interface BrokerConfigFiles {
  readonly passwd: string;
  readonly acl: string;
  readonly conf: string;
  /** Signers left out, with why (no credential, a user name Mosquitto cannot take). */
  readonly skipped: readonly { readonly signerId: string; readonly why: string }[];
  /** Users written (the node's first). */
  readonly users: readonly string[];
}

/**
 * The Mosquitto files for `signers` with `credentials`, under `root`, with the node's user
 * `nodeUser` and its password hash. `dir` is where the password and ACL files will be (the
 * conf names them by absolute path).
 */
export function brokerConfigFiles(options: {
  readonly signers: readonly SignerJson[];
  readonly credentials: readonly BrokerCredentialHashJson[];
  readonly root: string;
  readonly nodeUser: string;
  readonly nodePasswordHash: string;
  readonly dir: string;
}): BrokerConfigFiles {
  const { root, nodeUser } = options;
  const hashes = new Map(options.credentials.map((c) => [c.signerId, c.passwordHash]));
  const skipped: { signerId: string; why: string }[] = [];
  const acl: AclUser[] = [{ username: nodeUser, grants: nodeGrants(root) }];
  let passwd = mosquittoPasswordLine(nodeUser, options.nodePasswordHash);
  for (const s of options.signers) {
    if (s.revocationIndex !== undefined) continue;
    const hash = hashes.get(s.signerId);
    if (hash === undefined) {
      skipped.push({
        signerId: s.signerId,
        why: `no broker credential (wattproof devices credentials --signer-id ${s.signerId})`,
      });
      continue;
    }
    if (!isMosquittoUsername(s.signerId)) {
      skipped.push({ signerId: s.signerId, why: 'Mosquitto user names cannot contain ":"' });
      continue;
    }
    passwd += mosquittoPasswordLine(s.signerId, hash);
    acl.push({ username: s.signerId, grants: signerGrants(s, root) });
  }
  const dir = resolve(options.dir);
  return {
    passwd,
    acl: mosquittoAclFile(acl, [
      'wattproof broker ACL (wattproof broker-config); docs/mqtt.md §External broker.',
      'No rule before the first "user" line: an anonymous client may do nothing.',
    ]),
    conf:
      [
        '# wattproof: a closed broker (wattproof broker-config); docs/mqtt.md §External broker.',
        '# With per_listener_settings true, put these lines under each listener instead.',
        'allow_anonymous false',
        `password_file ${join(dir, 'passwd')}`,
        `acl_file ${join(dir, 'acl')}`,
        '# Meters on the network: listen with TLS, e.g.',
        '#   listener 8883 0.0.0.0',
        '#   certfile /etc/mosquitto/certs/broker.crt',
        '#   keyfile /etc/mosquitto/certs/broker.key',
      ].join('\n') + '\n',
    skipped,
    users: acl.map((u) => u.username),
  };
}

/** The node user's password: the file's, or a new one written to it (mode 0600). */
async function nodePassword(file: string): Promise<{ password: string; created: boolean }> {
  try {
    const password = (await readFile(file, 'utf8')).trim();
    if (password === '') throw new CliFailure(`${file} is empty: delete it to have a new one made`);
    return { password, created: false };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const password = `wpm_${randomBytes(32).toString('base64url')}`;
  await writeFile(file, `${password}\n`, { mode: 0o600, flag: 'wx' });
  return { password, created: true };
}

async function run(argv: string[], io: CliIo): Promise<number> {
  let values: Record<string, unknown>;
  try {
    values = parseArgs({
      args: argv,
      options: OPTIONS,
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (e) {
    return usage((e as Error).message);
  }
  if (values.help === true) {
    io.stdout(BROKER_CONFIG_USAGE);
    return 0;
  }
  const out = typeof values.out === 'string' && values.out !== '' ? values.out : undefined;
  if (out === undefined) return usage('--out is required');
  const rootText =
    (values['topic-root'] as string | undefined) ?? io.env.WATTPROOF_TOPIC_ROOT ?? TOPIC_ROOT;
  let root: string;
  try {
    root = checkTopicRoot(rootText);
  } catch (e) {
    return usage(`--topic-root: ${(e as Error).message}`);
  }
  const nodeUser = (values['node-user'] as string | undefined) ?? DEFAULT_NODE_USER;
  if (!isMosquittoUsername(nodeUser)) {
    return usage(`--node-user: "${nodeUser}" cannot be a Mosquitto user name`);
  }
  const base = nodeUrl(values, io.env);
  const token = await resolveToken(values, io.env);
  const { signers } = (await call(base, token, 'GET', '/v1/registry/signers')) as {
    signers: SignerJson[];
  };
  const { credentials } = (await call(base, token, 'GET', '/v1/registry/broker-credentials')) as {
    credentials: BrokerCredentialHashJson[];
  };
  if (signers.some((s) => s.signerId === nodeUser)) {
    throw new CliFailure(
      `a signer is named "${nodeUser}", the node's user name: choose another with --node-user`,
      2,
    );
  }
  await mkdir(out, { recursive: true, mode: 0o700 });
  const pw = await nodePassword(join(out, 'node.password'));
  const files = brokerConfigFiles({
    signers,
    credentials,
    root,
    nodeUser,
    nodePasswordHash: await hashMosquittoPassword(pw.password),
    dir: out,
  });
  const write = async (name: string, text: string, mode: number): Promise<void> => {
    const path = join(out, name);
    await writeFile(path, text, { mode });
    await chmod(path, mode);
  };
  await write('passwd', files.passwd, 0o600);
  await write('acl', files.acl, 0o644);
  await write('mosquitto.conf', files.conf, 0o644);
  for (const s of files.skipped)
    io.stderr(`wattproof broker-config: left out ${s.signerId}: ${s.why}\n`);
  io.stdout(
    `wrote ${join(out, 'passwd')}, ${join(out, 'acl')} and ${join(out, 'mosquitto.conf')}\n` +
      `  users       ${files.users.length - 1} signer(s) and the node's user ${nodeUser}` +
      (files.skipped.length > 0 ? `; ${files.skipped.length} left out (see above)` : '') +
      '\n' +
      `  node        ${join(out, 'node.password')}${pw.created ? ' (new)' : ' (kept)'}: start the node with\n` +
      `              --mqtt-url mqtt://<broker> --mqtt-username ${nodeUser} and\n` +
      `              WATTPROOF_MQTT_PASSWORD=$(cat ${join(out, 'node.password')})\n` +
      "  then        include mosquitto.conf in the broker's configuration and reload it (SIGHUP)\n",
  );
  return 0;
}

/**
 * Runs `wattproof broker-config …` with `argv` (after `broker-config`). Returns the exit code:
 * 0 written, 1 failed (node unreachable, token refused, …), 2 usage error.
 */
export async function runBrokerConfig(
  argv: string[],
  io: CliIo = {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    env: process.env,
  },
): Promise<number> {
  try {
    return await run(argv, io);
  } catch (e) {
    if (e instanceof CliFailure) {
      io.stderr(`wattproof broker-config: ${e.message}\n`);
      return e.exitCode;
    }
    throw e;
  }
}
