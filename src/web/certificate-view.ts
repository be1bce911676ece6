/**
 * The certificate figures of a verified bundle on the page (docs/certify.md): `certify`'s
 * hourly granular certificate records, Guarantee-of-Origin units and, given an emission
 * factor, the Scope 2 location-based footprint, from the verdict only.
 */
import { bundleSha256, certify, type Certification } from '../core/certify/index.ts';
import type { ValidVerdict } from './verdict-view.ts';
import { h, table } from './dom.ts';

/** Hourly records listed on the page; the JSON download holds them all. */
export const SHOWN_RECORDS = 48;

/** The certification of `verdict` over the exact `bytes`; throws `CertifyError`. */
export function certificationOf(
  verdict: ValidVerdict,
  bytes: Uint8Array,
  factor: string,
): Certification {
  const f = factor.trim();
  return certify(verdict, {
    evidenceSha256: bundleSha256(bytes),
    ...(f === '' ? {} : { emissionFactorGPerKWh: f }),
  });
}

const hhmm = (t: string): string => t.replace(':00Z', 'Z');

/** The figures as tables. */
export function certificationView(c: Certification): HTMLElement {
  const records = c.granularCertificates;
  const shown = records.slice(0, SHOWN_RECORDS);
  const units = c.guaranteesOfOrigin.reduce((n, g) => n + g.units, 0);
  return h(
    'div',
    { id: 'certification' },
    h('p', {}, 'evidence sha256 ', h('code', {}, c.evidenceSha256)),
    h(
      'p',
      { id: 'certificate-counts' },
      `${records.length} hourly records, ${units} GO units`,
      c.scope2 === null ? '' : `, Scope 2 ${c.scope2.total.co2eGRoundedUp} g CO2e`,
    ),
    table(
      `Granular certificate records (EnergyTag; 1 h, whole Wh rounded down)${records.length > shown.length ? `: the first ${shown.length} of ${records.length}` : ''}`,
      ['device', 'direction', 'start', 'end', 'Wh', 'trust', 'readings'],
      shown.map((g) => [
        g.deviceId,
        g.direction,
        hhmm(g.productionStartingInterval),
        hhmm(g.productionEndingInterval),
        String(g.bundleQuantity),
        g.trustModes.join('+'),
        String(g.entries.length),
      ]),
    ),
    c.excluded.length === 0
      ? null
      : h(
          'ul',
          {},
          ...c.excluded.map((x) =>
            h(
              'li',
              {},
              `not certified: entry ${x.entry}${x.deviceId === null ? '' : ` (${x.deviceId}${x.register === null ? '' : ` ${x.register}`})`}: ${x.reason}, ${x.detail}`,
            ),
          ),
        ),
    table(
      'Guarantees of origin (1 MWh each)',
      ['device', 'production Wh', 'carry-in Wh', 'units', 'carry-out Wh'],
      c.guaranteesOfOrigin.map((g) => [
        g.deviceId,
        String(g.productionWh),
        String(g.carryInWh),
        String(g.units),
        String(g.carryOutWh),
      ]),
    ),
    c.scope2 === null
      ? h('p', {}, 'Scope 2: give an emission factor for the location-based footprint.')
      : table(
          `Scope 2, location-based, ${c.scope2.emissionFactorGPerKWh} g CO2e/kWh`,
          ['device', 'consumption Wh', 'g CO2e (exact)', 'g CO2e (rounded up)'],
          [
            ...c.scope2.meters.map((m) => [
              m.deviceId,
              m.consumptionWh,
              m.co2eG,
              String(m.co2eGRoundedUp),
            ]),
            [
              'total',
              c.scope2.total.consumptionWh,
              c.scope2.total.co2eG,
              String(c.scope2.total.co2eGRoundedUp),
            ],
          ],
          { id: 'scope2' },
        ),
  );
}
