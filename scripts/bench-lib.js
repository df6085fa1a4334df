// Helpers shared by the bench-*.js scripts (not tests: nothing here is asserted).
import { spawn, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { packArchive, parseManifest, renderManifest } from '../packages/core/dist/index.js';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');
export const REGISTRY_BIN = join(REPO, 'packages/registry/bin/flock-registry.js');
export const CONNECTIONS = 50;

/**
 * On two or more cores the servers get one core to themselves and autocannon (this process) another,
 * so the scheduler does not move them about between runs. BENCH_PIN=0 turns this off.
 * Without taskset (util-linux) it runs unpinned. Returns whether children should be pinned.
 */
export function pinSelf() {
  if (process.env.BENCH_PIN === '0' || availableParallelism() < 2) return false;
  try {
    execFileSync('taskset', ['-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    console.log('taskset failed: running unpinned');
    return false;
  }
}

export function startChild(args, env, pin) {
  const [command, argv] = pin ? ['taskset', ['-c', '1', process.execPath, ...args]] : [process.execPath, args];
  const child = spawn(command, argv, { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  // Whatever a child says after it is ready goes to our stderr, so a crash is seen (and no pipe fills up).
  child.stderr.on('data', (chunk) => process.stderr.write(chunk));
  child.stdout.resume();
  return child;
}

export function waitForLine(stream, pattern) {
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

/** Publishes an archive of `entries` (flock.toml is added from the fields) through the API; returns the archive. */
export async function publish(url, token, { org, name, version, visibility = 'public', description = 'Benchmark package', entries = [] }) {
  const manifest = renderManifest(parseManifest(`[package]\nname = "${name}"\nversion = "${version}"\norg = "${org}"\nvisibility = "${visibility}"\ndescription = "${description}"\n`));
  const archive = await packArchive({ root: `${name}-${version}`, entries: [{ path: 'flock.toml', bytes: Buffer.from(manifest) }, ...entries] });
  const response = await fetch(`${url}/api/v1/packages/${org}/${name}/${version}`, { method: 'PUT', body: archive, headers: { authorization: `Bearer ${token}` } });
  if (!response.ok) throw new Error(`publish ${org}/${name}@${version}: ${response.status} ${await response.text()}`);
  return archive;
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

/** One autocannon run; every answer must be 2xx. Returns mean req/s and µs of server CPU per request. */
export function run(title, url, pid, { headers = {}, duration }) {
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

export const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;
export const pct = (a, b) => `${((100 * a) / b).toFixed(1)}%`;

/** The closing block `npm run bench` collects: one line per figure, `name: value (target …: ok|MISSED)`. */
export function printSummary(part, lines) {
  console.log(`== ${part} summary`);
  for (const line of lines) console.log(line);
}

/** Ends the process if `main` has not finished within `seconds` (every bench is bounded in time). */
export function boundInTime(seconds, cleanUp) {
  const timer = setTimeout(() => {
    console.error(`bench: gave up after ${seconds} s`);
    cleanUp();
    process.exit(1);
  }, seconds * 1000);
  timer.unref();
  // Ctrl-C skips `finally`: stop the servers and remove the data folder here too.
  process.once('SIGINT', () => {
    cleanUp();
    process.exit(130);
  });
  process.once('SIGTERM', () => {
    cleanUp();
    process.exit(143);
  });
}
