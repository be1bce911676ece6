/**
 * The hourly import/export chart of one meter, as inline SVG (SVG 2): import bars above the
 * axis, export bars below, the stretches with no reading hatched, erased readings marked. Its
 * figures are the verified summary's (recomputed from the readings, never the bundle's own),
 * and the same figures follow it as a table for screen readers.
 */
import type { MeterSummary } from '../core/bundle/index.ts';
import { h, svg, table } from './dom.ts';
import { iso } from './time.ts';

const HOUR = 3600;

/** Most bars drawn; a longer period is drawn in sums of whole days. */
export const MAX_BARS = 2_000;

/** An erased reading placed on its meter's timeline: between its neighbours in log order. */
export interface ErasedMark {
  /** Leaf index of the erased entry. */
  readonly index: number;
  /** Where it is drawn, Unix seconds: the end of the meter's verified reading before it. */
  readonly at: number;
}

/** Energy of one bar: a UTC hour (or a run of whole days), Wh. */
export interface Bar {
  readonly start: number;
  readonly end: number;
  readonly importWh: number;
  readonly exportWh: number;
}

/**
 * The bars of a meter over `[from, to)`: one per UTC hour (empty hours included), or, beyond
 * {@link MAX_BARS} hours, one per run of whole UTC days.
 */
export function barsOf(m: MeterSummary, from: number, to: number): { bars: Bar[]; width: number } {
  const first = Math.floor(from / HOUR) * HOUR;
  const last = Math.max(first + HOUR, Math.ceil(to / HOUR) * HOUR);
  const hours = (last - first) / HOUR;
  const width = hours <= MAX_BARS ? HOUR : 24 * HOUR * Math.ceil(hours / 24 / MAX_BARS);
  const start = width === HOUR ? first : Math.floor(first / width) * width;
  const count = Math.ceil((last - start) / width);
  const bars = Array.from({ length: count }, (_, i) => ({
    start: start + i * width,
    end: start + (i + 1) * width,
    importWh: 0,
    exportWh: 0,
  }));
  for (const hr of m.hours) {
    const b = bars[Math.floor((hr.start - start) / width)];
    if (b === undefined) continue;
    b.importWh += hr.importWh;
    b.exportWh += hr.exportWh;
  }
  return { bars, width };
}

const W = 960;
const H = 260;
const LEFT = 64;
const RIGHT = 12;
const TOP = 18;
const BOTTOM = 28;

/**
 * The chart of meter `m` (an `<figure>` with the SVG, a legend and the table of its bars).
 * `id` makes the element ids unique on the page.
 */
export function meterChart(
  m: MeterSummary,
  period: { readonly from: number; readonly to: number },
  erased: readonly ErasedMark[],
  id: string,
): HTMLElement {
  const { bars, width } = barsOf(m, period.from, period.to);
  const t0 = bars[0]!.start;
  const t1 = bars.at(-1)!.end;
  const plotW = W - LEFT - RIGHT;
  const mid = TOP + (H - TOP - BOTTOM) / 2;
  const half = (H - TOP - BOTTOM) / 2;
  const max = Math.max(1, ...bars.map((b) => Math.max(b.importWh, b.exportWh)));
  const x = (t: number): number => LEFT + ((t - t0) / (t1 - t0)) * plotW;
  const barW = Math.max(plotW / bars.length, 0.5);
  const unit = width === HOUR ? 'hour' : `${width / HOUR / 24}-day run`;
  const titleId = `${id}-title`;
  const descId = `${id}-desc`;

  const parts: SVGElement[] = [
    svg('title', { id: titleId }, `Energy per ${unit} of meter ${m.meter}`),
    svg(
      'desc',
      { id: descId },
      `Import above the axis, export below, up to ${max} Wh per ${unit}. ` +
        `${m.intervalGaps.length} stretch(es) without a reading hatched, ` +
        `${erased.length} erased reading(s) marked. The table after the chart lists every ${unit}.`,
    ),
    svg(
      'defs',
      {},
      svg(
        'pattern',
        {
          id: `${id}-hatch`,
          width: 6,
          height: 6,
          patternUnits: 'userSpaceOnUse',
          patternTransform: 'rotate(45)',
        },
        svg('rect', { width: 6, height: 6, fill: '#f1f1f1' }),
        svg('line', { x1: 0, y1: 0, x2: 0, y2: 6, stroke: '#9a9a9a', 'stroke-width': 2 }),
      ),
    ),
  ];
  for (const g of m.intervalGaps) {
    parts.push(
      svg(
        'rect',
        {
          class: 'gap',
          x: x(Math.max(g.from, t0)),
          y: TOP,
          width: Math.max(1, x(Math.min(g.to, t1)) - x(Math.max(g.from, t0))),
          height: H - TOP - BOTTOM,
          fill: `url(#${id}-hatch)`,
        },
        svg('title', {}, `no reading ${iso(g.from)} .. ${iso(g.to)}`),
      ),
    );
  }
  bars.forEach((b, i) => {
    const bx = LEFT + i * (plotW / bars.length);
    if (b.importWh > 0) {
      const bh = (b.importWh / max) * half;
      parts.push(
        svg(
          'rect',
          { class: 'import', x: bx, y: mid - bh, width: barW, height: bh, fill: '#1f5fbf' },
          svg('title', {}, `${iso(b.start)}: import ${b.importWh} Wh`),
        ),
      );
    }
    if (b.exportWh > 0) {
      const bh = (b.exportWh / max) * half;
      parts.push(
        svg(
          'rect',
          { class: 'export', x: bx, y: mid, width: barW, height: bh, fill: '#b85c00' },
          svg('title', {}, `${iso(b.start)}: export ${b.exportWh} Wh`),
        ),
      );
    }
  });
  for (const e of erased) {
    const ex = x(Math.min(Math.max(e.at, t0), t1));
    parts.push(
      svg(
        'g',
        { class: 'erased' },
        svg('line', {
          x1: ex,
          y1: TOP,
          x2: ex,
          y2: H - BOTTOM,
          stroke: '#b00020',
          'stroke-dasharray': '3 3',
        }),
        svg('path', {
          d: `M${ex - 6} ${TOP - 10} L${ex + 6} ${TOP - 10} L${ex} ${TOP} Z`,
          fill: '#b00020',
        }),
        svg('title', {}, `erased reading, entry ${e.index}, after ${iso(e.at)}`),
      ),
    );
  }
  parts.push(
    svg('line', { x1: LEFT, y1: mid, x2: W - RIGHT, y2: mid, stroke: '#333', 'stroke-width': 1 }),
    svg('text', { x: LEFT - 6, y: TOP + 10, 'text-anchor': 'end', 'font-size': 12 }, `${max} Wh`),
    svg('text', { x: LEFT - 6, y: mid + 4, 'text-anchor': 'end', 'font-size': 12 }, '0'),
    svg('text', { x: LEFT - 6, y: H - BOTTOM, 'text-anchor': 'end', 'font-size': 12 }, `${max} Wh`),
    svg(
      'text',
      { x: LEFT - 6, y: mid - 10, 'text-anchor': 'end', 'font-size': 11, fill: '#1f5fbf' },
      'import ↑',
    ),
    svg(
      'text',
      { x: LEFT - 6, y: mid + 20, 'text-anchor': 'end', 'font-size': 11, fill: '#b85c00' },
      'export ↓',
    ),
    svg('text', { x: LEFT, y: H - 8, 'font-size': 12 }, iso(t0)),
    svg('text', { x: W - RIGHT, y: H - 8, 'text-anchor': 'end', 'font-size': 12 }, iso(t1)),
  );
  const chart = svg(
    'svg',
    {
      viewBox: `0 0 ${W} ${H}`,
      role: 'img',
      'aria-labelledby': `${titleId} ${descId}`,
      class: 'chart',
      preserveAspectRatio: 'none',
    },
    ...parts,
  );
  const legend = h(
    'ul',
    { class: 'legend' },
    h('li', {}, h('span', { class: 'swatch import', 'aria-hidden': 'true' }), 'import (1-0:1.8.0)'),
    h('li', {}, h('span', { class: 'swatch export', 'aria-hidden': 'true' }), 'export (1-0:2.8.0)'),
    h('li', {}, h('span', { class: 'swatch gap', 'aria-hidden': 'true' }), 'no reading'),
    h('li', {}, h('span', { class: 'swatch erased', 'aria-hidden': 'true' }), 'erased reading'),
  );
  const rows = bars
    .filter((b) => b.importWh > 0 || b.exportWh > 0)
    .map((b) => [iso(b.start), String(b.importWh), String(b.exportWh)]);
  return h(
    'figure',
    { class: 'meter-chart' },
    chart,
    h('figcaption', {}, legend),
    h(
      'details',
      {},
      h('summary', {}, `Energy per ${unit} as a table (${rows.length} with energy)`),
      table(
        `Energy per ${unit} of meter ${m.meter}`,
        [`${unit} from (UTC)`, 'import Wh', 'export Wh'],
        rows,
      ),
    ),
  );
}
