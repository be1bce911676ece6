/**
 * What the browser test loads into the page: the pure-core verifier and certify, bundled by
 * esbuild for `platform: 'browser'` (a `node:` import anywhere below fails that build).
 */
import { verifyBundle } from '../../src/core/bundle/index.ts';
import { bundleSha256, certifyBundle } from '../../src/core/certify/index.ts';

(globalThis as Record<string, unknown>)['wattproof'] = {
  verifyBundle,
  certifyBundle,
  bundleSha256,
};
