/**
 * Drives the role commands (`tokens`, `readings`, `bundle`, `quarantine`, `erase`,
 * `sign-reading`) with a fake I/O, and runs the real node they talk to: HTTP on a free port,
 * the embedded broker, readings signed and published as meters would.
 */
import type { ClientIo } from '../../src/cli/node-client.ts';
import {
  meterTopic,
  Publisher,
  startTestNode,
  TestSigner,
  waitFor,
  type TestNode,
} from '../e2e/node-harness.ts';

/** What a command run printed and returned. */
export interface Run {
  readonly code: number;
  readonly out: string;
  readonly err: string;
  /** Bytes written to standard output. */
  readonly bytes: Uint8Array;
}

/** A command's entry point (`runTokens`, …). */
export type Command = (argv: readonly string[], io: ClientIo) => Promise<number>;

/** Runs `command` with `args` and an I/O that records; `over` sets env, terminals, answers. */
export async function run(
  command: Command,
  args: readonly string[],
  over: Partial<ClientIo> = {},
): Promise<Run> {
  let out = '';
  let err = '';
  const chunks: Uint8Array[] = [];
  const code = await command(args, {
    stdout: (t) => (out += t),
    stderr: (t) => (err += t),
    stdoutBytes: (b) => chunks.push(b),
    env: {},
    ...over,
  });
  return { code, out, err, bytes: new Uint8Array(Buffer.concat(chunks)) };
}

/** 15-minute intervals from a whole hour a day ago. */
export const T0 = Math.floor(Date.now() / 1000 / 3600) * 3600 - 86_400;

/** A node with one device meter and its readings, and tokens of both roles. */
export interface ReadingsNode {
  readonly t: TestNode;
  readonly device: TestSigner;
  readonly meter: string;
  readonly issuer: string;
  readonly operator: string;
  /** `--node URL`. */
  readonly at: readonly string[];
  close(): Promise<void>;
}

/** Starts a node and publishes `count` readings of one meter (sequence 1…count from {@link T0}). */
export async function readingsNode(name: string, count: number): Promise<ReadingsNode> {
  const t = await startTestNode('embedded');
  const meter = `${name}-meter`;
  const device = new TestSigner(`${name}-dev`, 'device', [meter]);
  await device.register(t.node);
  const issuer = (await t.node.tokens.createToken('issuer', 'cli issuer')).token;
  const operator = (await t.node.tokens.createToken('operator', 'cli operator')).token;
  const pub = await Publisher.connect(t.brokerUrl, t.topicRoot);
  try {
    for (let seq = 1; seq <= count; seq++) {
      await pub.publish(
        meterTopic(t.topicRoot, meter),
        device.sign(device.reading(meter, seq, T0)),
      );
    }
    await waitFor(
      () => t.node.ingest.stats.accepted >= count && t.node.log.publishedSize() === t.node.log.size,
      `${count} readings in a published checkpoint`,
    );
  } finally {
    await pub.close();
  }
  return {
    t,
    device,
    meter,
    issuer,
    operator,
    at: ['--node', t.node.url],
    close: () => t.close(),
  };
}
