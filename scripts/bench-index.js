// Benchmark of the sparse index's hot path (`npm run bench:index`; not a test: nothing here is asserted).
// On 127.0.0.1, with autocannon (50 connections, 10 s each), it measures warm GET /index/:org/:name for a
// public package, for a private package with a member's read token, and a bare node:http server answering
// the same bytes from memory as the ceiling (each measured twice, see below). The registry and the bare
// server run as child processes so autocannon does not share their event loop.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REGISTRY_BIN, CONNECTIONS, boundInTime, mean, pct, pinSelf, printSummary, publish, run as runOnce, startChild, waitForLine } from './bench-lib.js';

// BENCH_SECONDS shortens runs for a quick look; the reported benchmark uses 10.
const DURATION_S = Number(process.env.BENCH_SECONDS ?? 10);
// Every scenario first runs this long unmeasured, so each server is measured warm: JIT-compiled,
// not only with its caches filled. Without it the registry often settles in a slower state for the
// whole run: `perf record` shows V8 building Node's own nextTick objects through its slow runtime path
// (map transitions and migrations) on every request, about 2 µs more per request.
// BENCH_WARMUP=0 shows that state.
const WARMUP_S = Number(process.env.BENCH_WARMUP ?? 3);
const PIN = process.argv[2] !== '--bare' && pinSelf();
const run = (title, url, pid, headers = {}, duration = DURATION_S) => runOnce(title, url, pid, { headers, duration });

// Child mode: a bare node:http server answering one body with the index's headers.
if (process.argv[2] === '--bare') {
  const body = readFileSync(process.argv[3]);
  const headers = JSON.parse(process.argv[4]);
  const server = createServer((_req, res) => {
    res.writeHead(200, headers);
    res.end(body);
  });
  server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
} else {
  await main();
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'flock-bench-'));
  const env = { FLOCK_DATA_DIR: dataDir, FLOCK_LOG_LEVEL: 'warn' };
  const operator = (...args) => execFileSync(process.execPath, [REGISTRY_BIN, ...args], { env: { PATH: process.env.PATH, ...env } }).toString().trim();
  const children = [];
  const cleanUp = () => {
    for (const child of children) child.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  };
  // Seven runs plus warm-ups, with a minute to spare for start-up and publishing.
  boundInTime(7 * DURATION_S + 3 * WARMUP_S + 60, cleanUp);
  try {
    operator('user', 'add', 'acme');
    operator('user', 'add', 'mia');
    operator('org', 'add-member', 'acme', 'mia');
    const ownerToken = operator('token', 'create', '--user', 'acme');
    const readToken = operator('token', 'create', '--user', 'mia', '--scopes', 'read');

    const registry = startChild([REGISTRY_BIN, 'serve', '--port', '0'], env, PIN);
    children.push(registry);
    const [, url] = await waitForLine(registry.stderr, /listening on (http:\/\/\S+)/);
    for (const version of ['1.0.0', '1.1.0', '1.2.0', '2.0.0']) {
      await publish(url, ownerToken, { org: 'acme', name: 'open', version, visibility: 'public' });
      await publish(url, ownerToken, { org: 'acme', name: 'secret', version, visibility: 'private' });
    }
    const publicUrl = `${url}/index/acme/open`;
    const privateUrl = `${url}/index/acme/secret`;
    const member = { authorization: `Bearer ${readToken}` };
    // Warm both entries (and the token and membership caches), and keep the bytes for the bare server.
    const warm = await fetch(publicUrl);
    const body = Buffer.from(await warm.arrayBuffer());
    if ((await fetch(privateUrl, { headers: member })).status !== 200) throw new Error('the member cannot read the private index');
    const bodyFile = join(dataDir, 'index-body');
    writeFileSync(bodyFile, body);
    // The registry's own headers (all but those node:http adds itself), content-length included, so the
    // bare server sends the very same bytes (without a length node:http would answer chunked).
    const headers = Object.fromEntries([...warm.headers].filter(([name]) => !['date', 'connection', 'keep-alive'].includes(name)));
    const bare = startChild([fileURLToPath(import.meta.url), '--bare', bodyFile, JSON.stringify(headers)], {}, PIN);
    children.push(bare);
    const [, barePort] = await waitForLine(bare.stdout, /^(\d+)\n/);

    // Two rounds in mirrored order (bare, public, private, then private, public, bare) so a drift in
    // the machine's load during the run weighs on all three alike; each figure is the mean of its two runs.
    const scenarios = {
      bare: (duration) => run('bare', `http://127.0.0.1:${barePort}/index/acme/open`, bare.pid, {}, duration),
      public: (duration) => run('public', publicUrl, registry.pid, {}, duration),
      private: (duration) => run('private', privateUrl, registry.pid, member, duration),
    };
    if (WARMUP_S > 0) for (const warmup of Object.values(scenarios)) await warmup(WARMUP_S);
    const results = { bare: [], public: [], private: [] };
    const order = process.env.BENCH_ORDER?.split(',') ?? ['bare', 'public', 'private', 'private', 'public', 'bare'];
    for (const name of order) {
      const { rps, cpuUs } = await scenarios[name]();
      results[name].push(rps);
      console.log(`  ${name.padEnd(8)} ${rps.toFixed(0).padStart(6)} req/s   ${cpuUs.toFixed(1)} µs of server CPU per request`);
    }
    const [bareRps, publicRps, privateRps] = [mean(results.bare), mean(results.public), mean(results.private)];
    console.log(`index body: ${body.length} bytes, ${CONNECTIONS} connections, ${DURATION_S} s per run after a ${WARMUP_S} s warm-up, mean of two runs each${PIN ? ', servers pinned to one core' : ''}`);
    console.log(`bare node:http          ${bareRps.toFixed(0)} req/s`);
    console.log(`public index            ${publicRps.toFixed(0)} req/s`);
    console.log(`private index + token   ${privateRps.toFixed(0)} req/s`);
    console.log(`public / bare           ${pct(publicRps, bareRps)} (target >= 80%)`);
    console.log(`private / public        ${pct(privateRps, publicRps)} (target >= 50%)`);
    const verdict = (ratio, floor) => (ratio >= floor ? 'ok' : 'MISSED');
    printSummary('index', [
      `public index / bare node:http: ${pct(publicRps, bareRps)} (target >= 80%: ${verdict(publicRps / bareRps, 0.8)})`,
      `private index / public index: ${pct(privateRps, publicRps)} (target >= 50%: ${verdict(privateRps / publicRps, 0.5)})`,
    ]);
  } finally {
    cleanUp();
  }
}
