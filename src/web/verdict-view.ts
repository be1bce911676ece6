/**
 * What the page shows of a verdict (docs/verifier.md §What the page shows): VALID with the
 * log, the witness cosignatures and anchors checked, and each meter's recomputed figures and
 * chart; or the refusal's code, in the words the CLI uses, and the failing entry.
 */
import {
  BUNDLE_CODE_WORDS,
  indexLines,
  type BundleSummary,
  type MeterSummary,
  type Verdict,
  type VerifiedReading,
} from '../core/bundle/index.ts';
import { meterChart, type ErasedMark } from './chart.ts';
import { h, table, type Child } from './dom.ts';
import { iso } from './time.ts';

/** A valid verdict. */
export type ValidVerdict = Extract<Verdict, { valid: true }>;

/** A refusal. */
export type Refusal = Extract<Verdict, { valid: false }>;

/** The meter line `wattproof verify` prints, word for word. */
export function meterLine(m: MeterSummary): string {
  return `meter ${m.meter}: ${m.readings} readings (device ${m.trust.device}, platform ${m.trust.platform}), import ${m.importWh} Wh, export ${m.exportWh} Wh`;
}

/** The total line `wattproof verify` prints, word for word. */
export function totalLine(s: BundleSummary): string {
  const t = s.totals;
  return `total: ${t.readings} readings, import ${t.importWh} Wh, export ${t.exportWh} Wh, erased ${t.erased}`;
}

/** Heading and lines of a refusal: code, entry, the code in words, the message, the evidence. */
export function refusalView(v: Refusal): HTMLElement[] {
  const head = h(
    'p',
    { class: 'verdict-head', id: 'verdict-head' },
    v.code === 'VERIFIER_ERROR' ? 'ERROR' : 'INVALID',
  );
  const at = v.index === undefined ? '' : ` at entry ${v.index}`;
  const out: HTMLElement[] = [
    head,
    h('p', { class: 'verdict-code' }, h('code', { id: 'verdict-code' }, v.code), at),
    h('p', { class: 'verdict-words', id: 'verdict-words' }, BUNDLE_CODE_WORDS[v.code]),
    h('p', { class: 'verdict-message' }, v.message),
  ];
  const ev = v.error.evidence as
    | {
        meter?: string;
        obis?: string;
        entries?: readonly {
          index: number;
          intervalStart: number;
          intervalEnd: number;
          registerMilliWh: number;
          energyMilliWh: number;
        }[];
      }
    | undefined;
  if (Array.isArray(ev?.entries)) {
    out.push(
      table(
        `meter ${ev.meter ?? '?'}, register ${ev.obis ?? '?'}: the entries that disagree`,
        ['entry', 'interval (UTC)', 'register Wh', 'energy Wh'],
        ev.entries.map((e) => [
          String(e.index),
          `${iso(e.intervalStart)} .. ${iso(e.intervalEnd)}`,
          String(e.registerMilliWh / 1000),
          String(e.energyMilliWh / 1000),
        ]),
      ),
    );
  }
  return out;
}

/** The heading and checkpoint line of a valid verdict. */
export function validHead(v: ValidVerdict): HTMLElement[] {
  const w = v.witnesses.length > 0 ? `, cosigned by ${v.witnesses.join(', ')}` : '';
  return [
    h('p', { class: 'verdict-head', id: 'verdict-head' }, 'VALID'),
    h('p', {}, `bundle of log ${v.origin} at tree size ${v.treeSize}${w}`),
    // What the bundle proves it leaves out (docs/bundle.md §Index), in the CLI's words; a
    // flagged meter stands out.
    h(
      'div',
      { id: 'index-status', class: 'index-status' },
      ...indexLines(v.index).map((line) =>
        h('p', line.startsWith('FLAGGED') ? { class: 'flagged' } : {}, line),
      ),
    ),
    h('p', { id: 'totals', class: 'totals' }, totalLine(v.summary)),
  ];
}

/** Where each erased reading of a meter sits: after the meter's verified reading before it. */
export function erasedMarks(
  v: ValidVerdict,
  erasedMeters: ReadonlyMap<number, string>,
): Map<string, ErasedMark[]> {
  const byMeter = new Map<string, VerifiedReading[]>();
  for (const r of v.readings) {
    const list = byMeter.get(r.meterId) ?? [];
    list.push(r);
    byMeter.set(r.meterId, list);
  }
  const marks = new Map<string, ErasedMark[]>();
  for (const index of v.erased) {
    const meter = erasedMeters.get(index);
    if (meter === undefined) continue;
    const readings = byMeter.get(meter) ?? [];
    const before = readings.filter((r) => r.index < index).at(-1);
    const after = readings.find((r) => r.index > index);
    const at = before?.intervalEnd ?? after?.intervalStart ?? v.summary.period.from;
    marks.set(meter, [...(marks.get(meter) ?? []), { index, at }]);
  }
  return marks;
}

function meterSection(
  m: MeterSummary,
  v: ValidVerdict,
  marks: readonly ErasedMark[],
  n: number,
): HTMLElement {
  const facts: Child[] = [];
  for (const g of m.sequenceGaps) {
    facts.push(h('li', {}, `gap: sequence ${g.scope}${g.from}..${g.scope}${g.to} missing`));
  }
  for (const g of m.intervalGaps) {
    facts.push(h('li', {}, `gap: no reading for ${iso(g.from)} .. ${iso(g.to)}`));
  }
  for (const e of marks) facts.push(h('li', {}, `erased reading: entry ${e.index}`));
  if (m.longIntervalReadings > 0) {
    facts.push(
      h('li', {}, `${m.longIntervalReadings} readings longer than an hour: in totals only`),
    );
  }
  if (m.otherRegisterReadings > 0) {
    facts.push(
      h('li', {}, `${m.otherRegisterReadings} readings of another register: counted, not summed`),
    );
  }
  return h(
    'section',
    { class: 'meter', 'aria-labelledby': `meter-${n}-h` },
    h('h3', { id: `meter-${n}-h` }, `Meter ${m.meter}`),
    h('p', { class: 'meter-line' }, meterLine(m)),
    facts.length > 0 ? h('ul', { class: 'facts' }, ...facts) : null,
    meterChart(m, v.summary.period, marks, `chart-${n}`),
  );
}

/** The witnesses and anchors the verifier checked. */
export function checkedView(v: ValidVerdict, witnessKeys: number): HTMLElement {
  const anchors = v.anchors ?? [];
  return h(
    'section',
    { 'aria-labelledby': 'checked-h' },
    h('h2', { id: 'checked-h' }, 'Checkpoint, witnesses and anchors'),
    h(
      'dl',
      {},
      h('dt', {}, 'log'),
      h('dd', {}, v.origin),
      h('dt', {}, 'tree size'),
      h('dd', {}, String(v.treeSize)),
      h('dt', {}, 'root (base64)'),
      h('dd', {}, h('code', {}, v.root)),
      h('dt', {}, 'witness cosignatures'),
      h(
        'dd',
        { id: 'witnesses' },
        v.witnesses.length > 0
          ? `${v.witnesses.join(', ')} (${v.witnesses.length} of ${witnessKeys} trusted witness keys verified)`
          : `none verified (${witnessKeys} trusted witness keys given)`,
      ),
    ),
    anchors.length === 0
      ? h('p', {}, 'The bundle carries no anchors.')
      : table(
          'Anchors tied to the checkpoint (consistency proof and the log key checked here)',
          ['type', 'anchored tree size', 'claimed time (UTC)', 'readings covered'],
          anchors.map((a) => [a.type, String(a.size), iso(a.time), String(a.covers)]),
        ),
    anchors.length === 0
      ? null
      : h(
          'p',
          { class: 'note' },
          'The page ties each anchor to this checkpoint; the anchor’s own record (a timestamp token, a transaction) is checked by ',
          h('code', {}, 'wattproof verify --tsa-cert … / --evm-rpc …'),
          '.',
        ),
  );
}

/** The meters' figures and charts. */
export function metersView(
  v: ValidVerdict,
  erasedMeters: ReadonlyMap<number, string>,
): HTMLElement {
  const marks = erasedMarks(v, erasedMeters);
  return h(
    'section',
    { 'aria-labelledby': 'meters-h', id: 'meters' },
    h('h2', { id: 'meters-h' }, 'Meters'),
    h('p', {}, `period ${iso(v.summary.period.from)} .. ${iso(v.summary.period.to)} (UTC)`),
    ...v.summary.meters.map((m, i) => meterSection(m, v, marks.get(m.meter) ?? [], i)),
    v.erased.length > 0
      ? h(
          'p',
          {},
          `erased entries: ${v.erased.join(', ')} (their leaves stay proven; their readings are gone)`,
        )
      : null,
  );
}
