/**
 * The MQTT topic layout of the ingest node (docs/formats.md, "MQTT topics"). Ids in topics
 * follow the core's meter-id rule (`isValidMeterId`: 1–64 of `A–Z a–z 0–9 . _ : -`), so they
 * never contain the MQTT separators and wildcards `/`, `+`, `#` (MQTT 5.0 §4.7).
 */
import { isValidMeterId } from '../core/reading/index.ts';

/**
 * The default first levels of every topic: the application and the layout version. A node may
 * use another root (`--topic-root`), e.g. to run several ledgers on one broker.
 */
export const TOPIC_ROOT = 'wattproof/v1';

/** Checks a topic root: one or more non-empty levels, no wildcards, not a `$` system topic. */
export function checkTopicRoot(root: string): string {
  if (
    typeof root !== 'string' ||
    root.length === 0 ||
    root.length > 100 ||
    root.startsWith('$') ||
    root
      .split('/')
      .some((l) => l.length === 0 || /[+#]/.test(l) || l.includes(String.fromCharCode(0)))
  ) {
    throw new RangeError(
      `topic root must be non-empty levels without "+", "#" or a leading "$": ${String(root)}`,
    );
  }
  return root;
}

/** Where a message arrived, as parsed from its topic. */
export type ParsedTopic =
  | {
      /** A meter publishes its own device-signed reading: one reading per message. */
      readonly kind: 'meterReadings';
      readonly meterId: string;
    }
  | {
      /** A collection platform publishes one reading or a CBOR array of readings. */
      readonly kind: 'platformReadings';
      readonly platformId: string;
    }
  | {
      /** The node publishes receipts and refusal notices for a meter here. */
      readonly kind: 'meterReceipts';
      readonly meterId: string;
    }
  | {
      /** The node publishes refusal notices for a platform's messages here. */
      readonly kind: 'platformReceipts';
      readonly platformId: string;
    };

/** True for the two layouts readings arrive on (not the node's own receipts topics). */
export function isReadingsTopic(
  t: ParsedTopic | undefined,
): t is Extract<ParsedTopic, { kind: 'meterReadings' | 'platformReadings' }> {
  return t?.kind === 'meterReadings' || t?.kind === 'platformReadings';
}

function checkId(what: string, id: string): void {
  if (!isValidMeterId(id)) {
    throw new RangeError(`${what} must be 1-64 characters of [A-Za-z0-9._:-]: ${String(id)}`);
  }
}

/** `wattproof/v1/meters/<meterId>/readings`. Throws `RangeError` for an invalid id. */
export function meterReadingsTopic(meterId: string, root = TOPIC_ROOT): string {
  checkId('meter id', meterId);
  return `${root}/meters/${meterId}/readings`;
}

/** `wattproof/v1/platforms/<platformId>/readings`. Throws `RangeError` for an invalid id. */
export function platformReadingsTopic(platformId: string, root = TOPIC_ROOT): string {
  checkId('platform id', platformId);
  return `${root}/platforms/${platformId}/readings`;
}

/** `wattproof/v1/meters/<meterId>/receipts`. Throws `RangeError` for an invalid id. */
export function meterReceiptsTopic(meterId: string, root = TOPIC_ROOT): string {
  checkId('meter id', meterId);
  return `${root}/meters/${meterId}/receipts`;
}

/**
 * `wattproof/v1/platforms/<platformId>/receipts`: refusal notices for messages the platform
 * published whose reading names no meter (docs/formats.md §Refusal notices). Throws
 * `RangeError` for an invalid id.
 */
export function platformReceiptsTopic(platformId: string, root = TOPIC_ROOT): string {
  checkId('platform id', platformId);
  return `${root}/platforms/${platformId}/receipts`;
}

/** Subscription filter for every meter's readings (MQTT 5.0 §4.7.1.2 single-level wildcard). */
export const METER_READINGS_FILTER = `${TOPIC_ROOT}/meters/+/readings`;
/** Subscription filter for every platform's readings. */
export const PLATFORM_READINGS_FILTER = `${TOPIC_ROOT}/platforms/+/readings`;

/**
 * The filters an ingest node subscribes to. With `shareGroup`, MQTT 5 shared subscriptions
 * `$share/<group>/<filter>` (MQTT 5.0 §4.8.2), so several nodes split the load.
 */
export function readingSubscriptions(shareGroup?: string, root = TOPIC_ROOT): string[] {
  const filters = [`${root}/meters/+/readings`, `${root}/platforms/+/readings`];
  if (shareGroup === undefined) return filters;
  if (!/^[^/+#]+$/.test(shareGroup)) {
    throw new RangeError('share group must be non-empty and free of "/", "+" and "#"');
  }
  return filters.map((f) => `$share/${shareGroup}/${f}`);
}

/**
 * Parses a topic name (as delivered: never a filter, never `$share/…`). Returns undefined for
 * anything that is not exactly one of the four layouts with a valid id, so no topic outside
 * the layout is ever treated as a readings topic.
 */
export function parseTopic(topic: string, root = TOPIC_ROOT): ParsedTopic | undefined {
  if (typeof topic !== 'string' || topic.length > 300 || !topic.startsWith(`${root}/`))
    return undefined;
  const levels = topic.slice(root.length + 1).split('/');
  if (levels.length !== 3) return undefined;
  const [family, id = '', leaf] = levels;
  if (!isValidMeterId(id)) return undefined;
  if (family === 'meters' && leaf === 'readings') return { kind: 'meterReadings', meterId: id };
  if (family === 'meters' && leaf === 'receipts') return { kind: 'meterReceipts', meterId: id };
  if (family === 'platforms' && leaf === 'readings') {
    return { kind: 'platformReadings', platformId: id };
  }
  if (family === 'platforms' && leaf === 'receipts') {
    return { kind: 'platformReceipts', platformId: id };
  }
  return undefined;
}
