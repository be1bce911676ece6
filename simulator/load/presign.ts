/**
 * Pre-signs readings for the load generator: M meters with their own Ed25519 device keys,
 * N readings in all (15-minute intervals ending in the past, increasing registers), written to
 * a file of `u16 topic length ‖ topic ‖ u32 payload length ‖ payload` records in publishing
 * order (meters interleaved), plus the meters' public keys for registration.
 */
import { createPublicKey, randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';
import { utf8 } from '../../src/core/bytes.ts';
import type { Reading } from '../../src/core/reading/reading.ts';
import { ed25519KeyObject, fastReadingSigner } from './fast-signer.ts';

/** A meter of the load set. */
export interface LoadMeter {
  readonly meterId: string;
  /** Raw 32-byte Ed25519 public key, hex. */
  readonly publicKeyHex: string;
  /** Rated capacity to register, W. */
  readonly capacityW: number;
}

/** What to pre-sign. */
export interface PresignOptions {
  readonly meters: number;
  readonly readings: number;
  readonly file: string;
  /** Unix seconds; the first interval of every meter starts here (default: far enough back that all intervals are past). */
  readonly start?: number;
  /** Interval length in seconds (default 900). */
  readonly intervalSeconds?: number;
  /** Meter id prefix (default `load`); a run id keeps repeated runs apart. */
  readonly prefix?: string;
  /** First levels of the topics (default `wattproof/v1`). */
  readonly topicRoot?: string;
  readonly onProgress?: (done: number) => void;
}

/** The readings topic of a meter. */
export function meterTopic(meterId: string, root = 'wattproof/v1'): string {
  return `${root}/meters/${meterId}/readings`;
}

/** Pre-signs the readings into `options.file` and returns the meters. */
export async function presign(options: PresignOptions): Promise<LoadMeter[]> {
  const interval = options.intervalSeconds ?? 900;
  const perMeter = Math.ceil(options.readings / options.meters);
  const start = options.start ?? Math.floor(Date.now() / 1000) - (perMeter + 2) * interval;
  const prefix = options.prefix ?? 'load';
  const capacityW = 10_000;
  const meters = Array.from({ length: options.meters }, (_, m) => {
    const meterId = `${prefix}-${String(m).padStart(5, '0')}`;
    const seed = new Uint8Array(randomBytes(32));
    const jwk = createPublicKey(ed25519KeyObject(seed)).export({ format: 'jwk' });
    const publicKeyHex = Buffer.from(jwk.x!, 'base64url').toString('hex');
    const sign = fastReadingSigner(seed, utf8(meterId), meterId);
    return {
      meterId,
      publicKeyHex,
      capacityW,
      sign,
      topic: utf8(meterTopic(meterId, options.topicRoot)),
      register: 0,
    };
  });
  const fh = await open(options.file, 'w');
  try {
    const chunks: Uint8Array[] = [];
    let pending = 0;
    for (let i = 0; i < options.readings; i++) {
      const meter = meters[i % meters.length]!;
      const seq = Math.floor(i / meters.length) + 1;
      const energyWh = 100 + ((i * 37) % 900);
      meter.register += energyWh;
      const reading: Reading = {
        meterId: meter.meterId,
        sequence: seq,
        intervalStart: start + (seq - 1) * interval,
        intervalEnd: start + seq * interval,
        obis: '1-0:1.8.0',
        registerWh: meter.register,
        energyWh,
        quality: 1,
      };
      const payload = meter.sign(reading);
      const head = new Uint8Array(2 + meter.topic.length + 4);
      const view = new DataView(head.buffer);
      view.setUint16(0, meter.topic.length);
      head.set(meter.topic, 2);
      view.setUint32(2 + meter.topic.length, payload.length);
      chunks.push(head, payload);
      pending += head.length + payload.length;
      if (pending > 1 << 20) {
        await fh.write(Buffer.concat(chunks));
        chunks.length = 0;
        pending = 0;
        options.onProgress?.(i + 1);
      }
    }
    if (chunks.length > 0) await fh.write(Buffer.concat(chunks));
  } finally {
    await fh.close();
  }
  return meters.map(({ meterId, publicKeyHex, capacityW: c }) => ({
    meterId,
    publicKeyHex,
    capacityW: c,
  }));
}

/** Reads back a pre-signed file as (topic, payload) pairs. */
export function* readPresigned(
  bytes: Uint8Array,
): Generator<{ topic: string; payload: Uint8Array }> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const dec = new TextDecoder();
  let o = 0;
  while (o < bytes.length) {
    const tl = view.getUint16(o);
    const topic = dec.decode(bytes.subarray(o + 2, o + 2 + tl));
    const pl = view.getUint32(o + 2 + tl);
    const payload = bytes.subarray(o + 6 + tl, o + 6 + tl + pl);
    o += 6 + tl + pl;
    yield { topic, payload };
  }
}
