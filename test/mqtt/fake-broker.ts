/**
 * A scripted MQTT server for wire-level tests: it records every packet a client sends and lets
 * the test send any packet back, so PUBACK order, reason codes and CONNECT fields can be read
 * off the wire.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { generate, parser as createParser, type Packet } from 'mqtt-packet';

/** One client connection as the fake broker sees it. */
export interface FakeSession {
  readonly socket: Socket;
  /** Packets received, in order. */
  readonly packets: Packet[];
  protocolVersion: 4 | 5;
  send(packet: Packet): void;
  /** Sends several packets in one TCP write. */
  sendAll(packets: Packet[]): void;
  /** Resolves once `predicate` holds for the packets received so far. */
  waitFor(predicate: (packets: Packet[]) => boolean, timeoutMs?: number): Promise<void>;
}

/** How the fake broker answers CONNECT and SUBSCRIBE. */
export interface FakeBrokerScript {
  connack?: (session: FakeSession) => Packet | undefined;
  suback?: (session: FakeSession, messageId: number, topics: number) => Packet | undefined;
}

/** A fake broker on a free port of 127.0.0.1. */
export class FakeBroker {
  readonly sessions: FakeSession[] = [];
  readonly #server: Server;

  private constructor(script: FakeBrokerScript) {
    this.#server = createServer((socket) => this.#accept(socket, script));
  }

  static async start(script: FakeBrokerScript = {}): Promise<FakeBroker> {
    const b = new FakeBroker(script);
    await new Promise<void>((resolve) => b.#server.listen(0, '127.0.0.1', resolve));
    return b;
  }

  get url(): string {
    return `mqtt://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Resolves when the `n`-th session (1-based) has sent CONNECT. */
  async session(n: number, timeoutMs = 5000): Promise<FakeSession> {
    const deadline = Date.now() + timeoutMs;
    while (this.sessions.length < n || this.sessions[n - 1]!.packets.length === 0) {
      if (Date.now() > deadline) throw new Error(`no session ${n} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 5));
    }
    return this.sessions[n - 1]!;
  }

  async close(): Promise<void> {
    for (const s of this.sessions) s.socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(socket: Socket, script: FakeBrokerScript): void {
    const parser = createParser({ protocolVersion: 5 });
    const session: FakeSession = {
      socket,
      packets: [],
      protocolVersion: 5,
      send: (packet) => {
        socket.write(generate(packet, { protocolVersion: session.protocolVersion }));
      },
      sendAll: (packets) => {
        socket.write(
          Buffer.concat(
            packets.map((p) => generate(p, { protocolVersion: session.protocolVersion })),
          ),
        );
      },
      waitFor: async (predicate, timeoutMs = 5000) => {
        const deadline = Date.now() + timeoutMs;
        while (!predicate(session.packets)) {
          if (Date.now() > deadline) throw new Error('fake broker: condition not met in time');
          await new Promise((r) => setTimeout(r, 5));
        }
      },
    };
    this.sessions.push(session);
    socket.on('error', () => {});
    socket.on('data', (chunk) => parser.parse(chunk));
    parser.on('packet', (packet: Packet) => {
      session.packets.push(packet);
      if (packet.cmd === 'connect') {
        session.protocolVersion = packet.protocolVersion === 5 ? 5 : 4;
        // The parser learns the version from CONNECT; later packets parse accordingly.
        const answer = script.connack?.(session) ?? {
          cmd: 'connack',
          sessionPresent: false,
          ...(session.protocolVersion === 5 ? { reasonCode: 0 } : { returnCode: 0 }),
        };
        session.send(answer);
      } else if (packet.cmd === 'subscribe') {
        const answer = script.suback?.(session, packet.messageId!, packet.subscriptions.length) ?? {
          cmd: 'suback',
          messageId: packet.messageId!,
          granted: packet.subscriptions.map(() => 1),
        };
        session.send(answer);
      } else if (packet.cmd === 'pingreq') {
        session.send({ cmd: 'pingresp' });
      }
    });
  }
}
