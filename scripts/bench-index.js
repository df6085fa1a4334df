// Benchmark of the sparse index's hot path (`npm run bench:index`; not a test: nothing here is asserted).
// On 127.0.0.1, with autocannon (50 connections, 10 s each), it measures warm GET /index/:org/:name for a
// public package, for a private package with a member's read token, and a bare node:http server answering
// the same bytes from memory as the ceiling (each measured twice, see below). The registry and the bare
// server run as child processes so autocannon does not share their event loop.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { availableParallelism, tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { packArchive, parseManifest, renderManifest } from '../packages/core/dist/index.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');
const REGISTRY_BIN = join(REPO, 'packages/registry/bin/flock-registry.js');
const CONNECTIONS = 50;
// BENCH_SECONDS shortens runs for a quick look; the reported benchmark uses 10.
const DURATION_S = Number(process.env.BENCH_SECONDS ?? 10);
// Every scenario first runs this long unmeasured, so each server is measured warm: JIT-compiled,
// not only with its caches filled. Without it the registry often settles in a slower state for the
// whole run: `perf record` shows V8 building Node's own nextTick objects through its slow runtime path
// (map transitions and migrations) on every request, about 2 µs more per request.
// BENCH_WARMUP=0 shows that state.
const WARMUP_S = Number(process.env.BENCH_WARMUP ?? 3);

// On two or more cores the servers get one core to themselves and autocannon (this process) another,
// so the scheduler does not move them about between runs. BENCH_PIN=0 turns this off.
// Without taskset (util-linux) it runs unpinned.
const PIN = process.env.BENCH_PIN !== '0' && availableParallelism() >= 2 && process.argv[2] !== '--bare' && pinSelf();

function pinSelf() {
  try {
    execFileSync('taskset', ['-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    console.log('taskset failed: running unpinned');
    return false;
  }
}

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

function startChild(args, env) {
  const [command, argv] = PIN ? ['taskset', ['-c', '1', process.execPath, ...args]] : [process.execPath, args];
  const child = spawn(command, argv, { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  // Whatever a child says after it is ready goes to our stderr, so a crash is seen (and no pipe fills up).
  child.stderr.on('data', (chunk) => process.stderr.write(chunk));
  child.stdout.resume();
  return child;
}

function waitForLine(stream, pattern) {
  return new Promise((resolve, reject) => {
    let seen = '';
    stream.on('data', (chunk) => {
      seen += chunk.toString();
      const match = pattern.exec(seen);
      if (match) resolve(match);
    });
    stream.on('end', () => reject(new Error(`child ended before ${pattern}: ${seen}`)));
  });
}

async function publish(url, token, org, name, version, visibility) {
  const manifest = renderManifest(parseManifest(`[package]\nname = "${name}"\nversion = "${version}"\norg = "${org}"\nvisibility = "${visibility}"\ndescription = "Benchmark package"\n`));
  const archive = await packArchive({ root: `${name}-${version}`, entries: [{ path: 'flock.toml', bytes: Buffer.from(manifest) }] });
  const response = await fetch(`${url}/api/v1/packages/${org}/${name}/${version}`, { method: 'PUT', body: archive, headers: { authorization: `Bearer ${token}` } });
  if (!response.ok) throw new Error(`publish ${org}/${name}@${version}: ${response.status} ${await response.text()}`);
}

// CPU time (user + system, in clock ticks) a child has used so far, from /proc: a figure that,
// unlike req/s, does not depend on what else the machine is doing.
function cpuTicks(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return NaN;
  }
}

function run(title, url, pid, headers = {}, duration = DURATION_S) {
  const before = cpuTicks(pid);
  return new Promise((resolve, reject) => {
    autocannon({ url, connections: CONNECTIONS, duration, headers }, (error, result) => {
      if (error) return reject(error);
      if (result.non2xx > 0 || result.errors > 0) return reject(new Error(`${title}: ${result.non2xx} non-2xx answers, ${result.errors} errors`));
      // Clock ticks are 10 ms on Linux; µs of server CPU per answered request.
      const cpuUs = ((cpuTicks(pid) - before) * 10_000) / result.requests.total;
      resolve({ rps: result.requests.average, cpuUs });
    });
  });
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
  // Ctrl-C skips `finally`: stop the servers and remove the data folder here too.
  process.once('SIGINT', () => {
    cleanUp();
    process.exit(130);
  });
  try {
    operator('user', 'add', 'acme');
    operator('user', 'add', 'mia');
    operator('org', 'add-member', 'acme', 'mia');
    const ownerToken = operator('token', 'create', '--user', 'acme');
    const readToken = operator('token', 'create', '--user', 'mia', '--scopes', 'read');

    const registry = startChild([REGISTRY_BIN, 'serve', '--port', '0'], env);
    children.push(registry);
    const [, url] = await waitForLine(registry.stderr, /listening on (http:\/\/\S+)/);
    for (const version of ['1.0.0', '1.1.0', '1.2.0', '2.0.0']) {
      await publish(url, ownerToken, 'acme', 'open', version, 'public');
      await publish(url, ownerToken, 'acme', 'secret', version, 'private');
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
    const bare = startChild([fileURLToPath(import.meta.url), '--bare', bodyFile, JSON.stringify(headers)], {});
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
    const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;
    const [bareRps, publicRps, privateRps] = [mean(results.bare), mean(results.public), mean(results.private)];
    const pct = (a, b) => `${((100 * a) / b).toFixed(1)}%`;
    console.log(`index body: ${body.length} bytes, ${CONNECTIONS} connections, ${DURATION_S} s per run after a ${WARMUP_S} s warm-up, mean of two runs each${PIN ? ', servers pinned to one core' : ''}`);
    console.log(`bare node:http          ${bareRps.toFixed(0)} req/s`);
    console.log(`public index            ${publicRps.toFixed(0)} req/s`);
    console.log(`private index + token   ${privateRps.toFixed(0)} req/s`);
    console.log(`public / bare           ${pct(publicRps, bareRps)} (target >= 80%)`);
    console.log(`private / public        ${pct(privateRps, publicRps)} (target >= 50%)`);
  } finally {
    cleanUp();
  }
}
