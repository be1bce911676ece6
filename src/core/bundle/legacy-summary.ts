/**
 * The summary as bundles of the earlier format computed it (docs/bundle.md §Summary, "Bundles of
 * earlier versions"): an OCMF record counted as one reading of its last energy register, from
 * its first to its last `RD` time (rounded down and up), with the energy of that register only;
 * a begin-only record as a zero-energy reading of its hour. A bundle whose summary has that
 * form still verifies; the verdict always carries the summary of the current rules.
 */
import { obisRegisterKind, type OcmfRecord } from '../ocmf/index.ts';
import { OBIS_ACTIVE_EXPORT, OBIS_ACTIVE_IMPORT, type ChannelFigures } from '../reading/index.ts';

/**
 * The one channel an earlier version took from `record`, or undefined when it has no energy
 * register reading at all (such a record never entered a bundle).
 */
export function legacyOcmfChannel(record: OcmfRecord): ChannelFigures | undefined {
  const rd = record.payload.readings;
  const energy = rd.filter((r) => r.valueMilliWh !== undefined && r.obis !== undefined);
  const withKind = energy
    .map((r) => ({ r, kind: obisRegisterKind(r.obis!) }))
    .filter((x) => x.kind !== null);
  const kind = withKind.at(-1)?.kind;
  if (kind === undefined || kind === null) return undefined;
  const values = withKind.filter((x) => x.kind === kind).map((x) => x.r.valueMilliWh!);
  const first = values[0]!;
  const last = values[values.length - 1]!;
  return {
    obis: kind === 'import' ? OBIS_ACTIVE_IMPORT : OBIS_ACTIVE_EXPORT,
    intervalStart: Math.floor(rd[0]!.time.unixMs / 1000),
    intervalEnd: Math.ceil(rd[rd.length - 1]!.time.unixMs / 1000),
    registerMilliWh: Number(last),
    energyMilliWh: Number(last - first),
  };
}
