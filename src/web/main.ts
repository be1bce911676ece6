/**
 * The verifier page (docs/verifier.md): the auditor gives the keys they trust and a bundle,
 * and sees the verdict of `verifyBundleAsync` at once, with the figures, the chart and the
 * certificate figures of a valid bundle. Plain DOM; everything runs in this page, offline,
 * except the online step, which runs only when asked.
 */
import { verifyBundleAsync, type Verdict, type VerifyPolicy } from '../core/bundle/index.ts';
import { CertifyError, type Certification } from '../core/certify/index.ts';
import { certificationOf, certificationView } from './certificate-view.ts';
import { byId, download, h } from './dom.ts';
import { BundleLoadError, readBundleBlob } from './load-bundle.ts';
import { checkOnline, nodeBase } from './online-check.ts';
import { createBrowserChecker } from './signature-checker.ts';
import { parseTrustFile, policyOf, trustFileText, TrustError } from './trust.ts';
import {
  checkedView,
  metersView,
  refusalView,
  validHead,
  type ValidVerdict,
} from './verdict-view.ts';

const logKey = byId<HTMLInputElement>('log-key');
const witnessKeys = byId<HTMLTextAreaElement>('witness-keys');
const minWitnesses = byId<HTMLInputElement>('min-witnesses');
const trustFile = byId<HTMLInputElement>('trust-file');
const dropZone = byId<HTMLButtonElement>('drop-zone');
const bundleFile = byId<HTMLInputElement>('bundle-file');
const fileName = byId('file-name');
const progressBox = byId('progress-box');
const progress = byId<HTMLProgressElement>('progress');
const progressLabel = byId('progress-label');
const verdictBox = byId('verdict');
const results = byId('results');
const certificateSection = byId('certificate-section');
const emissionFactor = byId<HTMLInputElement>('emission-factor');
const certificate = byId('certificate');
const nodeUrl = byId<HTMLInputElement>('node-url');
const onlineButton = byId<HTMLButtonElement>('online-check');
const onlineResult = byId('online-result');

const FIELDS = ['log-key', 'witness-keys', 'min-witnesses', 'trust-file'] as const;

/** What the page holds: the bundle bytes, and the last verdict with its policy. */
let bundle: { name: string; bytes: Uint8Array } | undefined;
let checked: { verdict: ValidVerdict; policy: VerifyPolicy; bytes: Uint8Array } | undefined;
let certification: Certification | undefined;
let run = 0;

function fieldError(field: (typeof FIELDS)[number], message: string): void {
  byId(`${field}-error`).textContent = message;
  const input = document.getElementById(field);
  if (input !== null && field !== 'trust-file') {
    if (message === '') input.removeAttribute('aria-invalid');
    else input.setAttribute('aria-invalid', 'true');
  }
}

function clearFieldErrors(): void {
  for (const f of FIELDS) fieldError(f, '');
}

/** The policy of the form, or undefined with the field at fault marked. */
function formPolicy(): VerifyPolicy | undefined {
  clearFieldErrors();
  try {
    return policyOf(logKey.value, witnessKeys.value, minWitnesses.value);
  } catch (e) {
    if (!(e instanceof TrustError)) throw e;
    fieldError(e.field, e.message);
    return undefined;
  }
}

/** Final verdicts shown so far (`data-checks`: a script or a test can wait for the next). */
let shown = 0;

function showVerdict(state: 'valid' | 'invalid' | 'error' | 'waiting', ...content: Node[]): void {
  verdictBox.dataset['verdict'] = state;
  verdictBox.replaceChildren(...content);
  if (state !== 'waiting') verdictBox.dataset['checks'] = String(++shown);
}

function setProgress(label: string, value?: number): void {
  progressBox.hidden = false;
  progressLabel.textContent = label;
  if (value === undefined) progress.removeAttribute('value');
  else progress.value = value;
}

/** Lets the browser draw before the synchronous part of the verification starts. */
function nextFrame(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}

/** Meters of the bundle's erased entries (only read when the verdict has some). */
function erasedMeters(v: ValidVerdict, bytes: Uint8Array): Map<number, string> {
  const out = new Map<number, string>();
  if (v.erased.length === 0) return out;
  const doc = JSON.parse(new TextDecoder().decode(bytes)) as {
    entries: { index: number; erased?: boolean; meter?: string }[];
  };
  for (const e of doc.entries) {
    if (e.erased === true && typeof e.meter === 'string') out.set(e.index, e.meter);
  }
  return out;
}

function renderCertificate(): void {
  if (checked === undefined) return;
  try {
    certification = certificationOf(checked.verdict, checked.bytes, emissionFactor.value);
    emissionFactor.removeAttribute('aria-invalid');
    byId('emission-factor-error').textContent = '';
    certificate.replaceChildren(certificationView(certification));
  } catch (e) {
    if (!(e instanceof CertifyError)) throw e;
    certification = undefined;
    if (e.code === 'BAD_EMISSION_FACTOR') {
      emissionFactor.setAttribute('aria-invalid', 'true');
      byId('emission-factor-error').textContent = e.message;
    } else {
      certificate.replaceChildren(h('p', { class: 'bad' }, `no figures: ${e.code}: ${e.message}`));
    }
  }
}

function renderVerdict(v: Verdict, policy: VerifyPolicy, bytes: Uint8Array): void {
  results.replaceChildren();
  onlineResult.replaceChildren();
  if (!v.valid) {
    checked = undefined;
    certification = undefined;
    results.hidden = true;
    certificateSection.hidden = true;
    onlineButton.disabled = true;
    verdictBox.dataset['code'] = v.code;
    showVerdict(v.code === 'VERIFIER_ERROR' ? 'error' : 'invalid', ...refusalView(v));
    return;
  }
  checked = { verdict: v, policy, bytes };
  delete verdictBox.dataset['code'];
  showVerdict('valid', ...validHead(v));
  results.append(
    checkedView(v, policy.witnessVkeys?.length ?? 0),
    metersView(v, erasedMeters(v, bytes)),
  );
  results.hidden = false;
  certificateSection.hidden = false;
  onlineButton.disabled = false;
  renderCertificate();
}

/** The form's trust fields as one text, to tell whether they changed since the last check. */
function trustText(): string {
  return JSON.stringify([logKey.value.trim(), witnessKeys.value.trim(), minWitnesses.value.trim()]);
}

/** {@link trustText} at the last check of a bundle. */
let lastTrust: string | undefined;

/** Verifies the bundle held under the form's trust, showing progress, then the verdict. */
async function verify(): Promise<void> {
  if (bundle === undefined) return;
  const mine = ++run;
  lastTrust = trustText();
  const policy = formPolicy();
  if (policy === undefined) {
    showVerdict(
      'waiting',
      h('p', {}, 'Give the trusted keys above (the log key at least) to check this bundle.'),
    );
    return;
  }
  const { bytes } = bundle;
  setProgress('Checking the checkpoint, the proofs and the registry…');
  showVerdict('waiting', h('p', {}, `Checking ${bundle.name}…`));
  await nextFrame();
  let verdict: Verdict;
  const checker = createBrowserChecker((done, total) => {
    if (mine === run) setProgress(`Checking reading signatures: ${done} of ${total}`, done / total);
  });
  try {
    verdict = await verifyBundleAsync(bytes, policy, checker);
  } catch (e) {
    checker.close();
    if (mine !== run) return;
    progressBox.hidden = true;
    showVerdict(
      'error',
      h('p', { class: 'verdict-head', id: 'verdict-head' }, 'ERROR'),
      h('p', {}, `The verifier itself failed (not a verdict on the bundle): ${String(e)}`),
    );
    return;
  }
  // Who checked the signatures (workers, WebCrypto, @noble), for a script or a test to read.
  verdictBox.dataset['signatures'] = JSON.stringify(checker.stats());
  checker.close();
  if (mine !== run) return;
  progressBox.hidden = true;
  renderVerdict(verdict, policy, bytes);
  verdictBox.focus();
}

async function takeBundle(file: File): Promise<void> {
  fileName.textContent = `${file.name} (${file.size} bytes)`;
  setProgress('Reading the file…');
  try {
    bundle = { name: file.name, bytes: await readBundleBlob(file) };
  } catch (e) {
    if (!(e instanceof BundleLoadError)) throw e;
    bundle = undefined;
    progressBox.hidden = true;
    showVerdict('error', h('p', { class: 'verdict-head' }, 'UNREADABLE'), h('p', {}, e.message));
    return;
  }
  await verify();
}

async function loadTrust(file: File): Promise<void> {
  clearFieldErrors();
  let policy: VerifyPolicy;
  try {
    policy = parseTrustFile(await file.text());
  } catch (e) {
    if (!(e instanceof TrustError)) throw e;
    fieldError('trust-file', `${file.name}: ${e.message}`);
    return;
  }
  logKey.value = policy.logVkey;
  witnessKeys.value = (policy.witnessVkeys ?? []).join('\n');
  minWitnesses.value = String(policy.minWitnesses ?? 0);
  await verify();
}

function wire(): void {
  if (location.protocol === 'http:' || location.protocol === 'https:') {
    nodeUrl.value = location.origin;
  }
  byId('trust-load').addEventListener('click', () => trustFile.click());
  trustFile.addEventListener('change', () => {
    const f = trustFile.files?.[0];
    trustFile.value = '';
    if (f !== undefined) void loadTrust(f);
  });
  byId('trust-save').addEventListener('click', () => {
    const policy = formPolicy();
    if (policy !== undefined) download('wattproof-trust.json', trustFileText(policy));
  });
  // A changed key checks the bundle again; a field that merely loses the focus does not.
  for (const input of [logKey, witnessKeys, minWitnesses]) {
    input.addEventListener('change', () => {
      if (trustText() !== lastTrust) void verify();
    });
  }
  dropZone.addEventListener('click', () => bundleFile.click());
  bundleFile.addEventListener('change', () => {
    const f = bundleFile.files?.[0];
    bundleFile.value = '';
    if (f !== undefined) void takeBundle(f);
  });
  dropZone.addEventListener('dragover', (e) => {
    e.preventDefault();
    dropZone.classList.add('over');
  });
  dropZone.addEventListener('dragleave', () => dropZone.classList.remove('over'));
  dropZone.addEventListener('drop', (e) => {
    e.preventDefault();
    dropZone.classList.remove('over');
    const f = e.dataTransfer?.files[0];
    if (f !== undefined) void takeBundle(f);
  });
  // A file dropped beside the zone is not opened as a page (it would leave the verifier).
  document.addEventListener('dragover', (e) => e.preventDefault());
  document.addEventListener('drop', (e) => e.preventDefault());
  emissionFactor.addEventListener('input', renderCertificate);
  byId('download-cert').addEventListener('click', () => {
    if (certification === undefined) return;
    download(
      `certification-${certification.evidenceSha256.slice(0, 12)}.json`,
      `${JSON.stringify(certification, null, 2)}\n`,
    );
  });
  onlineButton.addEventListener('click', () => void online());
}

async function online(): Promise<void> {
  if (checked === undefined) return;
  let base: string;
  try {
    base = nodeBase(nodeUrl.value);
  } catch (e) {
    onlineResult.replaceChildren(
      h('p', { class: 'bad' }, `not a node URL: ${(e as Error).message}`),
    );
    return;
  }
  onlineResult.replaceChildren(h('p', {}, `Asking ${base}…`));
  const v = checked.verdict;
  const outcome = await checkOnline(
    base,
    { origin: v.origin, treeSize: v.treeSize, root: v.root },
    checked.policy.logVkey,
    (url) => fetch(url, { cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer' }),
  );
  onlineResult.dataset['outcome'] = outcome.ok ? 'ok' : outcome.code;
  onlineResult.replaceChildren(
    h(
      'p',
      { class: outcome.ok ? 'ok' : 'bad' },
      outcome.ok ? 'IN THE LOG: ' : `NOT CONFIRMED (${outcome.code}): `,
      outcome.message,
    ),
  );
}

wire();
