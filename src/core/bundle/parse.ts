/**
 * Strict parsing of a wattproof.bundle/v1 document (docs/bundle.md §Schema): attacker-controlled
 * JSON becomes typed values with decoded bytes, or a {@link BundleError} `MALFORMED_BUNDLE`
 * naming the offending path. Unknown or missing fields, non-integer numbers, non-canonical
 * base64 (RFC 4648 §4) and wrong byte lengths are all refused.
 */
import { fromBase64 } from '../bytes.ts';
import { CHAIN_LINK_SIZE, isChainedKind, LEAF_SIZE, SALT_SIZE } from '../leaf/leaf.ts';
import { isValidMeterId } from '../reading/index.ts';
import { parseAnchors, type ParsedAnchor } from './anchors.ts';
import { BundleError } from './errors.ts';
import { BUNDLE_FORMAT } from './types.ts';

/** A disclosed entry with decoded bytes. */
export interface ParsedDisclosed {
  readonly index: number;
  readonly erased: false;
  readonly kind: number;
  readonly salt: Uint8Array;
  readonly bytes: Uint8Array;
  /** A chained reading's explicit link (40 bytes). */
  readonly link?: Uint8Array;
}

/** An erased entry with its decoded leaf. */
export interface ParsedErased {
  readonly index: number;
  readonly erased: true;
  readonly leaf: Uint8Array;
  readonly meter?: string;
}

/** A parsed bundle; the summary is kept as the JSON value it was. */
export interface ParsedBundle {
  readonly origin: string;
  readonly vkey: string;
  readonly checkpoint: string;
  readonly request: { readonly meters: string[]; readonly from: number; readonly to: number };
  readonly entries: (ParsedDisclosed | ParsedErased)[];
  readonly registry: ParsedDisclosed[];
  readonly treeSize: number;
  readonly hashes: Uint8Array[];
  readonly summary: unknown;
  /** External anchors (empty when the bundle has no `anchors` field). */
  readonly anchors: ParsedAnchor[];
}

/** Most entries (readings plus registry entries) one bundle may hold. */
export const MAX_BUNDLE_ENTRIES = 1_000_000;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function bad(path: string, why: string, cause?: unknown): never {
  throw new BundleError('MALFORMED_BUNDLE', `${path}: ${why}`, { evidence: { path }, cause });
}

function object(
  v: unknown,
  path: string,
  keys: readonly string[],
  optional: readonly string[] = [],
): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(path, 'not an object');
  const o = v as Record<string, unknown>;
  const own = Object.keys(o);
  for (const k of own) {
    if (!keys.includes(k) && !optional.includes(k)) bad(`${path}.${k}`, 'unknown field');
  }
  for (const k of keys) if (!Object.hasOwn(o, k)) bad(`${path}.${k}`, 'missing');
  return o;
}

function str(v: unknown, path: string): string {
  if (typeof v !== 'string') bad(path, 'not a string');
  return v;
}

function uint(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    bad(path, 'not a non-negative safe integer');
  }
  return v;
}

function b64(v: unknown, path: string, size?: number): Uint8Array {
  let b: Uint8Array;
  try {
    b = fromBase64(str(v, path));
  } catch (e) {
    if (e instanceof BundleError) throw e;
    bad(path, 'not canonical standard base64', e);
  }
  if (size !== undefined && b.length !== size) bad(path, `not ${size} bytes`);
  return b;
}

function array(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) bad(path, 'not an array');
  if (v.length > MAX_BUNDLE_ENTRIES) bad(path, 'too many elements');
  return v;
}

function disclosed(v: unknown, path: string, chains: boolean): ParsedDisclosed {
  const o = object(v, path, ['index', 'kind', 'salt', 'bytes'], chains ? ['link'] : []);
  const kind = uint(o.kind, `${path}.kind`);
  if (kind > 0xff) bad(`${path}.kind`, 'not a byte');
  if (Object.hasOwn(o, 'link') && !isChainedKind(kind)) {
    bad(`${path}.link`, 'only a chained reading has a link');
  }
  return {
    index: uint(o.index, `${path}.index`),
    erased: false,
    kind,
    salt: b64(o.salt, `${path}.salt`, SALT_SIZE),
    bytes: b64(o.bytes, `${path}.bytes`),
    ...(Object.hasOwn(o, 'link') ? { link: b64(o.link, `${path}.link`, CHAIN_LINK_SIZE) } : {}),
  };
}

function entry(v: unknown, path: string): ParsedDisclosed | ParsedErased {
  if (typeof v === 'object' && v !== null && Object.hasOwn(v, 'erased')) {
    const o = object(v, path, ['index', 'erased', 'leaf'], ['meter']);
    if (o.erased !== true) bad(`${path}.erased`, 'must be true');
    let meter: string | undefined;
    if (Object.hasOwn(o, 'meter')) {
      meter = str(o.meter, `${path}.meter`);
      if (!isValidMeterId(meter)) bad(`${path}.meter`, 'not a meter id');
    }
    return {
      index: uint(o.index, `${path}.index`),
      erased: true,
      leaf: b64(o.leaf, `${path}.leaf`, LEAF_SIZE),
      ...(meter === undefined ? {} : { meter }),
    };
  }
  return disclosed(v, path, true);
}

function request(v: unknown): ParsedBundle['request'] {
  const o = object(v, 'request', ['meters', 'from', 'to']);
  const meters = array(o.meters, 'request.meters').map((m, i) => {
    const s = str(m, `request.meters[${i}]`);
    if (!isValidMeterId(s)) bad(`request.meters[${i}]`, 'not a meter id');
    return s;
  });
  if (meters.length === 0) bad('request.meters', 'empty');
  if (new Set(meters).size !== meters.length) bad('request.meters', 'duplicate meter');
  const from = uint(o.from, 'request.from');
  const to = uint(o.to, 'request.to');
  if (to <= from) bad('request.to', 'must be after from');
  return { meters, from, to };
}

function toValue(input: unknown): unknown {
  let text: string;
  if (input instanceof Uint8Array) {
    try {
      text = strictUtf8.decode(input);
    } catch (e) {
      bad('$', 'not UTF-8', e);
    }
  } else if (typeof input === 'string') {
    text = input;
  } else {
    return input;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    bad('$', 'not JSON', e);
  }
}

/**
 * Parses a bundle given as JSON text, UTF-8 bytes, or an already parsed JSON value. Throws
 * {@link BundleError} `MALFORMED_BUNDLE` or `UNSUPPORTED_FORMAT` only.
 */
export function parseBundle(input: unknown): ParsedBundle {
  const value = toValue(input);
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const format = (value as Record<string, unknown>).format;
    if (typeof format === 'string' && format !== BUNDLE_FORMAT) {
      throw new BundleError(
        'UNSUPPORTED_FORMAT',
        `format ${JSON.stringify(format)} is not ${BUNDLE_FORMAT}`,
      );
    }
  }
  const o = object(value, '$', [
    'format',
    'log',
    'checkpoint',
    'request',
    'entries',
    'registry',
    'proof',
    'summary',
    // The one optional field: present only when the bundle carries anchors.
    ...(typeof value === 'object' && value !== null && Object.hasOwn(value, 'anchors')
      ? ['anchors']
      : []),
  ]);
  if (o.format !== BUNDLE_FORMAT) bad('format', `not ${BUNDLE_FORMAT}`);
  const log = object(o.log, 'log', ['origin', 'vkey']);
  const proof = object(o.proof, 'proof', ['treeSize', 'hashes']);
  if (typeof o.summary !== 'object' || o.summary === null) bad('summary', 'not an object');
  return {
    origin: str(log.origin, 'log.origin'),
    vkey: str(log.vkey, 'log.vkey'),
    checkpoint: str(o.checkpoint, 'checkpoint'),
    request: request(o.request),
    entries: array(o.entries, 'entries').map((e, i) => entry(e, `entries[${i}]`)),
    registry: array(o.registry, 'registry').map((e, i) => disclosed(e, `registry[${i}]`, false)),
    treeSize: uint(proof.treeSize, 'proof.treeSize'),
    hashes: array(proof.hashes, 'proof.hashes').map((h, i) => b64(h, `proof.hashes[${i}]`, 32)),
    summary: o.summary,
    anchors: Object.hasOwn(o, 'anchors') ? parseAnchors(o.anchors) : [],
  };
}
