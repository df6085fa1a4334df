// Benchmark of the operators' tools (`npm run bench:ops`; not a test: nothing here is asserted).
// On 127.0.0.1, SQLite and a blob folder: publishes BENCH_VERSIONS versions (default 1,000), then times
// `flock-registry fsck`, `gc --dry-run`, `backup` and `restore` (the real binary, wall time); measures how
// long webhooks take to deliver 200 publishes to a receiver on 127.0.0.1; and, with autocannon, the sparse
// index served directly and through a mirror (FLOCK_UPSTREAM), whose every answer is revalidated upstream.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { REGISTRY_BIN, boundInTime, pinSelf, printSummary, publish, run, startChild, waitForLine } from './bench-lib.js';

const VERSIONS = Number(process.env.BENCH_VERSIONS ?? 1000);
const DURATION_S = Number(process.env.BENCH_SECONDS ?? 5);
const PACKAGES = 100;
const WEBHOOK_EVENTS = 200;

const dataDir = mkdtempSync(join(tmpdir(), 'flock-bench-ops-'));
const env = (name) => ({ FLOCK_DATA_DIR: join(dataDir, name), FLOCK_LOG_LEVEL: 'warn', FLOCK_PUBLISHES_PER_HOUR: '1000000', FLOCK_WEBHOOK_PRIVATE_TARGETS: '1' });
const children = [];
let receiver = null;
const cleanUp = () => {
  for (const child of children) child.kill('SIGTERM');
  receiver?.close();
  rmSync(dataDir, { recursive: true, force: true });
};
boundInTime(600, cleanUp);

/** Runs an operator command on `name`'s data folder; returns its wall time in ms and its stdout. */
function timed(name, args, extraEnv = {}) {
  const started = performance.now();
  let stdout = '';
  try {
    stdout = execFileSync(process.execPath, [REGISTRY_BIN, ...args], { env: { PATH: process.env.PATH, ...env(name), ...extraEnv } }).toString();
  } catch (error) {
    // fsck exits 1 on problems; that is a finding here, not a failure of the bench.
    stdout = String(error.stdout ?? '');
    if (error.status !== 1) throw error;
  }
  return { ms: performance.now() - started, stdout };
}

async function startRegistry(name, extraEnv = {}, pin = false) {
  const child = startChild([REGISTRY_BIN, 'serve', '--port', '0'], { ...env(name), ...extraEnv }, pin);
  children.push(child);
  const [, url] = await waitForLine(child.stderr, /listening on (http:\/\/\S+)/);
  return { url, child };
}

try {
  const pin = pinSelf();
  const operator = (...args) => execFileSync(process.execPath, [REGISTRY_BIN, ...args], { env: { PATH: process.env.PATH, ...env('main') } }).toString().trim();
  operator('user', 'add', 'acme');
  const token = operator('token', 'create', '--user', 'acme', '--scopes', 'publish,yank,read,manage');
  const main = await startRegistry('main');

  let started = performance.now();
  for (let i = 0; i < VERSIONS; i++) {
    await publish(main.url, token, { org: 'acme', name: `pkg${i % PACKAGES}`, version: `1.0.${Math.floor(i / PACKAGES)}` });
  }
  const publishMs = performance.now() - started;
  console.log(`published ${VERSIONS} versions in ${(publishMs / 1000).toFixed(1)} s (${(VERSIONS / (publishMs / 1000)).toFixed(0)}/s)`);

  // Webhooks: a receiver that answers 200; the time from the first publish to the last delivery.
  const received = [];
  let allIn;
  const done = new Promise((resolve) => (allIn = resolve));
  receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received.push(performance.now());
      res.end('ok');
      if (received.length === WEBHOOK_EVENTS) allIn();
    });
  });
  await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const hook = await fetch(`${main.url}/api/v1/orgs/acme/webhooks`, {
    method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ url: `http://127.0.0.1:${receiver.address().port}/hook`, events: ['publish'] }),
  });
  if (hook.status !== 201) throw new Error(`webhook: ${hook.status} ${await hook.text()}`);
  started = performance.now();
  for (let i = 0; i < WEBHOOK_EVENTS; i++) await publish(main.url, token, { org: 'acme', name: 'hooked', version: `2.0.${i}` });
  const publishedAt = performance.now();
  await done;
  const webhookMs = received.at(-1) - started;
  const lagMs = received.at(-1) - publishedAt;
  console.log(`webhooks: ${WEBHOOK_EVENTS} publishes delivered in ${(webhookMs / 1000).toFixed(2)} s from the first publish; the last ${lagMs.toFixed(0)} ms after the last publish`);

  const total = VERSIONS + WEBHOOK_EVENTS;
  const fsck = timed('main', ['fsck']);
  console.log(`fsck of ${total} archives: ${fsck.ms.toFixed(0)} ms — ${fsck.stdout.trim().split('\n').at(-1)}`);
  const gc = timed('main', ['gc', '--dry-run']);
  console.log(`gc --dry-run: ${gc.ms.toFixed(0)} ms`);
  const backup = timed('main', ['backup', join(dataDir, 'backup')]);
  console.log(`backup: ${backup.ms.toFixed(0)} ms`);
  // Restore into an empty database beside the same blob folder.
  const restore = timed('restored', ['restore', join(dataDir, 'backup')], { FLOCK_BLOB_STORE: `file://${join(dataDir, 'main', 'blobs')}` });
  console.log(`restore (then fsck): ${restore.ms.toFixed(0)} ms`);

  // The index directly and through a mirror that revalidates every answer upstream (If-None-Match → 304).
  await fetch(`${main.url}/index/acme/pkg1`);
  const mirror = await startRegistry('mirror', { FLOCK_UPSTREAM: main.url }, pin);
  const first = await fetch(`${mirror.url}/index/acme/pkg1`);
  if (first.status !== 200) throw new Error(`mirror index: ${first.status}`);
  const direct = await run('index direct', `${main.url}/index/acme/pkg1`, main.child.pid, { duration: DURATION_S });
  const mirrored = await run('index through the mirror', `${mirror.url}/index/acme/pkg1`, mirror.child.pid, { duration: DURATION_S });
  console.log(`index direct: ${direct.rps.toFixed(0)} req/s; through the mirror: ${mirrored.rps.toFixed(0)} req/s (${mirrored.cpuUs.toFixed(0)} µs of mirror CPU per request)`);

  printSummary('ops', [
    `publish: ${(VERSIONS / (publishMs / 1000)).toFixed(0)}/s`,
    `webhooks: ${WEBHOOK_EVENTS} in ${(webhookMs / 1000).toFixed(2)} s, last ${lagMs.toFixed(0)} ms after its publish`,
    `fsck ${total} versions: ${fsck.ms.toFixed(0)} ms`,
    `gc --dry-run: ${gc.ms.toFixed(0)} ms`,
    `backup: ${backup.ms.toFixed(0)} ms; restore+fsck: ${restore.ms.toFixed(0)} ms`,
    `index direct ${direct.rps.toFixed(0)} req/s, via mirror ${mirrored.rps.toFixed(0)} req/s`,
  ]);
} finally {
  cleanUp();
}
