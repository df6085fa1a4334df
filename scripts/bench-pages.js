// Benchmark of the registry's reads (`npm run bench:pages`; not a test: nothing here is asserted).
// A registry child process on 127.0.0.1 with the palette example published (README and API reference
// included), then warm autocannon runs (50 connections) of its package page, its sparse index entry and
// its archive download. The target: the page answers at least 10% of the index's req/s.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extractDocs, writeDocsJson } from '../packages/core/dist/index.js';
import { CONNECTIONS, REGISTRY_BIN, REPO, boundInTime, mean, pct, pinSelf, printSummary, publish, run, startChild, waitForLine } from './bench-lib.js';

// BENCH_SECONDS shortens runs for a quick look; BENCH_WARMUP the unmeasured run before each scenario.
const DURATION_S = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP_S = Number(process.env.BENCH_WARMUP ?? 3);
const PIN = pinSelf();
const ORG = 'acme';
const VERSION = '0.1.0';

/** palette from examples/, under ORG, with its README and the docs the CLI would upload. */
async function publishPalette(url, token) {
  const dir = join(REPO, 'examples/palette');
  const source = readFileSync(join(dir, 'src/palette.ks'));
  const description = /description = "([^"]*)"/.exec(readFileSync(join(dir, 'flock.toml'), 'utf8'))[1];
  const entries = [{ path: 'README.md', bytes: readFileSync(join(dir, 'README.md')) }, { path: 'src/palette.ks', bytes: source }];
  await publish(url, token, { org: ORG, name: 'palette', version: VERSION, description, entries });
  const docs = extractDocs([{ path: 'src/palette.ks', text: source.toString('utf8') }], { org: ORG, name: 'palette', version: VERSION });
  const response = await fetch(`${url}/api/v1/packages/${ORG}/palette/${VERSION}/docs`, { method: 'PUT', body: writeDocsJson(docs), headers: { authorization: `Bearer ${token}` } });
  if (!response.ok) throw new Error(`docs upload: ${response.status} ${await response.text()}`);
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'flock-bench-pages-'));
  const env = { FLOCK_DATA_DIR: dataDir, FLOCK_LOG_LEVEL: 'warn' };
  const children = [];
  const cleanUp = () => {
    for (const child of children) child.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  };
  // Six runs plus three warm-ups, with a minute to spare for start-up and publishing.
  boundInTime(6 * DURATION_S + 3 * WARMUP_S + 60, cleanUp);
  try {
    execFileSync(process.execPath, [REGISTRY_BIN, 'user', 'add', ORG], { env: { PATH: process.env.PATH, ...env } });
    const token = execFileSync(process.execPath, [REGISTRY_BIN, 'token', 'create', '--user', ORG], { env: { PATH: process.env.PATH, ...env } }).toString().trim();
    const registry = startChild([REGISTRY_BIN, 'serve', '--port', '0'], env, PIN);
    children.push(registry);
    const [, url] = await waitForLine(registry.stderr, /listening on (http:\/\/\S+)/);
    await publishPalette(url, token);

    const urls = {
      index: `${url}/index/${ORG}/palette`,
      page: `${url}/flock/${ORG}/palette`,
      download: `${url}/api/v1/packages/${ORG}/palette/${VERSION}/download`,
    };
    for (const [name, target] of Object.entries(urls)) {
      const response = await fetch(target);
      if (response.status !== 200) throw new Error(`${name}: ${response.status}`);
      await response.arrayBuffer();
    }
    const measure = (name, duration) => run(name, urls[name], registry.pid, { duration });
    if (WARMUP_S > 0) for (const name of Object.keys(urls)) await measure(name, WARMUP_S);
    // Mirrored rounds, so a change in the machine's load weighs on all three alike.
    const results = { index: [], page: [], download: [] };
    const cpu = { index: [], page: [], download: [] };
    for (const name of ['index', 'page', 'download', 'download', 'page', 'index']) {
      const { rps, cpuUs } = await measure(name, DURATION_S);
      results[name].push(rps);
      cpu[name].push(cpuUs);
      console.log(`  ${name.padEnd(9)} ${rps.toFixed(0).padStart(6)} req/s   ${cpuUs.toFixed(1)} µs of server CPU per request`);
    }
    const [indexRps, pageRps, downloadRps] = [mean(results.index), mean(results.page), mean(results.download)];
    console.log(`${CONNECTIONS} connections, ${DURATION_S} s per run after a ${WARMUP_S} s warm-up, mean of two runs each${PIN ? ', server pinned to one core' : ''}`);
    printSummary('pages', [
      `package page / index: ${pct(pageRps, indexRps)} (${pageRps.toFixed(0)} vs ${indexRps.toFixed(0)} req/s; target >= 10%: ${pageRps >= 0.1 * indexRps ? 'ok' : 'MISSED'})`,
      `download: ${downloadRps.toFixed(0)} req/s (reported, no target)`,
      // Server CPU per request does not depend on the machine's load as req/s does (reported, no target).
      `server CPU per request: page ${mean(cpu.page).toFixed(0)} µs, index ${mean(cpu.index).toFixed(1)} µs, download ${mean(cpu.download).toFixed(0)} µs (reported, no target)`,
    ]);
  } finally {
    cleanUp();
  }
}

await main();
