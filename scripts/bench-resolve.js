// Benchmark of the resolver alone (`npm run bench:resolve`; not a test: nothing is asserted).
// The indexes are in memory, so this times the solver, not the network: median of BENCH_RUNS runs of
//   wide:      2,000 packages of 30 versions each; every version asks for three later packages (^1),
//              so nothing conflicts and the newest of everything is chosen;
//   backtrack: root asks for 40 packages a-NN ^1 and for b ^1; every a-NN 1.J needs c ^1.J, and b needs
//              c <1.1, so each a-NN must be stepped down from 1.19 to 1.0, one learnt conflict at a time;
//   groups:    500 packages, each with 0.1.x, 0.2.x and 1.x lines; half the graph asks for ^0.1 of a package
//              and half for ^0.2 / ^1, so every package is installed in two or three groups at once.
import { performance } from 'node:perf_hooks';
import { resolveGraph } from '../packages/cli/dist/install/resolver.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
// The whole script stops after this long (a resolver that never settles must not hang the bench).
setTimeout(() => {
  console.log(`bench-resolve: ran past ${process.env.BENCH_TIMEOUT_S ?? 300} s: stopping`);
  process.exit(1);
}, Number(process.env.BENCH_TIMEOUT_S ?? 300) * 1000).unref();
const CHECKSUM = `sha256:${'0'.repeat(64)}`;
const line = (version, dependencies = {}) => ({ version, dependencies, checksum: CHECKSUM, yanked: false });
const pad = (n) => String(n).padStart(4, '0');

function wide() {
  const count = 2000;
  const indexes = new Map();
  for (let i = 0; i < count; i++) {
    const deps = {};
    for (let k = 1; k <= 3; k++) if (i + k * 7 < count) deps[`w/p${pad(i + k * 7)}`] = '^1';
    indexes.set(`w/p${pad(i)}`, Array.from({ length: 30 }, (_, v) => line(`1.${v}.0`, deps)));
  }
  const root = Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`w/p${pad(i)}`, '^1']));
  return { indexes, root };
}

function backtrack() {
  const count = 40;
  const indexes = new Map();
  indexes.set('t/c', Array.from({ length: 20 }, (_, j) => line(`1.${j}.0`)));
  indexes.set('t/b', [line('1.0.0', { 't/c': '>=1.0.0 <1.1.0' })]);
  const root = { 't/b': '^1' };
  for (let i = 0; i < count; i++) {
    indexes.set(`t/a${pad(i)}`, Array.from({ length: 20 }, (_, j) => line(`1.${j}.0`, { 't/c': `^1.${j}` })));
    root[`t/a${pad(i)}`] = '^1';
  }
  return { indexes, root };
}

function groups() {
  const count = 500;
  const indexes = new Map();
  const ranges = ['^0.1', '^0.2', '^1'];
  for (let i = 0; i < count; i++) {
    const deps = (v) => (i + 1 < count ? { [`g/p${pad(i + 1)}`]: ranges[(i + v) % 3] } : {});
    indexes.set(`g/p${pad(i)}`, [
      ...Array.from({ length: 5 }, (_, p) => line(`0.1.${p}`, deps(0))),
      ...Array.from({ length: 5 }, (_, p) => line(`0.2.${p}`, deps(1))),
      ...Array.from({ length: 5 }, (_, p) => line(`1.0.${p}`, deps(2))),
    ]);
  }
  return { indexes, root: { 'g/p0000': '^0.1', 'g/p0001': '^0.2' } };
}

async function time({ indexes, root }) {
  const load = async (pkg) => indexes.get(pkg) ?? [];
  const times = [];
  let resolved = 0;
  for (let run = 0; run < RUNS; run++) {
    const start = performance.now();
    resolved = (await resolveGraph(root, load)).length;
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)], resolved };
}

const lines = [];
for (const [name, graph] of Object.entries({ wide, backtrack, groups })) {
  const { median, resolved } = await time(graph());
  lines.push(`  ${name.padEnd(10)} ${median.toFixed(1).padStart(8)} ms  (${resolved} packages resolved)`);
}
console.log(`== resolve summary (in-memory indexes, median of ${RUNS} runs)\n${lines.join('\n')}`);
