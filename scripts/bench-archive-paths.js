// Benchmark of deep archive paths (`npm run bench:archive-paths`; not a test: nothing here is asserted).
// For each depth it starts a fresh registry on 127.0.0.1 as a child process, uploads one crafted archive
// whose pax path is that many folders deep, and prints the answer, the server's CPU time and wall time
// for the upload, the slowest answer to /healthz while the upload was in flight (how long other requests
// stalled) and the server's peak RSS (VmHWM) before and after. A fresh server per depth keeps the peaks apart.
// Then the same for the heaviest archives within the limits (5000 files 64 levels deep with ~4 KiB paths,
// and ~10 MiB of incompressible files), whose check runs in many short slices: the /healthz figure shows
// whether the upload blocks other requests (compare with the first, warm-up-free /healthz of each server).
// BENCH_DEPTHS=1000,10000 picks depths; BENCH_TIMEOUT_S bounds each upload (default 120 s).
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Header, Pax } from 'tar';
import { randomBytes } from 'node:crypto';
import { packArchive, parseManifest, renderManifest } from '../packages/core/dist/index.js';
import { REGISTRY_BIN, REPO, waitForLine } from './bench-lib.js';

const DEPTHS = (process.env.BENCH_DEPTHS ?? '1000,10000,40000').split(',').map(Number);
const TIMEOUT_S = Number(process.env.BENCH_TIMEOUT_S ?? 120);

function header(path, size) {
  const block = Buffer.alloc(512);
  new Header({ path, type: 'File', mode: 0o644, uid: 0, gid: 0, size, mtime: new Date(0) }).encode(block);
  return block;
}

function padded(body) {
  return [body, Buffer.alloc((512 - (body.length % 512)) % 512)];
}

function manifestFor(name) {
  return Buffer.from(renderManifest(parseManifest(`[package]\nname = "${name}"\nversion = "1.0.0"\norg = "acme"\n`)));
}

/** flock.toml, then a one-byte file whose pax path is `depth` folders deep: a few hundred bytes gzipped. */
function deepArchive(name, depth) {
  const root = `${name}-1.0.0`;
  const manifest = manifestFor(name);
  const tar = Buffer.concat([
    header(`${root}/flock.toml`, manifest.length), ...padded(manifest),
    new Pax({ path: `${root}/${'a/'.repeat(depth)}f` }).encode(),
    header(`${root}/x`, 1), ...padded(Buffer.from('x')),
    Buffer.alloc(1024),
  ]);
  return gzipSync(tar, { level: 9 });
}

/** 4999 files plus flock.toml, packed as `flock publish` packs. */
function fullArchive(name, fileFor) {
  const entries = [{ path: 'flock.toml', bytes: manifestFor(name) }, ...Array.from({ length: 4999 }, (_, i) => fileFor(i))];
  return packArchive({ root: `${name}-1.0.0`, entries });
}

// 63 folders of 62 UTF-8 bytes and a file: 64 levels and about 3.9 KiB, just within the limits.
const deepFolders = Array.from({ length: 63 }, (_, i) => `${'é'.repeat(30)}${String(i).padStart(2, '0')}`).join('/');

function procStatus(pid, field) {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** CPU time (user + system) in ms a process has used so far; clock ticks are 10 ms on Linux. */
function cpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

/** Asks /healthz one request after another until `done`; returns the slowest answer in ms. */
async function slowestHealthz(url, done) {
  let slowest = 0;
  while (!done.value) {
    const start = performance.now();
    try {
      await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(TIMEOUT_S * 1000) });
    } catch {
      // The server was killed at the timeout; the wait so far still counts.
    }
    slowest = Math.max(slowest, performance.now() - start);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return slowest;
}

async function measure(title, name, archive, dataDir, token) {
  const env = { PATH: process.env.PATH, FLOCK_DATA_DIR: dataDir, FLOCK_LOG_LEVEL: 'warn' };
  const registry = spawn(process.execPath, [REGISTRY_BIN, 'serve', '--port', '0'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    const [, url] = await waitForLine(registry.stderr, /listening on (http:\/\/\S+)/);
    // A first request, so the stall measured is the upload's and not the server's warm-up.
    const warmStart = performance.now();
    await fetch(`${url}/healthz`);
    const warm = performance.now() - warmStart;
    const peakBefore = procStatus(registry.pid, 'VmHWM');
    const cpuBefore = cpuMs(registry.pid);
    const done = { value: false };
    const stall = slowestHealthz(url, done);
    const start = performance.now();
    let answer;
    try {
      const response = await fetch(`${url}/api/v1/packages/acme/${name}/1.0.0`, {
        method: 'PUT', body: archive, headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(TIMEOUT_S * 1000),
      });
      answer = `${response.status} ${await response.text()}`;
    } catch (error) {
      answer = error.name === 'TimeoutError' ? `no answer within ${TIMEOUT_S} s` : `failed: ${error.message}`;
    }
    const wall = performance.now() - start;
    const cpu = cpuMs(registry.pid) - cpuBefore;
    const peakAfter = procStatus(registry.pid, 'VmHWM');
    registry.kill('SIGKILL');
    done.value = true;
    const slowest = await stall;
    console.log(`${title}: ${archive.length} bytes uploaded -> ${answer}`);
    console.log(`    server CPU ${cpu.toFixed(0)} ms, wall ${wall.toFixed(0)} ms, slowest /healthz meanwhile ${slowest.toFixed(0)} ms (first one ${warm.toFixed(0)} ms), peak RSS ${peakBefore.toFixed(0)} -> ${peakAfter.toFixed(0)} MiB`);
  } finally {
    registry.kill('SIGKILL');
  }
}

const dataDir = mkdtempSync(join(tmpdir(), 'flock-bench-paths-'));
process.once('SIGINT', () => {
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(130);
});
try {
  const operator = (...args) => execFileSync(process.execPath, [REGISTRY_BIN, ...args], { env: { PATH: process.env.PATH, FLOCK_DATA_DIR: dataDir } }).toString().trim();
  operator('user', 'add', 'acme');
  const token = operator('token', 'create', '--user', 'acme');
  console.log(`Uploads of an archive with one pax path N folders deep; each to a fresh registry, bounded by ${TIMEOUT_S} s.`);
  for (const depth of DEPTHS) await measure(`pax path ${depth} folders deep`, `deep${depth}`, deepArchive(`deep${depth}`, depth), dataDir, token);
  if (process.env.BENCH_FULL !== '0') {
    const deepFiles = await fullArchive('deepfiles', (i) => ({ path: `${deepFolders}/f${i}`, bytes: Buffer.from('x') }));
    await measure('5000 files 64 levels deep, 3.9 KiB paths', 'deepfiles', deepFiles, dataDir, token);
    const bulky = await fullArchive('bulky', (i) => ({ path: `src/m${i % 50}/f${i}.kes`, bytes: randomBytes(2000) }));
    await measure('5000 files of 2000 random bytes', 'bulky', bulky, dataDir, token);
  }
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
