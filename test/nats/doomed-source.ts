/**
 * An ingest process for test/nats/cluster-faults.test.ts that the test SIGKILLs: a
 * JetStreamSource whose handler commits (resolves) most messages and hangs on every
 * `hangEvery`-th, reporting each on stdout (`got <payload> ack|hang`). Run with
 * `node --import tsx test/nats/doomed-source.ts '<json options>'`.
 */
import { readingSubscriptions } from '../../src/ingest/index.ts';
import { silentLogger } from '../../src/logger.ts';
import { JetStreamSource } from '../../src/nats/index.ts';

interface Args {
  servers: string[];
  stream: string;
  durable: string;
  root: string;
  ackWaitMs: number;
  hangEvery: number;
}

const a = JSON.parse(process.argv[2]!) as Args;
const src = new JetStreamSource({
  servers: a.servers,
  stream: a.stream,
  durable: a.durable,
  topicFilters: readingSubscriptions(undefined, a.root),
  replicas: 3,
  ackWaitMs: a.ackWaitMs,
  pullExpiresMs: 1000,
  logger: silentLogger,
});
await src.start(async (m) => {
  const text = Buffer.from(m.payload).toString();
  const n = Number(text.split('-').pop());
  if (n % a.hangEvery === 0) {
    process.stdout.write(`got ${text} hang\n`);
    return new Promise(() => {}); // the commit never finishes: the process dies first
  }
  await new Promise((r) => setTimeout(r, 1));
  process.stdout.write(`got ${text} ack\n`);
  return { reasonCode: 0 };
});
process.stdout.write('started\n');
