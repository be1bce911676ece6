/** Small helpers for the benchmarks: timing, percentiles, a printed table and a JSON record. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** One measured figure. */
export interface Figure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly note?: string;
}

/** The p-th percentile (0..100) of `samples` (nearest rank). */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** Prints figures as an aligned table. */
export function printTable(title: string, figures: readonly Figure[]): void {
  const w = Math.max(...figures.map((f) => f.name.length));
  console.log(`\n${title}`);
  console.log('-'.repeat(title.length));
  for (const f of figures) {
    const v = Number.isInteger(f.value)
      ? f.value.toLocaleString('en-US')
      : f.value.toFixed(f.value < 10 ? 3 : 1);
    console.log(
      `${f.name.padEnd(w)}  ${v.padStart(14)} ${f.unit}${f.note ? `   (${f.note})` : ''}`,
    );
  }
}

/** Writes `bench/results/<name>.json` with the figures and the machine it ran on. */
export async function writeResults(
  name: string,
  figures: readonly Figure[],
  params: object,
): Promise<string> {
  const os = await import('node:os');
  const dir = join(import.meta.dirname, 'results');
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${name}.json`);
  const record = {
    name,
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    cpu: os.cpus()[0]?.model,
    params,
    figures,
  };
  await writeFile(file, JSON.stringify(record, null, 2) + '\n');
  return file;
}

/** Milliseconds since `t0` (a `performance.now()` value). */
export function since(t0: number): number {
  return performance.now() - t0;
}
