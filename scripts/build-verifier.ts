/**
 * `npm run build:verifier [-- --out FILE]`: writes the verifier page as one self-contained
 * HTML file (default `dist/verifier.html`) that an auditor can keep and open from disk, with
 * no network request at all (docs/verifier.md).
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildVerifierPage } from '../src/web/build-page.ts';

const { values } = parseArgs({ options: { out: { type: 'string' } }, strict: true });
const out = resolve(values.out ?? 'dist/verifier.html');
const html = await buildVerifierPage();
await mkdir(dirname(out), { recursive: true });
const tmp = `${out}.${process.pid}.tmp`;
await writeFile(tmp, html);
await rename(tmp, out);
process.stdout.write(`wrote ${out} (${html.length} bytes)\n`);
