// Benchmark of `flock install` against `npm install` (`npm run bench:install`; not a test: nothing is asserted).
// It builds one dependency graph of 149 small packages (a root asking for 20, which ask for 50, which ask
// for 79), publishes it to a real Flock registry (a child process on 127.0.0.1) and serves THE SAME graph as
// npm packages from a minimal static npm registry in this process (packuments and .tgz files from memory),
// then times, median of BENCH_RUNS runs each, alternating the two tools so a drift in load weighs on both:
//   cold: empty cache, no lockfile, nothing installed   (flock: empty HOME; npm: empty --cache)
//   warm: unchanged lockfile, warm cache, everything installed (`flock install` / `npm install`)
// Everything lives in one temp folder, removed at the end (or on Ctrl-C, or when BENCH_TIMEOUT_S runs out).
import { spawn, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { packArchive } from '../packages/core/dist/index.js';
import { REGISTRY_BIN, REPO, waitForLine } from './bench-lib.js';

const FLOCK_BIN = join(REPO, 'packages/cli/bin/flock.js');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
// Each install is killed after this long; the whole script after BENCH_TIMEOUT_S.
const RUN_TIMEOUT_MS = 120_000;
const TIMEOUT_S = Number(process.env.BENCH_TIMEOUT_S ?? 900);
const ORG = 'bench';
const LAYERS = [
  { prefix: 'top', count: 20 },
  { prefix: 'mid', count: 50 },
  { prefix: 'leaf', count: 79 },
];
const TARGETS = { warm: 0.5, cold: 0.7 };

/** The graph: every package of a layer asks for two or three of the next layer, so every package is reached. */
function buildGraph() {
  const names = LAYERS.map(({ prefix, count }) => Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(2, '0')}`));
  const packages = [];
  for (const [layer, layerNames] of names.entries()) {
    const next = names[layer + 1] ?? [];
    const fanOut = layer === 0 ? 3 : 2;
    layerNames.forEach((name, i) => {
      const deps = next.length === 0 ? [] : [...new Set(Array.from({ length: fanOut }, (_, k) => next[(i * fanOut + k) % next.length]))];
      packages.push({ name, deps });
    });
  }
  // Leaves first: the registry checks that a dependency exists when a package is published.
  return { packages: packages.reverse(), root: names[0] };
}

/** A few small source files, the same text for both tools. */
function sources(name) {
  const body = (what) => Array.from({ length: 24 }, (_, i) => `// ${name} ${what} line ${i}: some text so the file is about a kilobyte long.`).join('\n');
  return { 'README.md': `# ${name}\n\n${body('readme')}\n`, main: `${body('main')}\n`, util: `${body('util')}\n` };
}

async function flockArchive({ name, deps }) {
  const files = sources(name);
  const dependencies = deps.map((d) => `"${ORG}/${d}" = "^1.0.0"\n`).join('');
  const manifest = `[package]\nname = "${name}"\nversion = "1.0.0"\norg = "${ORG}"\ndescription = "Benchmark package ${name}"\nlicense = "MIT"\n\n[dependencies]\n${dependencies}`;
  return packArchive({
    root: `${name}-1.0.0`,
    entries: [
      { path: 'flock.toml', bytes: Buffer.from(manifest) },
      { path: 'README.md', bytes: Buffer.from(files['README.md']) },
      { path: 'src/main.ks', bytes: Buffer.from(files.main) },
      { path: 'src/util.ks', bytes: Buffer.from(files.util) },
    ],
  });
}

async function npmArchive({ name, deps }) {
  const files = sources(name);
  const json = { name: `${ORG}-${name}`, version: '1.0.0', description: `Benchmark package ${name}`, license: 'MIT', main: 'lib/main.js', dependencies: Object.fromEntries(deps.map((d) => [`${ORG}-${d}`, '^1.0.0'])) };
  return packArchive({
    root: 'package',
    entries: [
      { path: 'package.json', bytes: Buffer.from(JSON.stringify(json, null, 2)) },
      { path: 'README.md', bytes: Buffer.from(files['README.md']) },
      { path: 'lib/main.js', bytes: Buffer.from(files.main) },
      { path: 'lib/util.js', bytes: Buffer.from(files.util) },
    ],
  });
}

/** A static npm registry: GET /<name> answers the packument, GET /<name>/-/<name>-1.0.0.tgz the tarball. */
async function startNpmRegistry(graph) {
  const routes = new Map();
  const server = createServer((req, res) => {
    const hit = routes.get(decodeURIComponent(req.url.split('?')[0]));
    if (!hit) {
      res.writeHead(404, { 'content-type': 'application/json' });
      return res.end('{"error":"not found"}');
    }
    res.writeHead(200, { 'content-type': hit.type, 'content-length': hit.body.length });
    res.end(hit.body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  for (const pkg of graph.packages) {
    const name = `${ORG}-${pkg.name}`;
    const tgz = await npmArchive(pkg);
    const tarballPath = `/${name}/-/${name}-1.0.0.tgz`;
    const dist = {
      tarball: `${url}${tarballPath}`,
      shasum: createHash('sha1').update(tgz).digest('hex'),
      integrity: `sha512-${createHash('sha512').update(tgz).digest('base64')}`,
    };
    const version = { name, version: '1.0.0', dependencies: Object.fromEntries(pkg.deps.map((d) => [`${ORG}-${d}`, '^1.0.0'])), dist };
    const packument = { name, 'dist-tags': { latest: '1.0.0' }, versions: { '1.0.0': version } };
    routes.set(`/${name}`, { type: 'application/json', body: Buffer.from(JSON.stringify(packument)) });
    routes.set(tarballPath, { type: 'application/octet-stream', body: tgz });
  }
  return { url, close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }) };
}

async function startFlockRegistry(dataDir, graph, children) {
  // The publish rate limit (100 an hour by default) would stop the set-up part-way.
  const env = { PATH: process.env.PATH, FLOCK_DATA_DIR: dataDir, FLOCK_LOG_LEVEL: 'warn', FLOCK_PUBLISHES_PER_HOUR: '1000' };
  const operator = (...args) => execFileSync(process.execPath, [REGISTRY_BIN, ...args], { env }).toString().trim();
  operator('user', 'add', ORG);
  const token = operator('token', 'create', '--user', ORG);
  const child = spawn(process.execPath, [REGISTRY_BIN, 'serve', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  child.stdout.resume();
  const [, url] = await waitForLine(child.stderr, /listening on (http:\/\/\S+)/);
  child.stderr.on('data', (chunk) => process.stderr.write(chunk));
  for (const pkg of graph.packages) {
    const response = await fetch(`${url}/api/v1/packages/${ORG}/${pkg.name}/1.0.0`, {
      method: 'PUT', body: await flockArchive(pkg), headers: { authorization: `Bearer ${token}` },
    });
    if (!response.ok) throw new Error(`publish ${pkg.name}: ${response.status} ${await response.text()}`);
  }
  return { url, child };
}

// GNU time, when there, also gives each run's CPU time (user + system): unlike wall time, a figure the
// other work on a shared machine hardly changes.
const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

/** CPU seconds GNU time wrote to `file`, or NaN. */
function cpuFrom(file) {
  const [user, system] = readFileSync(file, 'utf8').trim().split('\n').at(-1).split(' ').map(Number);
  return (user + system) * 1000;
}

/** Runs one command to the end; its wall-clock (and CPU) time in ms. A failure stops the benchmark with its output. */
function timed(command, args, options) {
  const cpuFile = join(options.env.TMPDIR, 'cpu-time');
  const [bin, argv] = GNU_TIME ? [GNU_TIME, ['-f', '%U %S', '-o', cpuFile, command, ...args]] : [command, args];
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(bin, argv, { ...options, stdio: ['ignore', 'pipe', 'pipe'], timeout: RUN_TIMEOUT_MS });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (code === 0) resolve({ ms, cpu: GNU_TIME ? cpuFrom(cpuFile) : NaN, output });
      else reject(new Error(`${command} ${args.join(' ')} exited with ${code}:\n${output}`));
    });
  });
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main(dir, cleanups, children) {
  const graph = buildGraph();
  const flockRegistry = await startFlockRegistry(join(dir, 'flock-data'), graph, children);
  cleanups.push(() => flockRegistry.child.kill('SIGTERM'));
  const npmRegistry = await startNpmRegistry(graph);
  cleanups.push(() => npmRegistry.close());

  const flockApp = join(dir, 'flock-app');
  const flockHome = join(dir, 'flock-home');
  mkdirSync(flockApp);
  const rootDeps = graph.root.map((d) => `"${ORG}/${d}" = "^1.0.0"\n`).join('');
  writeFileSync(join(flockApp, 'flock.toml'), `[package]\nname = "app"\nversion = "0.1.0"\norg = "${ORG}"\n\n[dependencies]\n${rootDeps}`);
  const npmApp = join(dir, 'npm-app');
  const npmHome = join(dir, 'npm-home');
  const npmCache = join(dir, 'npm-cache');
  mkdirSync(npmApp);
  mkdirSync(npmHome);
  writeFileSync(join(npmApp, 'package.json'), JSON.stringify({ name: 'app', version: '0.1.0', private: true, dependencies: Object.fromEntries(graph.root.map((d) => [`${ORG}-${d}`, '^1.0.0'])) }, null, 2));

  const flock = () => timed(process.execPath, [FLOCK_BIN, 'install'], {
    cwd: flockApp, env: { PATH: process.env.PATH, HOME: flockHome, TMPDIR: dir, FLOCK_REGISTRY: flockRegistry.url },
  });
  const npm = () => timed('npm', ['install', '--registry', `${npmRegistry.url}/`, '--cache', npmCache, '--no-audit', '--no-fund', '--no-progress', '--no-update-notifier', '--loglevel=error'], {
    cwd: npmApp, env: { PATH: process.env.PATH, HOME: npmHome, TMPDIR: dir, npm_config_userconfig: join(npmHome, '.npmrc') },
  });
  const coldFlock = () => {
    for (const path of [flockHome, join(flockApp, '.flock'), join(flockApp, 'flock.lock')]) rmSync(path, { recursive: true, force: true });
    mkdirSync(flockHome);
    return flock();
  };
  const coldNpm = () => {
    for (const path of [npmCache, join(npmApp, 'node_modules'), join(npmApp, 'package-lock.json')]) rmSync(path, { recursive: true, force: true });
    return npm();
  };

  // One unmeasured run of each, so the OS has both tools' own files in its page cache.
  const first = await coldFlock();
  if (!first.output.includes('Installed 149 packages')) throw new Error(`flock did not install 149 packages:\n${first.output}`);
  await coldNpm();
  const times = { npmCold: [], flockCold: [], npmWarm: [], flockWarm: [] };
  const cpu = { npmCold: [], flockCold: [], npmWarm: [], flockWarm: [] };
  const record = (key, result) => {
    times[key].push(result.ms);
    cpu[key].push(result.cpu);
  };
  for (let run = 0; run < RUNS; run++) {
    record('npmCold', await coldNpm());
    record('flockCold', await coldFlock());
  }
  // The last cold runs left both projects installed, locked and cached: from here on every run is warm.
  for (let run = 0; run < RUNS; run++) {
    record('npmWarm', await npm());
    record('flockWarm', await flock());
  }
  const m = Object.fromEntries(Object.entries(times).map(([key, values]) => [key, median(values)]));
  const c = Object.fromEntries(Object.entries(cpu).map(([key, values]) => [key, median(values)]));
  for (const [key, values] of Object.entries(times)) {
    console.log(`  ${key.padEnd(10)} ${values.map((v) => v.toFixed(0).padStart(6)).join(' ')} ms wall (median ${m[key].toFixed(0)}), CPU median ${c[key].toFixed(0)} ms`);
  }
  const ratio = (a, b, target) => {
    const value = a / b;
    return `${value.toFixed(2)}x (target <= ${target}: ${value <= target ? 'ok' : 'MISSED'})`;
  };
  const cpuNote = (a, b) => (GNU_TIME ? `; CPU ${(c[a] / c[b]).toFixed(2)}x` : '');
  console.log(`\n== install summary (149 packages, median of ${RUNS} runs, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')})`);
  console.log(`npm warm install: ${m.npmWarm.toFixed(0)} ms (anchor)`);
  console.log(`flock warm install: ${m.flockWarm.toFixed(0)} ms`);
  console.log(`flock warm / npm warm: ${ratio(m.flockWarm, m.npmWarm, TARGETS.warm)}${cpuNote('flockWarm', 'npmWarm')}`);
  console.log(`npm cold install: ${m.npmCold.toFixed(0)} ms (anchor)`);
  console.log(`flock cold install: ${m.flockCold.toFixed(0)} ms`);
  console.log(`flock cold / npm cold: ${ratio(m.flockCold, m.npmCold, TARGETS.cold)}${cpuNote('flockCold', 'npmCold')}`);
}

const dir = mkdtempSync(join(tmpdir(), 'flock-bench-install-'));
const cleanups = [];
const children = [];
const cleanUp = async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  // BENCH_KEEP=1 leaves the installed projects for a closer look (a warm `flock install` needs no registry).
  if (process.env.BENCH_KEEP === '1') console.log(`kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
};
process.once('SIGINT', async () => {
  await cleanUp();
  process.exit(130);
});
// However this process ends (a closed output pipe, an uncaught error), the registry child and the temp folder go too.
process.once('exit', () => {
  for (const child of children) child.kill('SIGTERM');
  if (process.env.BENCH_KEEP !== '1') rmSync(dir, { recursive: true, force: true });
});
const deadline = setTimeout(async () => {
  console.error(`bench-install: gave up after ${TIMEOUT_S} s`);
  await cleanUp();
  process.exit(1);
}, TIMEOUT_S * 1000);
try {
  await main(dir, cleanups, children);
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  clearTimeout(deadline);
  await cleanUp();
}
