/**
 * Strict parsing of a wattproof.bundle/v1 document (docs/bundle.md §Schema): attacker-controlled
 * JSON becomes typed values with decoded bytes, or a {@link BundleError} `MALFORMED_BUNDLE`
 * naming the offending path. Unknown or missing fields, non-integer numbers, non-canonical
 * base64 (RFC 4648 §4) and wrong byte lengths are all refused.
 */
import { ByteSlab, fromBase64, fromBase64Into } from '../bytes.ts';
import { CHAIN_LINK_SIZE, isChainedKind, LEAF_SIZE, SALT_SIZE } from '../leaf/index.ts';
import { isValidMeterId } from '../reading/index.ts';
import { parseAnchors, type ParsedAnchor } from './anchors.ts';
import { parseIndexSection, type ParsedIndex } from './index-section.ts';
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
  /** The index keys it was filed under. */
  readonly indexKeys?: readonly Uint8Array[];
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
  /** The index section, when the bundle carries one. */
  readonly index: ParsedIndex | undefined;
}

/** Most entries (readings plus registry entries) one bundle may hold. */
export const MAX_BUNDLE_ENTRIES = 1_000_000;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Where a value sits, for error messages: a path, or an element of a list and its field, put
 * together only when something is refused (a year's bundle has a quarter of a million fields).
 */
type Path = string | { readonly list: string; readonly i: number; readonly field?: string };

function pathText(p: Path): string {
  if (typeof p === 'string') return p;
  return p.field === undefined ? `${p.list}[${p.i}]` : `${p.list}[${p.i}].${p.field}`;
}

function field(p: Path, name: string): Path {
  return typeof p === 'string' ? `${p}.${name}` : { list: p.list, i: p.i, field: name };
}

function bad(path: Path, why: string, cause?: unknown): never {
  const text = pathText(path);
  throw new BundleError('MALFORMED_BUNDLE', `${text}: ${why}`, { evidence: { path: text }, cause });
}

function object(
  v: unknown,
  path: Path,
  keys: readonly string[],
  optional: readonly string[] = [],
): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(path, 'not an object');
  const o = v as Record<string, unknown>;
  let present = 0;
  for (const k in o) {
    if (!Object.hasOwn(o, k)) continue;
    if (keys.includes(k)) present++;
    else if (!optional.includes(k)) bad(field(path, k), 'unknown field');
  }
  if (present !== keys.length) {
    for (const k of keys) if (!Object.hasOwn(o, k)) bad(field(path, k), 'missing');
  }
  return o;
}

/** `path`, or its field `name` when one is given. */
function at(path: Path, name: string | undefined): Path {
  return name === undefined ? path : field(path, name);
}

function str(v: unknown, path: Path, name?: string): string {
  if (typeof v !== 'string') bad(at(path, name), 'not a string');
  return v;
}

function uint(v: unknown, path: Path, name?: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    bad(at(path, name), 'not a non-negative safe integer');
  }
  return v;
}

/**
 * Where the byte fields of the bundle being parsed go: one slab per {@link parseBundle} call
 * (which runs to its end without yielding, so no two calls share it).
 */
let slab: ByteSlab | undefined;

function b64(v: unknown, path: Path, name: string | undefined, size?: number): Uint8Array {
  let b: Uint8Array;
  try {
    const text = str(v, path, name);
    b = slab === undefined ? fromBase64(text) : fromBase64Into(text, slab);
  } catch (e) {
    if (e instanceof BundleError) throw e;
    bad(at(path, name), 'not canonical standard base64', e);
  }
  if (size !== undefined && b.length !== size) bad(at(path, name), `not ${size} bytes`);
  return b;
}

function array(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) bad(path, 'not an array');
  if (v.length > MAX_BUNDLE_ENTRIES) bad(path, 'too many elements');
  return v;
}

const DISCLOSED_KEYS = ['index', 'kind', 'salt', 'bytes'];
const LINK_KEY = ['link'];
const NO_KEYS: readonly string[] = [];

function disclosed(v: unknown, path: Path, chains: boolean): ParsedDisclosed {
  const o = object(v, path, DISCLOSED_KEYS, chains ? LINK_KEY : NO_KEYS);
  const kind = uint(o.kind, path, 'kind');
  if (kind > 0xff) bad(field(path, 'kind'), 'not a byte');
  const hasLink = Object.hasOwn(o, 'link');
  if (hasLink && !isChainedKind(kind)) {
    bad(field(path, 'link'), 'only a chained reading has a link');
  }
  const index = uint(o.index, path, 'index');
  const salt = b64(o.salt, path, 'salt', SALT_SIZE);
  const bytes = b64(o.bytes, path, 'bytes');
  if (!hasLink) return { index, erased: false, kind, salt, bytes };
  const link = b64(o.link, path, 'link', CHAIN_LINK_SIZE);
  return { index, erased: false, kind, salt, bytes, link };
}

const ERASED_KEYS = ['index', 'erased', 'leaf'];
const ERASED_OPTIONAL = ['meter', 'indexKeys'];
/** Most index keys of one erased entry (one per channel of a reading). */
const MAX_INDEX_KEYS = 64;

function entry(v: unknown, path: Path): ParsedDisclosed | ParsedErased {
  if (typeof v === 'object' && v !== null && Object.hasOwn(v, 'erased')) {
    const o = object(v, path, ERASED_KEYS, ERASED_OPTIONAL);
    if (o.erased !== true) bad(field(path, 'erased'), 'must be true');
    let meter: string | undefined;
    if (Object.hasOwn(o, 'meter')) {
      meter = str(o.meter, path, 'meter');
      if (!isValidMeterId(meter)) bad(field(path, 'meter'), 'not a meter id');
    }
    let indexKeys: Uint8Array[] | undefined;
    if (Object.hasOwn(o, 'indexKeys')) {
      if (!Array.isArray(o.indexKeys) || o.indexKeys.length > MAX_INDEX_KEYS) {
        bad(field(path, 'indexKeys'), `not an array of at most ${MAX_INDEX_KEYS} keys`);
      }
      indexKeys = o.indexKeys.map((k: unknown, i: number) =>
        b64(k, field(path, `indexKeys[${i}]`), undefined, 37),
      );
    }
    return {
      index: uint(o.index, path, 'index'),
      erased: true,
      leaf: b64(o.leaf, path, 'leaf', LEAF_SIZE),
      ...(meter === undefined ? {} : { meter }),
      ...(indexKeys === undefined ? {} : { indexKeys }),
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
  const b = parseBundleLazily(input);
  b.parseRest();
  return {
    origin: b.origin,
    vkey: b.vkey,
    checkpoint: b.checkpoint,
    request: b.request,
    entries: b.entries.slice(),
    registry: b.registry,
    treeSize: b.treeSize,
    hashes: b.hashes,
    summary: b.summary,
    anchors: b.anchors,
    index: b.index,
  };
}

/**
 * A bundle parsed but for its entries, which are parsed one by one as they are read (so that a
 * verifier checks the first readings' signatures while the rest is still text). Every refusal is
 * the one {@link parseBundle} gives: the first malformed field in document order.
 */
export interface LazyBundle extends Omit<ParsedBundle, 'entries'> {
  readonly entryCount: number;
  /** The entries parsed so far, in order. */
  readonly entries: readonly (ParsedDisclosed | ParsedErased)[];
  /**
   * The leaf index of every entry, read without parsing the rest of them; where one has no
   * valid index, the entries are parsed now, which refuses the bundle.
   */
  indices(): number[];
  /** Entry `position`, parsing it and those before it as needed. */
  entry(position: number): ParsedDisclosed | ParsedErased;
  /** Parses every entry not parsed yet: throws the first malformed one. */
  parseRest(): void;
}

/**
 * {@link parseBundle} but for the entries, which {@link LazyBundle.entry} parses on demand. A
 * caller that refuses the bundle for anything else must call `parseRest()` first, so that a
 * malformed entry is reported before any other failure, as it would be after `parseBundle`.
 * Throws `MALFORMED_BUNDLE` or `UNSUPPORTED_FORMAT` for everything but a malformed entry.
 */
export function parseBundleLazily(input: unknown): LazyBundle {
  const own = new ByteSlab();
  const value = toValue(input);
  let head: Omit<
    ParsedBundle,
    'entries' | 'registry' | 'treeSize' | 'hashes' | 'anchors' | 'index'
  >;
  let raw: unknown[];
  let o: Record<string, unknown>;
  let proof: Record<string, unknown>;
  slab = own;
  try {
    ({ head, raw, o, proof } = parseHead(value));
  } finally {
    slab = undefined;
  }
  const entries: (ParsedDisclosed | ParsedErased)[] = [];
  const parseUpTo = (position: number): void => {
    slab = own;
    try {
      while (entries.length <= position) {
        const i = entries.length;
        entries.push(entry(raw[i], { list: 'entries', i }));
      }
    } finally {
      slab = undefined;
    }
  };
  const parseRest = (): void => {
    if (raw.length > 0) parseUpTo(raw.length - 1);
  };
  // The fields after the entries: a failure among them counts only once the entries are fine.
  let tail: Pick<ParsedBundle, 'registry' | 'treeSize' | 'hashes' | 'anchors' | 'index'>;
  slab = own;
  try {
    tail = {
      registry: array(o.registry, 'registry').map((e, i) =>
        disclosed(e, { list: 'registry', i }, false),
      ),
      treeSize: uint(proof.treeSize, 'proof.treeSize'),
      hashes: array(proof.hashes, 'proof.hashes').map((h, i) =>
        b64(h, { list: 'proof.hashes', i }, undefined, 32),
      ),
      anchors: Object.hasOwn(o, 'anchors') ? parseAnchors(o.anchors) : [],
      index: Object.hasOwn(o, 'index') ? parseIndexSection(o.index) : undefined,
    };
  } catch (e) {
    slab = undefined;
    parseRest();
    throw e;
  } finally {
    slab = undefined;
  }
  return {
    ...head,
    ...tail,
    entryCount: raw.length,
    entries,
    indices: () => {
      const out = new Array<number>(raw.length);
      for (let i = 0; i < raw.length; i++) {
        const v = raw[i];
        const index =
          typeof v === 'object' && v !== null && Object.hasOwn(v, 'index')
            ? (v as { index: unknown }).index
            : undefined;
        if (typeof index !== 'number' || !Number.isSafeInteger(index) || index < 0) {
          parseRest();
          throw new Error(`entries[${i}] has no valid index, yet parsed`);
        }
        out[i] = index;
      }
      return out;
    },
    entry: (position) => {
      parseUpTo(position);
      return entries[position]!;
    },
    parseRest,
  };
}

/** Everything of the document up to its entries, which are returned unparsed. */
function parseHead(value: unknown): {
  head: Omit<ParsedBundle, 'entries' | 'registry' | 'treeSize' | 'hashes' | 'anchors' | 'index'>;
  raw: unknown[];
  o: Record<string, unknown>;
  proof: Record<string, unknown>;
} {
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
    // The optional fields: present only when the bundle carries anchors, or index proofs.
    ...(['anchors', 'index'] as const).filter(
      (k) => typeof value === 'object' && value !== null && Object.hasOwn(value, k),
    ),
  ]);
  if (o.format !== BUNDLE_FORMAT) bad('format', `not ${BUNDLE_FORMAT}`);
  const log = object(o.log, 'log', ['origin', 'vkey']);
  const proof = object(o.proof, 'proof', ['treeSize', 'hashes']);
  if (typeof o.summary !== 'object' || o.summary === null) bad('summary', 'not an object');
  const head = {
    origin: str(log.origin, 'log.origin'),
    vkey: str(log.vkey, 'log.vkey'),
    checkpoint: str(o.checkpoint, 'checkpoint'),
    request: request(o.request),
    summary: o.summary,
  };
  return { head, raw: array(o.entries, 'entries'), o, proof };
}
