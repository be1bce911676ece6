/**
 * The registry's "issue from a bundle" step (docs/registry-certificates.md §Issue from a
 * bundle), pure: from the exact bytes of an evidence bundle, which it verifies itself
 * ({@link provenHours}), and the registry's current {@link RegistryState}, the issue events of
 * the requested meter-hours — one per meter channel and UTC hour, with the bundle's SHA-256
 * and the hour's Wh as `certify` computes it — and, for each hour the state already issued, a
 * refusal with the state machine's code instead. Applied in order after the state's events,
 * every event it gives is accepted (§Once-only rules). No I/O, no clock, no signing.
 */
import type { VerifyPolicy } from '../bundle/index.ts';
import { GO_UNIT_WH } from '../certify/index.ts';
import { OBIS_ACTIVE_EXPORT } from '../reading/index.ts';
import { certificateId } from './certificate-id.ts';
import { CertificateError } from './errors.ts';
import type { IssueEvent } from './event-types.ts';
import {
  checkMeterHour,
  invalidField,
  isCertificateKind,
  isUint,
  isValidAccountId,
  type CertificateKind,
} from './names.ts';
import {
  coversHour,
  provenHours,
  type MeterHour,
  type ProvenBundle,
  type ProvenHour,
} from './proven-hours.ts';
import type { RegistryState } from './registry-state.ts';
import type { VoidCode } from './verdicts.ts';

/** What {@link issueFromBundle} is asked. */
export interface IssueFromBundleRequest {
  /** The evidence bundle's exact bytes (UTF-8 JSON) as received: they are verified and hashed. */
  readonly bundle: Uint8Array;
  /**
   * The registry's trust in the metering log: its verifier key, the witness keys and how many
   * must have cosigned (as `verifyBundle` and `certifyBundle` take them).
   */
  readonly trust: VerifyPolicy;
  /** Origin of the issuing registry: the state's. */
  readonly registry: string;
  /** The account credited. */
  readonly account: string;
  /** When the registry makes the events, Unix seconds. */
  readonly time: number;
  readonly kind: CertificateKind;
  /**
   * The meter-hours to issue, each listed once; by default every hour of active export
   * (1-0:2.8.0) the bundle proves (§Issue from a bundle).
   */
  readonly hours?: readonly MeterHour[];
  /** The registry's state after the events of its log so far. */
  readonly state: RegistryState;
}

/** A requested hour the state already issued, with the state machine's code. */
export interface IssueRefusal extends MeterHour {
  readonly code: Extract<VoidCode, 'ALREADY_ISSUED'>;
  /** Leaf index of the accepted issue of the hour. */
  readonly firstLeafIndex: number;
}

/** What {@link issueFromBundle} gives. */
export interface IssueFromBundle {
  /** SHA-256 of the exact bundle bytes (key 11 of every event). */
  readonly bundleSha256: Uint8Array;
  /**
   * The issue events, to be appended in this order: by the bundle's meter order, channel and
   * hour. For kind `go` each carries in what the one before it on its channel leaves.
   */
  readonly events: readonly IssueEvent[];
  /** The requested hours already issued, in the same order. */
  readonly refusals: readonly IssueRefusal[];
}

function checkRequest(r: IssueFromBundleRequest): void {
  if (r.registry !== r.state.registry) {
    invalidField('registry', 'not the origin of the registry state', r.registry);
  }
  if (!isValidAccountId(r.account)) invalidField('account', 'not a valid account id', r.account);
  if (!isUint(r.time)) invalidField('time', 'not an unsigned integer', r.time);
  if (!isCertificateKind(r.kind)) invalidField('kind', 'not granular or go', r.kind);
}

function keyOf(h: MeterHour): string {
  return `${h.meterId}\u0000${h.obis}\u0000${h.hour}`;
}

/**
 * The requested hours with their Wh, in issue order. Throws {@link CertificateError}
 * `INVALID_FIELD` (a malformed or twice-listed hour), `NOT_EXPORT_CHANNEL`,
 * `HOUR_NOT_COVERED`, `NO_ENERGY_PROVEN`.
 */
function selectHours(
  proven: ProvenBundle,
  kind: CertificateKind,
  requested: readonly MeterHour[] | undefined,
): ProvenHour[] {
  const byKey = new Map(proven.hours.map((h) => [keyOf(h), h]));
  if (requested === undefined) return proven.hours.filter((h) => h.obis === OBIS_ACTIVE_EXPORT);
  if (!Array.isArray(requested)) invalidField('hours', 'not a list of meter-hours');
  const seen = new Set<string>();
  const out: ProvenHour[] = [];
  for (const h of requested) {
    checkMeterHour(h?.meterId, h?.obis, h?.hour);
    const key = keyOf(h);
    const at = { meterId: h.meterId, obis: h.obis, hour: h.hour };
    if (seen.has(key)) invalidField('hours', 'a meter-hour listed twice', at);
    seen.add(key);
    if (kind === 'go' && h.obis !== OBIS_ACTIVE_EXPORT) {
      throw new CertificateError('NOT_EXPORT_CHANNEL', `GO units only of ${OBIS_ACTIVE_EXPORT}`, {
        evidence: at,
      });
    }
    if (!coversHour(proven.period, h.hour)) {
      throw new CertificateError(
        'HOUR_NOT_COVERED',
        'the bundle’s period misses part of the hour',
        {
          evidence: { ...at, period: proven.period },
        },
      );
    }
    const p = byKey.get(key);
    if (p === undefined) {
      throw new CertificateError('NO_ENERGY_PROVEN', 'the bundle proves no whole Wh of the hour', {
        evidence: at,
      });
    }
    out.push(p);
  }
  const meterOrder = new Map(proven.meters.map((m, i) => [m, i]));
  return out.sort(
    (a, b) =>
      meterOrder.get(a.meterId)! - meterOrder.get(b.meterId)! ||
      (a.obis < b.obis ? -1 : a.obis > b.obis ? 1 : 0) ||
      a.hour - b.hour,
  );
}

/**
 * Verifies the bundle and makes the issue events of the requested hours (by default every
 * hour of active export it proves) for `state`: one per meter channel and hour, its energy
 * `certify`'s hourly figure in whole Wh, its bundle hash the SHA-256 of the exact bytes, and
 * for kind `go` its carry-in the Wh the channel carries (`state.goCarry`) chained across the
 * request's hours. An hour `state` already issued (of either kind) gives a refusal
 * `ALREADY_ISSUED` with the leaf index of its issue instead, and carries nothing. Throws
 * {@link CertificateError}: `BUNDLE_REFUSED` ({@link BundleRefusedError}, with the verifier's
 * code), `INVALID_FIELD` (the request), `NOT_EXPORT_CHANNEL`, `HOUR_NOT_COVERED`,
 * `NO_ENERGY_PROVEN`; and `CertifyError` `FIGURE_TOO_LARGE` for an hour beyond 2^53 − 1 Wh.
 * The events are accepted only if nothing else is issued for their meter channels between
 * this call and their append: the writer makes and appends one request at a time.
 */
export function issueFromBundle(r: IssueFromBundleRequest): IssueFromBundle {
  checkRequest(r);
  const proven = provenHours(r.bundle, r.trust);
  const events: IssueEvent[] = [];
  const refusals: IssueRefusal[] = [];
  const carries = new Map<string, number>();
  for (const h of selectHours(proven, r.kind, r.hours)) {
    const { meterId, obis, hour, energyWh } = h;
    const first = r.state.issueOf(meterId, obis, hour);
    if (first !== undefined) {
      refusals.push({ meterId, obis, hour, code: 'ALREADY_ISSUED', firstLeafIndex: first });
      continue;
    }
    const base = {
      type: 'issue' as const,
      registry: r.registry,
      certificateId: certificateId({ issuer: r.registry, kind: r.kind, meterId, obis, hour }),
      time: r.time,
      kind: r.kind,
      meterId,
      obis,
      hour,
      energyWh,
      bundleSha256: proven.bundleSha256.slice(),
      account: r.account,
    };
    if (r.kind !== 'go') {
      events.push(base);
      continue;
    }
    const channel = `${meterId}\u0000${obis}`;
    const carryInWh = carries.get(channel) ?? r.state.goCarry(meterId, obis);
    // As the state machine computes it: exact below 2^53.
    carries.set(channel, ((energyWh % GO_UNIT_WH) + carryInWh) % GO_UNIT_WH);
    events.push({ ...base, carryInWh });
  }
  return { bundleSha256: proven.bundleSha256.slice(), events, refusals };
}
