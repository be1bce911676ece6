#!/usr/bin/env node
// `wattproof`: runs the prebuilt command line in dist/cli/ (`npm run build:cli`) while it was
// built from the sources as they are, else the TypeScript sources through tsx's loader; both
// run src/cli/main.ts, which runs itself when imported (docs/cli.md).
import process from 'node:process';
import { dirname } from 'node:path';
import { choosePrebuilt } from './prebuilt.js';

const { entry } = choosePrebuilt(dirname(import.meta.dirname));
if (entry !== undefined) {
  // Stack traces name the TypeScript sources, as they do through the loader.
  process.setSourceMapsEnabled(true);
  await import(entry);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
