/**
 * Reader of the map's published vector files (test/vectors/vmap/*.txt, torchwood `mpt/testdata`):
 * `word VALUE` lines, `#` comments and blank lines skipped, a trailing `\` continuing a line onto
 * the next, `''` for empty bytes, spaces allowed inside hex.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromHex } from '../../../src/core/bytes.ts';

/** One logical line of a vector file. */
export interface VectorLine {
  readonly word: string;
  readonly arg: string;
  /** 1-based number of the line it starts on. */
  readonly line: number;
}

/** The logical lines of `test/vectors/vmap/<name>`. */
export function readVectorFile(name: string): VectorLine[] {
  const text = readFileSync(join(import.meta.dirname, '../../vectors/vmap', name), 'utf8');
  const raw = text.split('\n');
  const out: VectorLine[] = [];
  for (let i = 0; i < raw.length; i++) {
    const start = i;
    let line = raw[i]!;
    if (line === '' || line.startsWith('#')) continue;
    while (line.endsWith('\\')) line = line.slice(0, -1) + ' ' + raw[++i]!;
    const space = line.indexOf(' ');
    out.push({ word: line.slice(0, space), arg: line.slice(space + 1).trim(), line: start + 1 });
  }
  return out;
}

/** Bytes of a vector argument: hex with optional spaces, or `''` for none. */
export function hexArg(arg: string): Uint8Array {
  return arg === "''" ? new Uint8Array(0) : fromHex(arg.replace(/\s+/g, ''));
}
