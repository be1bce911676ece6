/** The public face of src/web/: what other parts import from it. */
export { PageBuildError, buildVerifierPage, packageRoot } from './build-page.ts';
