/**
 * The import boundaries of docs/architecture.md ("Parts and where they live"), checked on the
 * source files themselves: every relative `import` / `export … from` / `import(…)` of every
 * .ts file under src/ and anchors/ (type-only imports included) is resolved to a file, and
 *
 * - no files import each other in a circle;
 * - src/core/ imports no file outside src/core/ (npm packages are linted separately);
 * - src/ imports anchors/ only from the composition root (src/node/) and the CLI (src/cli/),
 *   plus the exceptions named below, each with its reason;
 * - a file imports another part's files only through that part's index.ts (see `partOf`).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SCANNED = ['src', 'anchors'];

/**
 * Files outside src/node/ and src/cli/ that may import anchors/, with the reason. Keep it
 * short: each entry is a boundary not yet kept.
 */
const ANCHOR_IMPORT_EXCEPTIONS: ReadonlyMap<string, string> = new Map([
  [
    'src/metrics/anchor-metrics.ts',
    'reads the AnchorAttempt and AnchorHealth types of anchors/runner.ts (type-only); ' +
      'they belong in a module the metrics may import',
  ],
]);

/**
 * Files that may still import another part's internal files, with the reason. Keep it short:
 * each entry is a boundary not yet kept.
 */
const PART_IMPORT_EXCEPTIONS: ReadonlyMap<string, string> = new Map([]);

/** The single-file parts, imported directly. */
const SINGLE_FILE_PARTS: ReadonlySet<string> = new Set([
  'src/logger.ts',
  'src/core/bytes.ts',
  'src/core/errors.ts',
  'src/core/ed25519.ts',
]);

/**
 * The part a file belongs to: a folder directly under src/ or src/core/ (`src/ingest`,
 * `src/core/leaf`), or a single-file part (`src/logger.ts`). Files outside src/ (anchors/)
 * belong to no part.
 */
function partOf(file: string): string | undefined {
  const segments = file.split('/');
  if (segments[0] !== 'src' || segments.length < 2) return undefined;
  if (segments[1] === 'core') return segments.length === 3 ? file : segments.slice(0, 3).join('/');
  return segments.length === 2 ? file : segments.slice(0, 2).join('/');
}

/**
 * The imports that reach into another part past its index.ts, as `file → target`. Imports
 * inside a part are free; a single-file part is imported directly.
 */
function partViolations(
  edges: ReadonlyMap<string, readonly string[]>,
  exceptions: ReadonlySet<string> = new Set(),
): string[] {
  const out: string[] = [];
  for (const [file, targets] of edges) {
    if (exceptions.has(file)) continue;
    const from = partOf(file);
    for (const t of targets) {
      const to = partOf(t);
      if (to === undefined || to === from || SINGLE_FILE_PARTS.has(to)) continue;
      if (t !== `${to}/index.ts`) out.push(`${file} → ${t}`);
    }
  }
  return [...new Set(out)].sort();
}

/** Repository-relative path with forward slashes. */
function rel(file: string): string {
  return relative(ROOT, file).split(sep).join('/');
}

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...tsFiles(p));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** The relative specifiers of one file: static imports and re-exports, and `import('…')`. */
function relativeSpecifiers(source: string): string[] {
  return ts
    .preProcessFile(source, true, true)
    .importedFiles.map((f) => f.fileName)
    .filter((s) => s.startsWith('./') || s.startsWith('../'));
}

/** The file a relative specifier names, or undefined. */
function resolveSpecifier(from: string, specifier: string): string | undefined {
  const base = resolve(dirname(from), specifier);
  const candidates = [base, base.replace(/\.js$/, '.ts'), `${base}.ts`, join(base, 'index.ts')];
  return candidates.find((c) => existsSync(c) && statSync(c).isFile());
}

interface Graph {
  /** Repository-relative file → the repository-relative files it imports. */
  readonly edges: Map<string, string[]>;
  /** `file: specifier` for every relative specifier that names no file. */
  readonly unresolved: string[];
}

function importGraph(): Graph {
  const edges = new Map<string, string[]>();
  const unresolved: string[] = [];
  for (const top of SCANNED) {
    for (const file of tsFiles(join(ROOT, top))) {
      const targets: string[] = [];
      for (const s of relativeSpecifiers(readFileSync(file, 'utf8'))) {
        const target = resolveSpecifier(file, s);
        if (target === undefined) unresolved.push(`${rel(file)}: ${s}`);
        else targets.push(rel(target));
      }
      edges.set(rel(file), targets);
    }
  }
  return { edges, unresolved };
}

/** The import circles: strongly connected components of more than one file, or a self-import. */
function importCircles(edges: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const circles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (edges.get(v) ?? []).includes(v)) {
        circles.push(component.sort());
      }
    }
  };
  for (const v of [...edges.keys()].sort()) if (!index.has(v)) visit(v);
  return circles;
}

describe('import boundaries', () => {
  const { edges, unresolved } = importGraph();

  it('scans the source tree', () => {
    expect(edges.size).toBeGreaterThan(100);
    expect(unresolved, 'relative imports that name no file').toEqual([]);
  });

  it('has no import circles', () => {
    const circles = importCircles(edges);
    const report = circles.map((c) => `circle: ${c.join(' ⇄ ')}`).join('\n');
    expect(circles, report).toEqual([]);
  });

  it('finds a circle when there is one', () => {
    const planted = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', ['a.ts']],
    ]);
    expect(importCircles(planted)).toEqual([['a.ts', 'b.ts', 'c.ts']]);
    expect(
      relativeSpecifiers("import type { A } from './a.ts';\nawait import('../b.ts');"),
    ).toEqual(['./a.ts', '../b.ts']);
  });

  it('keeps src/core/ free of imports from outside it', () => {
    const outside: string[] = [];
    for (const [file, targets] of edges) {
      if (!file.startsWith('src/core/')) continue;
      for (const t of targets) if (!t.startsWith('src/core/')) outside.push(`${file} → ${t}`);
    }
    expect(outside).toEqual([]);
  });

  it('lets only src/node/ and src/cli/ (and the named exceptions) import anchors/', () => {
    const offenders = new Set<string>();
    for (const [file, targets] of edges) {
      if (!file.startsWith('src/') || file.startsWith('src/node/') || file.startsWith('src/cli/')) {
        continue;
      }
      if (targets.some((t) => t.startsWith('anchors/'))) offenders.add(file);
    }
    expect([...offenders].sort()).toEqual([...ANCHOR_IMPORT_EXCEPTIONS.keys()].sort());
  });

  it('imports another part only through its index.ts (save the named exceptions)', () => {
    const violations = partViolations(edges, new Set(PART_IMPORT_EXCEPTIONS.keys()));
    const report = `imports past another part's index.ts:\n${violations.join('\n')}`;
    expect(violations, report).toEqual([]);
  });

  it('finds an import past a part index when there is one', () => {
    const planted = new Map([
      ['src/ingest/pipeline.ts', ['src/core/leaf/leaf.ts', 'src/ingest/rules.ts']],
      ['src/api/app.ts', ['src/core/leaf/index.ts', 'src/logger.ts', 'src/core/bytes.ts']],
      ['anchors/witness/witness.ts', ['src/core/merkle/verify.ts', 'anchors/store.ts']],
      ['src/core/leaf/leaf.ts', ['src/core/merkle/index.ts', 'src/core/bytes.ts']],
    ]);
    expect(partViolations(planted)).toEqual([
      'anchors/witness/witness.ts → src/core/merkle/verify.ts',
      'src/ingest/pipeline.ts → src/core/leaf/leaf.ts',
    ]);
    expect(partOf('src/core/leaf/leaf.ts')).toBe('src/core/leaf');
    expect(partOf('src/api/routes/log.ts')).toBe('src/api');
    expect(partOf('src/logger.ts')).toBe('src/logger.ts');
    expect(partOf('anchors/store.ts')).toBeUndefined();
  });
});
