/**
 * `npm run bench [-- <name> [--quick]]`: runs the named benchmark (all when none is named),
 * prints a table and writes bench/results/<name>.json. Never part of `npm test`.
 */
const benches: Record<string, () => Promise<{ main: (args: readonly string[]) => Promise<void> }>> =
  {
    log: () => import('./log.ts'),
    ingest: () => import('./ingest.ts'),
    bundle: () => import('./bundle.ts'),
    browser: () => import('./browser.ts'),
    index: () => import('./index.ts'),
  };

const args = process.argv.slice(2);
const named = args.filter((a) => !a.startsWith('--'));
const unknown = named.filter((n) => !(n in benches));
if (unknown.length > 0) {
  console.error(
    `unknown benchmark ${unknown.join(', ')}; choose from: ${Object.keys(benches).join(', ')}`,
  );
  process.exit(2);
}
for (const name of named.length > 0 ? named : Object.keys(benches)) {
  await (await benches[name]!()).main(args.filter((a) => a.startsWith('--')));
}
