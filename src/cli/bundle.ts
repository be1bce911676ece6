/**
 * `wattproof bundle --meter M [--meter M2 …] --from T --to T --out FILE [--gzip]`: asks the node
 * for an evidence bundle (`POST /v1/bundles`, issuer token; docs/bundle.md) and streams it to
 * FILE as it arrives, never holding it in memory. The request accepts gzip (RFC 9110 §12.5.3);
 * whether or not the node answers gzipped (`Content-Encoding: gzip`, §8.4.1.3), FILE holds the
 * plain JSON, or with `--gzip` the gzipped JSON (RFC 1952), which `wattproof verify` reads as
 * well. The file appears only complete: it is written under a temporary name and renamed.
 * Then it prints how to verify it offline, with the log's verifier key from `GET /v1/log`.
 */
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { basename, dirname, join } from 'node:path';
import { Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { CliFailure } from './devices.ts';
import {
  EXIT,
  EXIT_USAGE,
  NODE_OPTIONS,
  Progress,
  UsageError,
  answerFailure,
  byteSize,
  iso,
  jsonText,
  logInfo,
  meterId,
  nodeContext,
  nodeOptionsUsage,
  parseOptions,
  periodArguments,
  processIo,
  required,
  runCommand,
  unreachable,
  type ClientIo,
  type NodeContext,
} from './node-client.ts';

/** Most meters in one request (`MAX_BUNDLE_METERS` of the route). */
const MAX_METERS = 100;
/** A connection silent for this long is given up (the node closes its own after 60 s). */
const IDLE_MS = 60_000;

/** Usage text of `wattproof bundle`. */
export const BUNDLE_USAGE = `usage: wattproof bundle --meter M [--meter M2 ...] --from TIME --to TIME --out FILE [--gzip] [options]

Requests the evidence bundle of the meters' readings with interval start in [from, to) and
saves it to FILE as plain JSON (or gzipped with --gzip), then prints how to verify it.
TIME is Unix seconds or ISO 8601 (2026-11-30, 2026-11-30T12:00Z, 2026-11-30T12:00+01:00).

  --meter M            a meter id; repeat for several (at most ${MAX_METERS})
  --from TIME          first interval start (inclusive)
  --to TIME            end of the period (exclusive)
  --out FILE           where to save the bundle (replaced only once it is complete)
  --gzip               save it gzipped (RFC 1952); 'wattproof verify' reads either
${nodeOptionsUsage('issuer')}
${EXIT_USAGE}`;

const OPTIONS = {
  ...NODE_OPTIONS,
  meter: { type: 'string', multiple: true },
  from: { type: 'string' },
  to: { type: 'string' },
  out: { type: 'string' },
  gzip: { type: 'boolean' },
} as const;

/** Sends the request; resolves to the answer's head, its body still to read. */
function post(ctx: NodeContext, path: string, body: unknown): Promise<IncomingMessage> {
  const url = new URL(`${ctx.base}${path}`);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const bytes = Buffer.from(JSON.stringify(body), 'utf8');
  return new Promise((resolve, reject) => {
    const req = send(url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${ctx.token}`,
        'content-type': 'application/json',
        'content-length': String(bytes.length),
        accept: 'application/json',
        'accept-encoding': 'gzip',
      },
    });
    let idle = false;
    req.setTimeout(IDLE_MS, () => {
      idle = true;
      req.destroy(new Error(`no data from the node for ${IDLE_MS / 1000} s`));
    });
    req.on('response', resolve);
    req.on('error', (e) =>
      reject(idle ? new CliFailure(`${ctx.base}: ${e.message}`) : unreachable(ctx.base, e)),
    );
    req.end(bytes);
  });
}

/** The text of an error answer, gunzipped when it came gzipped. */
async function errorText(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  const source = res.headers['content-encoding'] === 'gzip' ? res.pipe(createGunzip()) : res;
  try {
    for await (const c of source) chunks.push(c as Buffer);
  } catch {
    // A broken error body: what arrived is all there is to show.
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Counts the bytes that pass, for the progress line and the final size. */
function counter(onBytes: (total: number) => void): Transform & { total: () => number } {
  let total = 0;
  const t = new Transform({
    transform(chunk: Buffer, _enc, done) {
      total += chunk.length;
      onBytes(total);
      done(null, chunk);
    },
  });
  return Object.assign(t, { total: () => total });
}

async function bundle(argv: readonly string[], io: ClientIo): Promise<number> {
  const { values } = parseOptions(argv, OPTIONS, BUNDLE_USAGE);
  if (values.help === true) {
    io.stdout(BUNDLE_USAGE);
    return EXIT.ok;
  }
  const meters = ((values.meter as string[] | undefined) ?? []).map((m) =>
    meterId('meter', m, BUNDLE_USAGE),
  );
  if (meters.length === 0) throw new UsageError('--meter is required', BUNDLE_USAGE);
  if (meters.length > MAX_METERS) {
    throw new UsageError(`at most ${MAX_METERS} --meter in one request`, BUNDLE_USAGE);
  }
  const twice = meters.find((m, i) => meters.indexOf(m) !== i);
  if (twice !== undefined) throw new UsageError(`--meter ${twice} is given twice`, BUNDLE_USAGE);
  const { from, to } = periodArguments(values, BUNDLE_USAGE);
  const out = required(values, 'out', BUNDLE_USAGE);
  const gzip = values.gzip === true;
  const ctx = await nodeContext(values, io, 'issuer', BUNDLE_USAGE);

  const res = await post(ctx, '/v1/bundles', { meters, from, to });
  if (res.statusCode !== 200) {
    const retry = res.headers['retry-after'];
    throw answerFailure(
      ctx,
      res.statusCode ?? 0,
      await errorText(res),
      typeof retry === 'string' ? retry : null,
    );
  }
  const encoding = (res.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding !== 'gzip' && encoding !== 'identity') {
    res.destroy();
    throw new CliFailure(`the node sent the bundle in an unknown content coding "${encoding}"`);
  }
  const progress = new Progress(io);
  const received = counter((n) => progress.update(`bundle: ${byteSize(n)} received`));
  const saved = counter(() => undefined);
  const steps: (Transform | Writable)[] = [received];
  if (encoding === 'gzip' && !gzip) steps.push(createGunzip());
  if (encoding === 'identity' && gzip) steps.push(createGzip());
  steps.push(saved);
  const part = join(dirname(out), `.${basename(out)}.part-${process.pid}`);
  try {
    await pipeline(res, ...(steps as [Transform]), createWriteStream(part, { flags: 'w' }));
    const length = res.headers['content-length'];
    if (encoding === 'identity' && length !== undefined && Number(length) !== received.total()) {
      throw new Error(`the answer ended after ${received.total()} of ${length} bytes`);
    }
    await rename(part, out);
  } catch (e) {
    progress.clear();
    await rm(part, { force: true });
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === undefined ? (e as Error).message : `${code}: ${(e as Error).message}`;
    throw new CliFailure(`the bundle was not saved to ${out}: ${why}`);
  }
  const what = `${gzip ? 'gzipped ' : ''}bundle of ${meters.join(', ')} over [${iso(from)}, ${iso(to)})`;
  progress.done(
    `bundle: ${byteSize(received.total())} received${encoding === 'gzip' ? ' (gzip)' : ''}`,
  );

  let log: { origin: string; vkey: string } | undefined;
  let logError: string | undefined;
  try {
    log = await logInfo(ctx.base);
  } catch (e) {
    logError = (e as Error).message;
  }
  const verify = ['wattproof', 'verify', out, '--log-key', log?.vkey ?? '<the log key>'];
  if (values.json === true) {
    io.stdout(
      jsonText({
        file: out,
        bytes: saved.total(),
        gzip,
        meters,
        from,
        to,
        ...(log === undefined ? {} : { origin: log.origin, logKey: log.vkey }),
        verify,
      }),
    );
    if (logError !== undefined) io.stderr(`wattproof bundle: no log key: ${logError}\n`);
    return EXIT.ok;
  }
  io.stdout(
    `saved the ${what} to ${out} (${byteSize(saved.total())})\n` +
      (log === undefined
        ? `the log key could not be fetched (${logError}); verify it with the key you trust:\n`
        : `verify it offline (check the log key against the one you were given for ${log.origin}):\n`) +
      `  ${verify.map(shellWord).join(' ')}\n`,
  );
  return EXIT.ok;
}

/** `word` quoted for a POSIX shell when it needs to be. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:=+@%,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * Runs `wattproof bundle …` with `argv` (after `bundle`). Resolves to the exit status
 * (node-client.ts `EXIT`): 0 saved, 1 refused or failed (nothing is left at `--out`), 2 usage
 * error, 3 internal error.
 */
export async function runBundle(
  argv: readonly string[],
  io: ClientIo = processIo(),
): Promise<number> {
  return runCommand('bundle', io, () => bundle(argv, io));
}
