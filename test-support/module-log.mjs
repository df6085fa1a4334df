// Loaded with `node --import` (through NODE_OPTIONS): records every module the process
// loads, one URL or path per line, in the file named by FLOCK_TEST_MODULE_LOG, so a
// test can tell which dependencies a command loaded. Plain JS: node runs it as is.
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';

const log = process.env.FLOCK_TEST_MODULE_LOG;

// The hooks run on the loader's own thread; they append each resolved URL as it resolves.
const HOOKS = `
import { appendFileSync } from 'node:fs';
let log;
export function initialize(data) { log = data.log; }
export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  appendFileSync(log, result.url + '\\n');
  return result;
}
`;

register(`data:text/javascript,${encodeURIComponent(HOOKS)}`, { data: { log } });

// What was loaded with require (CommonJS, which the hooks above do not see): the shared require cache, at exit.
const cache = createRequire(import.meta.url).cache;
process.on('exit', () => appendFileSync(log, Object.keys(cache).map((path) => `${path}\n`).join('')));
