// `npm run bench`: every benchmark of issue 11 in one run (not a test: nothing here is asserted).
// Runs each scripts/bench-<part>.js that exists, in sequence, as a child process (stdout and stderr
// shown as they come, each bounded in time), then prints every "== <part> summary" block again
// together so the figures can be read in one place. A script that is missing is skipped with a line.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './bench-lib.js';

const PARTS = ['index', 'pages', 'search', 'install', 'resolve', 'cli'];
// Each script bounds itself; this is the backstop for one that hangs. BENCH_SCRIPT_SECONDS overrides it.
const SCRIPT_SECONDS = Number(process.env.BENCH_SCRIPT_SECONDS ?? 900);

/** The "== <part> summary" blocks in `output` (a header may add "(details)"): from each header to the next blank line or header. */
function summaryBlocks(output) {
  const blocks = [];
  let current = null;
  for (const line of output.split('\n')) {
    if (/^== \S+ summary( \(|$)/.test(line)) blocks.push((current = [line]));
    else if (current && line.trim() !== '') current.push(line);
    else current = null;
  }
  return blocks.map((block) => block.join('\n'));
}

function runPart(script) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'], env: process.env });
    let output = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      output += chunk.toString();
    });
    const timer = setTimeout(() => {
      console.log(`bench: ${script} ran past ${SCRIPT_SECONDS} s: stopping it`);
      child.kill('SIGTERM');
    }, SCRIPT_SECONDS * 1000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ output, failed: code !== 0 ? `exit ${code ?? signal}` : null });
    });
  });
}

const summaries = [];
for (const part of PARTS) {
  const script = join(REPO, 'scripts', `bench-${part}.js`);
  if (!existsSync(script)) {
    console.log(`bench: scripts/bench-${part}.js does not exist: skipped`);
    summaries.push(`== ${part}: skipped (no scripts/bench-${part}.js)`);
    continue;
  }
  console.log(`\nbench: ${part}`);
  const { output, failed } = await runPart(script);
  const blocks = summaryBlocks(output);
  summaries.push(...blocks);
  if (failed || blocks.length === 0) summaries.push(`== ${part}: ${failed ?? 'finished'}${blocks.length === 0 ? ', no summary printed' : ''}`);
}
console.log('\n== all summaries');
console.log(summaries.join('\n'));
