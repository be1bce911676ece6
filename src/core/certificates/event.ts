/**
 * Certificate event bytes (docs/registry-certificates.md §Event format): a deterministic CBOR
 * map (RFC 8949 §4.2.1) with integer keys, the format version under key 1 and the event type
 * under key 2, as the ledger's own index entries are written (docs/index.md §Epochs). Each
 * field has one key in every event type that carries it:
 *
 * | key | field | type | in |
 * |---|---|---|---|
 * | 1 | format version, 1 | uint | all |
 * | 2 | event type | tstr | all |
 * | 3 | registry origin | tstr | all |
 * | 4 | certificate id | bstr .size 32 | all |
 * | 5 | time, Unix seconds | uint | all |
 * | 6 | kind, `granular` or `go` | tstr | issue, import |
 * | 7 | meter id | tstr | issue, import |
 * | 8 | channel, OBIS code | tstr | issue, import |
 * | 9 | hour start, Unix seconds | uint | issue, import |
 * | 10 | energy, Wh ≥ 1 | uint | issue |
 * | 11 | evidence bundle SHA-256 | bstr .size 32 | issue |
 * | 12 | GO carry-in, Wh < 1 000 000 | uint | issue of kind go |
 * | 13 | account | tstr | issue, transfer (from), cancel, export, import |
 * | 14 | to account | tstr | transfer |
 * | 15 | amount ≥ 1 | uint | transfer, cancel, export, import |
 * | 16 | beneficiary | tstr | cancel |
 * | 17 | purpose | tstr | cancel |
 * | 18 | claim period start | uint | cancel |
 * | 19 | claim period end | uint | cancel |
 * | 20 | reason | tstr | withdraw |
 * | 21 | importing registry origin | tstr | export |
 * | 22 | issuing registry origin | tstr | import |
 * | 23 | exporting registry origin | tstr | import |
 * | 24 | leaf index of the export event | uint | import |
 */
import { bytesEqual } from '../bytes.ts';
import { CborError, decodeCbor, encodeCbor, type CborValue } from '../cbor/index.ts';
import { isValidMeterId, isValidObis } from '../reading/index.ts';
import { certificateId } from './certificate-id.ts';
import { CertificateError } from './errors.ts';
import { CERTIFICATE_EVENT_VERSION, EventType, type CertificateEvent } from './event-types.ts';
import {
  CertificateKind,
  invalidField,
  isCertificateKind,
  isHourStart,
  isShortText,
  isUint,
  isValidAccountId,
  isValidRegistryOrigin,
} from './names.ts';

/** Every field's key and its one accepted form (the table above). */
const FIELDS = {
  registry: { key: 3, ok: isValidRegistryOrigin, why: 'not a registry origin' },
  certificateId: { key: 4, ok: isHash, why: 'not 32 bytes' },
  time: { key: 5, ok: isUint, why: 'not an unsigned integer' },
  kind: { key: 6, ok: isCertificateKind, why: 'not granular or go' },
  meterId: { key: 7, ok: isValidMeterId, why: 'not a valid meter id' },
  obis: { key: 8, ok: isValidObis, why: 'not a canonical OBIS code' },
  hour: { key: 9, ok: isHourStart, why: 'not the start of a UTC hour before 10000' },
  energyWh: { key: 10, ok: isPositive, why: 'not an integer ≥ 1' },
  bundleSha256: { key: 11, ok: isHash, why: 'not 32 bytes' },
  carryInWh: { key: 12, ok: isCarry, why: 'not an integer in [0, 1 000 000)' },
  account: { key: 13, ok: isValidAccountId, why: 'not a valid account id' },
  toAccount: { key: 14, ok: isValidAccountId, why: 'not a valid account id' },
  amount: { key: 15, ok: isPositive, why: 'not an integer ≥ 1' },
  beneficiary: { key: 16, ok: isShortText, why: 'not text of 1–256 characters' },
  purpose: { key: 17, ok: isShortText, why: 'not text of 1–256 characters' },
  claimStart: { key: 18, ok: isUint, why: 'not an unsigned integer' },
  claimEnd: { key: 19, ok: isUint, why: 'not an unsigned integer' },
  reason: { key: 20, ok: isShortText, why: 'not text of 1–256 characters' },
  importingRegistry: { key: 21, ok: isValidRegistryOrigin, why: 'not a registry origin' },
  issuer: { key: 22, ok: isValidRegistryOrigin, why: 'not a registry origin' },
  exportingRegistry: { key: 23, ok: isValidRegistryOrigin, why: 'not a registry origin' },
  exportLeafIndex: { key: 24, ok: isUint, why: 'not an unsigned integer' },
} as const;
type Field = keyof typeof FIELDS;

const BASE: readonly Field[] = ['registry', 'certificateId', 'time'];
const METER_HOUR: readonly Field[] = ['kind', 'meterId', 'obis', 'hour'];
const ISSUE: readonly Field[] = [...BASE, ...METER_HOUR, 'energyWh', 'bundleSha256', 'account'];

/** The fields of each event type, in key order (an issue of kind go adds `carryInWh`). */
const SHAPES: Readonly<Record<EventType, readonly Field[]>> = {
  issue: ISSUE,
  transfer: [...BASE, 'account', 'toAccount', 'amount'],
  cancel: [...BASE, 'account', 'amount', 'beneficiary', 'purpose', 'claimStart', 'claimEnd'],
  withdraw: [...BASE, 'reason'],
  expire: BASE,
  export: [...BASE, 'account', 'amount', 'importingRegistry'],
  import: [
    ...BASE,
    ...METER_HOUR,
    'account',
    'amount',
    'issuer',
    'exportingRegistry',
    'exportLeafIndex',
  ],
};
const GO_ISSUE: readonly Field[] = [...ISSUE, 'carryInWh' as const].sort(
  (a, b) => FIELDS[a].key - FIELDS[b].key,
);

function isHash(v: unknown): v is Uint8Array {
  return v instanceof Uint8Array && v.length === 32;
}

function isPositive(v: unknown): v is number {
  return isUint(v) && v >= 1;
}

function isCarry(v: unknown): v is number {
  return isUint(v) && v < 1_000_000;
}

function isEventType(v: unknown): v is EventType {
  return typeof v === 'string' && Object.hasOwn(EventType, v);
}

function shapeOf(type: EventType, kind: unknown): readonly Field[] {
  return type === 'issue' && kind === CertificateKind.go ? GO_ISSUE : SHAPES[type];
}

/** The checks that span fields: distinct parties, an ordered period, the id of the names. */
function checkEvent(e: CertificateEvent): void {
  if (e.type === 'transfer' && e.toAccount === e.account) {
    invalidField('toAccount', 'the same account as the one debited');
  }
  if (e.type === 'cancel' && e.claimEnd <= e.claimStart) {
    invalidField('claimEnd', 'not after claimStart');
  }
  if (e.type === 'export' && e.importingRegistry === e.registry) {
    invalidField('importingRegistry', 'the exporting registry itself');
  }
  if (e.type === 'import' && e.exportingRegistry === e.registry) {
    invalidField('exportingRegistry', 'the importing registry itself');
  }
  if (e.type === 'issue' || e.type === 'import') {
    const issuer = e.type === 'issue' ? e.registry : e.issuer;
    const id = certificateId({ ...e, issuer });
    if (!bytesEqual(id, e.certificateId)) {
      throw new CertificateError('ID_MISMATCH', `${e.type}: the certificate id is not its own`, {
        evidence: { field: 'certificateId' },
      });
    }
  }
}

/**
 * The event bytes of `e`. Throws {@link CertificateError} `UNKNOWN_EVENT_TYPE`,
 * `UNKNOWN_KEY` (a field the type does not carry, e.g. `carryInWh` on a granular issue),
 * `MISSING_KEY`, `INVALID_FIELD` or `ID_MISMATCH`: it writes only what it would decode.
 */
export function encodeCertificateEvent(e: CertificateEvent): Uint8Array {
  if (!isEventType(e.type)) {
    throw new CertificateError('UNKNOWN_EVENT_TYPE', `unknown event type ${String(e.type)}`);
  }
  const record = e as unknown as Record<string, unknown>;
  if (e.type === 'issue' && !isCertificateKind(e.kind)) invalidField('kind', FIELDS.kind.why);
  const shape = shapeOf(e.type, record['kind']);
  const allowed = new Set<string>(['type', ...shape]);
  for (const [name, v] of Object.entries(record)) {
    if (v !== undefined && !allowed.has(name)) {
      throw new CertificateError('UNKNOWN_KEY', `${e.type}: carries no ${name}`, {
        evidence: { field: name },
      });
    }
  }
  const m = new Map<number, CborValue>([
    [1, CERTIFICATE_EVENT_VERSION],
    [2, e.type],
  ]);
  for (const name of shape) {
    const v = record[name];
    if (v === undefined) {
      throw new CertificateError('MISSING_KEY', `${e.type}: no ${name}`, {
        evidence: { field: name, key: FIELDS[name].key },
      });
    }
    if (!FIELDS[name].ok(v)) invalidField(name, FIELDS[name].why, v);
    m.set(FIELDS[name].key, v as CborValue);
  }
  checkEvent(e);
  return encodeCbor(m);
}

/**
 * Decodes certificate event bytes strictly: one deterministic CBOR map with exactly the keys
 * of its type, each field of its type and range, the id of its own names. Throws
 * {@link CertificateError} only: `NOT_STRICT_CBOR`, `NOT_A_MAP`, `UNSUPPORTED_VERSION`,
 * `UNKNOWN_EVENT_TYPE`, `UNKNOWN_KEY`, `MISSING_KEY`, `INVALID_FIELD`, `ID_MISMATCH`, checked
 * in that order — except that an issue's kind is checked (`INVALID_FIELD`) before its keys,
 * since they depend on it.
 */
export function decodeCertificateEvent(bytes: Uint8Array): CertificateEvent {
  let v: CborValue;
  try {
    v = decodeCbor(bytes, { maxDepth: 2 });
  } catch (e) {
    if (!(e instanceof CborError)) throw e;
    throw new CertificateError('NOT_STRICT_CBOR', `certificate event: ${e.message}`, {
      cause: e,
      evidence: { cbor: e.code },
    });
  }
  if (!(v instanceof Map)) throw new CertificateError('NOT_A_MAP', 'certificate event: not a map');
  if (v.get(1) !== CERTIFICATE_EVENT_VERSION) {
    throw new CertificateError('UNSUPPORTED_VERSION', 'certificate event: version is not 1', {
      evidence: { field: 'version', value: String(v.get(1)) },
    });
  }
  const type = v.get(2);
  if (!isEventType(type)) {
    throw new CertificateError('UNKNOWN_EVENT_TYPE', 'certificate event: unknown type', {
      evidence: { field: 'type', value: String(type).slice(0, 80) },
    });
  }
  const kind = v.get(FIELDS.kind.key);
  if (type === 'issue' && v.has(FIELDS.kind.key) && !isCertificateKind(kind)) {
    invalidField('kind', FIELDS.kind.why, kind);
  }
  const shape = shapeOf(type, kind);
  const keys = new Set<unknown>([1, 2, ...shape.map((f) => FIELDS[f].key)]);
  for (const k of v.keys()) {
    if (!keys.has(k)) {
      throw new CertificateError('UNKNOWN_KEY', `${type}: unknown key ${String(k)}`, {
        evidence: { key: k },
      });
    }
  }
  const out: Record<string, unknown> = { type };
  for (const name of shape) {
    const { key, ok, why } = FIELDS[name];
    if (!v.has(key)) {
      throw new CertificateError('MISSING_KEY', `${type}: missing key ${key} (${name})`, {
        evidence: { field: name, key },
      });
    }
    const value = v.get(key);
    if (!ok(value)) invalidField(name, why, typeof value === 'string' ? value : undefined);
    out[name] = value;
  }
  const e = out as unknown as CertificateEvent;
  checkEvent(e);
  return e;
}
