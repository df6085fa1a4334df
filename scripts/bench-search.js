// Benchmark of search at scale (`npm run bench:search`; not a test: nothing here is asserted).
// For each database (SQLite, then PostgreSQL on 127.0.0.1:5432) and each size (1k, 10k, 100k packages ×
// 3 versions, written straight into the database: see bench-search-data.js), it starts a registry as a
// child process and measures p50/p95 of GET /api/v1/search for a common word (~30% of packages), a rare
// word (10 packages), two words and a prefix, 200 sequential requests each, while another loop polls
// /healthz: its worst latency shows whether a search stalls the server's event loop.
// Knobs: BENCH_SIZES=1000,10000  BENCH_DATABASES=sqlite,postgres  BENCH_REQUESTS=200
//        BENCH_POSTGRES_URL (an admin URL; default postgres://postgres@127.0.0.1:5432/postgres)
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { fillPostgres, fillSqlite, QUERIES } from './bench-search-data.js';
import { REGISTRY_BIN, REPO } from './bench-lib.js';

const SIZES = (process.env.BENCH_SIZES ?? '1000,10000,100000').split(',').map(Number);
const DATABASES = (process.env.BENCH_DATABASES ?? 'sqlite,postgres').split(',');
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 200);
const ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const TARGET_MS = 50;
const IDLE_MS = 3000;
// The whole run is bounded: past this the servers are stopped, the data removed and the script fails.
const OVERALL_TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_S ?? 1200) * 1000;

const cleanups = [];
async function cleanUp() {
  while (cleanups.length > 0) await cleanups.pop()().catch((error) => console.error(`clean-up: ${error.message}`));
}
const overall = setTimeout(async () => {
  console.error(`bench:search took longer than ${OVERALL_TIMEOUT_MS / 1000} s: stopping`);
  await cleanUp();
  process.exit(1);
}, OVERALL_TIMEOUT_MS);
process.once('SIGINT', async () => {
  await cleanUp();
  process.exit(130);
});

function startRegistry(env) {
  const child = spawn(process.execPath, [REGISTRY_BIN, 'serve', '--port', '0'], { env: { PATH: process.env.PATH, FLOCK_LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.resume();
  const stopped = new Promise((resolve) => child.once('exit', resolve));
  cleanups.push(async () => {
    child.kill('SIGTERM');
    await stopped;
  });
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`the registry did not start in 60 s: ${seen}`)), 60_000);
    child.stderr.on('data', (chunk) => {
      seen += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(seen);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      } else if (seen.length > 0 && !/listening/.test(seen) && /\n/.test(seen)) process.stderr.write(chunk);
    });
    child.once('exit', (code) => reject(new Error(`the registry exited (${code}): ${seen}`)));
  });
}

async function timed(url) {
  const start = performance.now();
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  const body = await response.json();
  if (!response.ok) throw new Error(`${url}: ${response.status} ${JSON.stringify(body)}`);
  return { ms: performance.now() - start, body };
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

/** p50/p95 of each query, with /healthz polled all along (its worst latency: the longest stall). */
async function measure(url) {
  const searchUrls = Object.fromEntries(Object.entries(QUERIES).map(([kind, q]) => [kind, `${url}/api/v1/search?q=${encodeURIComponent(q)}`]));
  // Warm: compiled statements, JIT, the database's pages in memory.
  for (const searchUrl of Object.values(searchUrls)) for (let i = 0; i < 20; i++) await timed(searchUrl);
  // The same polling with no search running first: on a busy machine the scheduler alone delays answers,
  // and this anchor tells that apart from a stall caused by search.
  const idle = pollHealth(url);
  await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
  const idleHealth = await idle.stop();
  const poller = pollHealth(url);
  const results = {};
  let worstHealth;
  try {
    for (const [kind, searchUrl] of Object.entries(searchUrls)) {
      const times = [];
      let body;
      for (let i = 0; i < REQUESTS; i++) ({ ms: times[i], body } = await timed(searchUrl));
      times.sort((a, b) => a - b);
      results[kind] = { p50: percentile(times, 50), p95: percentile(times, 95), total: `${body.total}${body.capped ? '+' : ''}`, first: body.hits[0]?.name };
    }
  } finally {
    worstHealth = await poller.stop();
  }
  return { results, worstHealth, idleHealth };
}

/** Polls /healthz every 5 ms until stopped; stop() gives the worst latency seen. */
function pollHealth(url) {
  let polling = true;
  let worst = 0;
  const done = (async () => {
    while (polling) {
      worst = Math.max(worst, (await timed(`${url}/healthz`)).ms);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  return {
    async stop() {
      polling = false;
      await done;
      return worst;
    },
  };
}

async function createDatabase(name) {
  const admin = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5000 });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name}`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  cleanups.push(async () => {
    const dropper = new pg.Client({ connectionString: ADMIN_URL });
    await dropper.connect();
    await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await dropper.end();
  });
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.href;
}

async function run(database, size) {
  const depth = cleanups.length;
  const dataDir = mkdtempSync(join(tmpdir(), 'flock-bench-search-'));
  cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
  try {
    const started = performance.now();
    const env = { FLOCK_DATA_DIR: dataDir };
    if (database === 'sqlite') await fillSqlite(join(dataDir, 'flock.db'), size);
    else await fillPostgres((env.FLOCK_DATABASE_URL = await createDatabase(`flock_bench_search_${process.pid}`)), size);
    const filled = performance.now() - started;
    const url = await startRegistry(env);
    const measured = await measure(url);
    console.log(`${database} ${size} packages × 3 versions (filled in ${(filled / 1000).toFixed(1)} s), load ${loadavg()[0].toFixed(2)}`);
    for (const [kind, r] of Object.entries(measured.results)) {
      console.log(`  ${kind.padEnd(10)} p50 ${r.p50.toFixed(1).padStart(6)} ms  p95 ${r.p95.toFixed(1).padStart(6)} ms  total ${r.total}, first ${r.first}`);
    }
    console.log(`  worst /healthz during the searches: ${measured.worstHealth.toFixed(1)} ms (with no search: ${measured.idleHealth.toFixed(1)} ms)`);
    return measured;
  } finally {
    while (cleanups.length > depth) await cleanups.pop()();
  }
}

const summary = [];
const verdict = (ms) => (ms < TARGET_MS ? 'ok' : 'MISSED');
try {
  for (const database of DATABASES) {
    for (const size of SIZES) {
      const { results, worstHealth, idleHealth } = await run(database, size);
      const label = `${database} ${size >= 1000 ? `${size / 1000}k` : size}`;
      for (const [kind, r] of Object.entries(results)) {
        summary.push(`search ${label} ${kind} p50/p95: ${r.p50.toFixed(1)}/${r.p95.toFixed(1)} ms (target p95 < ${TARGET_MS} ms: ${verdict(r.p95)})`);
      }
      summary.push(`search ${label} worst /healthz during searches: ${worstHealth.toFixed(1)} ms, with no search ${idleHealth.toFixed(1)} ms (target < ${TARGET_MS} ms: ${verdict(worstHealth)})`);
    }
  }
} finally {
  await cleanUp();
  clearTimeout(overall);
}
console.log(`\n== search summary (${REQUESTS} sequential requests per query, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')})`);
for (const line of summary) console.log(line);
