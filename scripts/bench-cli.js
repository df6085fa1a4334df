// Benchmark of the CLI's own speed (`npm run bench:cli`; not a test: nothing here is asserted).
// (a) Start-up: the median wall time of `node -e 0`, `flock --version`, `flock --help` and `flock whoami`
//     (against a registry on 127.0.0.1), run in turns so a change in the machine's load weighs on all alike.
// (b) Publish: `flock publish` of examples/palette from a git repository with a bare remote to a registry
//     on 127.0.0.1, against `npm publish` of the same files (plus a package.json) to Verdaccio on 127.0.0.1,
//     each version bumped per run. Verdaccio is not a dependency of the project: it is installed on demand
//     into a cache folder outside the repository (BENCH_VERDACCIO_DIR, default ~/.cache/flock-bench/verdaccio).
// Knobs: BENCH_RUNS (start-up runs per command, default 30), BENCH_PUBLISH_RUNS (default 7),
// BENCH_TIMEOUT_S (the whole script, default 600).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { REGISTRY_BIN, REPO } from './bench-lib.js';

const FLOCK_BIN = join(REPO, 'packages/cli/bin/flock.js');
const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const PUBLISH_RUNS = Number(process.env.BENCH_PUBLISH_RUNS ?? 7);
const TIMEOUT_S = Number(process.env.BENCH_TIMEOUT_S ?? 600);
// The newest verdaccio that runs on Node 20 (6.9 and later need Node 22).
const VERDACCIO_VERSION = '6.8.0';
const VERDACCIO_DIR = process.env.BENCH_VERDACCIO_DIR ?? join(homedir(), '.cache/flock-bench/verdaccio');
// Each child gets at most this long; a hung command fails the bench instead of stalling it.
const STEP_TIMEOUT_MS = 60_000;

const work = mkdtempSync(join(tmpdir(), 'flock-bench-cli-'));
const children = [];
function cleanUp() {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
}
process.once('SIGINT', () => {
  cleanUp();
  process.exit(130);
});
const overall = setTimeout(() => {
  console.error(`bench-cli: gave up after ${TIMEOUT_S} s`);
  cleanUp();
  process.exit(1);
}, TIMEOUT_S * 1000);

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const ms = (value) => `${value.toFixed(1)} ms`;

/** Runs a command to completion and returns its wall time in ms; a failure stops the bench with its output. */
function timed(command, args, options = {}) {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: STEP_TIMEOUT_MS, ...options });
  const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status ?? result.signal}): ${result.stderr}${result.stdout}`);
  return elapsed;
}

function run(command, args, options = {}) {
  return execFileSync(command, args, { encoding: 'utf8', timeout: STEP_TIMEOUT_MS, ...options }).trim();
}

/** A server child, stopped by cleanUp; its output is kept for the message if it fails to start. */
function spawnServer(command, args, options) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  children.push(child);
  return child;
}

/** Starts a server child and resolves with the first match of `pattern` in its output. */
function startServer(command, args, options, pattern) {
  const child = spawnServer(command, args, options);
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`${command} did not start: ${seen}`)), STEP_TIMEOUT_MS);
    const onData = (chunk) => {
      seen += chunk.toString();
      const match = pattern.exec(seen);
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${command} exited with ${code}: ${seen}`)));
  });
}

function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function startRegistry() {
  const env = { PATH: process.env.PATH, FLOCK_DATA_DIR: join(work, 'registry'), FLOCK_LOG_LEVEL: 'warn' };
  const operator = (...args) => run(process.execPath, [REGISTRY_BIN, ...args], { env });
  operator('user', 'add', 'your-name');
  const token = operator('token', 'create', '--user', 'your-name');
  const [, url] = await startServer(process.execPath, [REGISTRY_BIN, 'serve', '--port', '0'], { env }, /listening on (http:\/\/\S+)/);
  return { url, token };
}

/** (a) The median of RUNS runs of each command, taken in turns. */
function startup(flockEnv) {
  const commands = {
    'node -e 0': [process.execPath, ['-e', '0']],
    'flock --version': [process.execPath, [FLOCK_BIN, '--version']],
    'flock --help': [process.execPath, [FLOCK_BIN, '--help']],
    'flock whoami': [process.execPath, [FLOCK_BIN, 'whoami']],
  };
  const times = Object.fromEntries(Object.keys(commands).map((name) => [name, []]));
  for (let i = 0; i < RUNS + 2; i++) {
    for (const [name, [command, args]] of Object.entries(commands)) {
      const elapsed = timed(command, args, { cwd: work, env: flockEnv });
      // The first two rounds warm the file cache and are not counted.
      if (i >= 2) times[name].push(elapsed);
    }
  }
  return Object.fromEntries(Object.entries(times).map(([name, values]) => [name, median(values)]));
}

const git = (cwd, ...args) => run('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@127.0.0.1', ...args], { cwd });

/** examples/palette in a git repository whose commits are pushed to a bare remote, as a publisher has it. */
function paletteRepo() {
  const dir = join(work, 'palette');
  cpSync(join(REPO, 'examples/palette'), dir, { recursive: true });
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'palette');
  git(work, 'init', '-q', '--bare', join(work, 'palette.git'));
  git(dir, 'remote', 'add', 'origin', join(work, 'palette.git'));
  git(dir, 'push', '-q', '-u', 'origin', 'main');
  return dir;
}

/** The same files as an npm package: palette's files plus a package.json. */
function paletteNpmPackage() {
  const dir = join(work, 'palette-npm');
  cpSync(join(REPO, 'examples/palette'), dir, { recursive: true });
  return dir;
}

function setVersion(flockDir, npmDir, version) {
  const toml = join(flockDir, 'flock.toml');
  writeFileSync(toml, readFileSync(toml, 'utf8').replace(/^version = ".*"$/m, `version = "${version}"`));
  git(flockDir, 'commit', '-qam', version);
  git(flockDir, 'push', '-q');
  if (npmDir) writeFileSync(join(npmDir, 'package.json'), `${JSON.stringify({ name: 'palette', version, description: 'Colour palettes', license: 'MIT' }, null, 2)}\n`);
}

/** Verdaccio from the cache folder, installed there first if missing. Null (said why) when it cannot be. */
function verdaccioBin() {
  const bin = join(VERDACCIO_DIR, 'node_modules/verdaccio/bin/verdaccio');
  const installed = join(VERDACCIO_DIR, 'node_modules/verdaccio/package.json');
  if (existsSync(installed) && JSON.parse(readFileSync(installed, 'utf8')).version === VERDACCIO_VERSION) return bin;
  console.log(`installing verdaccio@${VERDACCIO_VERSION} into ${VERDACCIO_DIR} (once)...`);
  mkdirSync(VERDACCIO_DIR, { recursive: true });
  // Some npm mirrors lack node-fetch's "cjs" dist-tag, which one of verdaccio's dependencies asks for: pin what it points to.
  const manifest = { private: true, dependencies: { verdaccio: VERDACCIO_VERSION }, overrides: { 'node-fetch@cjs': '2.7.0' } };
  writeFileSync(join(VERDACCIO_DIR, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const result = spawnSync('npm', ['install', '--no-audit', '--no-fund'], { cwd: VERDACCIO_DIR, encoding: 'utf8', timeout: 300_000 });
  if (result.status !== 0 || !existsSync(bin)) {
    console.log(`verdaccio could not be installed (${result.status ?? result.signal}): ${(result.stderr || result.stdout).trim().split('\n').slice(-3).join(' | ')}`);
    return null;
  }
  return bin;
}

/** Verdaccio on 127.0.0.1 with its storage in the work folder, and an npm user config holding a fresh user's token. */
async function startVerdaccio(bin) {
  const dir = join(work, 'verdaccio');
  mkdirSync(dir);
  const port = await freePort();
  writeFileSync(join(dir, 'config.yaml'), [
    `storage: ${join(dir, 'storage')}`,
    'auth:',
    `  htpasswd: { file: ${join(dir, 'htpasswd')}, max_users: 10 }`,
    'uplinks: {}',
    'packages:',
    "  '**': { access: $all, publish: $authenticated }",
    'log: { type: stdout, format: pretty, level: warn }',
    '',
  ].join('\n'));
  const child = spawnServer(process.execPath, [bin, '--config', join(dir, 'config.yaml'), '--listen', `127.0.0.1:${port}`], { cwd: dir, env: { PATH: process.env.PATH, HOME: dir } });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const up = await fetch(`${url}/-/ping`).then((r) => r.ok, () => false);
    if (up) break;
    if (i === 300 || child.exitCode !== null) throw new Error(`verdaccio did not answer /-/ping: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  // What `npm adduser` does: PUT the user document; verdaccio answers with a token.
  const response = await fetch(`${url}/-/user/org.couchdb.user:bench`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ _id: 'org.couchdb.user:bench', name: 'bench', password: 'bench-password', type: 'user', roles: [] }),
  });
  const { token } = await response.json();
  if (!response.ok || !token) throw new Error(`verdaccio refused the user: ${response.status}`);
  const npmrc = join(dir, 'npmrc');
  writeFileSync(npmrc, `registry=${url}/\n//127.0.0.1:${port}/:_authToken=${token}\nupdate-notifier=false\nfund=false\naudit=false\n`);
  return { url, npmrc };
}

/** (b) Median publish times, flock and npm in turns, a new version each run. */
async function publish(registry, flockEnv) {
  const flockDir = paletteRepo();
  const bin = verdaccioBin();
  const verdaccio = bin === null ? null : await startVerdaccio(bin);
  const npmDir = verdaccio === null ? null : paletteNpmPackage();
  const npmEnv = verdaccio && { PATH: process.env.PATH, HOME: join(work, 'verdaccio'), npm_config_userconfig: verdaccio.npmrc, npm_config_cache: join(work, 'npm-cache') };
  const flockTimes = [];
  const npmTimes = [];
  for (let i = 0; i < PUBLISH_RUNS + 1; i++) {
    setVersion(flockDir, npmDir, `1.0.${i}`);
    const flockMs = timed(process.execPath, [FLOCK_BIN, 'publish'], { cwd: flockDir, env: flockEnv });
    const npmMs = verdaccio && timed('npm', ['publish', '--registry', `${verdaccio.url}/`], { cwd: npmDir, env: npmEnv });
    // The first run warms the file cache (and npm's own cache folder) and is not counted.
    if (i === 0) continue;
    flockTimes.push(flockMs);
    if (npmMs !== null) npmTimes.push(npmMs);
  }
  return { flock: median(flockTimes), npm: verdaccio === null ? null : median(npmTimes) };
}

async function main() {
  const registry = await startRegistry();
  // TMPDIR inside the work folder: flock publish keeps its docs JSON there, as the seed does.
  mkdirSync(join(work, 'home/.tmp'), { recursive: true });
  const flockEnv = { PATH: process.env.PATH, HOME: join(work, 'home'), TMPDIR: join(work, 'home/.tmp'), FLOCK_REGISTRY: registry.url, FLOCK_TOKEN: registry.token };
  const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
  console.log(`load average before: ${load()}`);
  const start = startup(flockEnv);
  for (const [name, value] of Object.entries(start)) console.log(`${name}: median ${ms(value)} of ${RUNS} runs`);
  const pub = await publish(registry, flockEnv);
  console.log(`flock publish palette: median ${ms(pub.flock)} of ${PUBLISH_RUNS} runs`);
  if (pub.npm !== null) console.log(`npm publish palette to Verdaccio ${VERDACCIO_VERSION}: median ${ms(pub.npm)} of ${PUBLISH_RUNS} runs`);
  console.log(`load average after: ${load()}`);

  const node = start['node -e 0'];
  const ratio = (name, ceiling) => {
    const r = start[name] / node;
    return `${name}: ${ms(start[name])} = ${r.toFixed(2)}× node -e 0 (${ms(node)}) (target ≤ ${ceiling}×: ${r <= ceiling ? 'ok' : 'MISSED'})`;
  };
  console.log('\n== cli summary');
  console.log(ratio('flock --version', 1.5));
  console.log(ratio('flock --help', 1.5));
  console.log(`flock whoami: ${ms(start['flock whoami'])} = ${(start['flock whoami'] / node).toFixed(2)}× node -e 0 (target: reported)`);
  if (pub.npm === null) {
    console.log(`flock publish palette: ${ms(pub.flock)} (target ≤ 0.6× npm publish to Verdaccio: not measured, Verdaccio could not be installed)`);
  } else {
    const r = pub.flock / pub.npm;
    console.log(`flock publish palette: ${ms(pub.flock)} = ${r.toFixed(2)}× npm publish to Verdaccio (${ms(pub.npm)}) (target ≤ 0.6×: ${r <= 0.6 ? 'ok' : 'MISSED'})`);
  }
}

try {
  await main();
} finally {
  clearTimeout(overall);
  cleanUp();
}
