// Benchmark of ID-token verification (`npm run bench:oidc`; not a test: nothing is asserted).
// The registry's verifier against a fake issuer on 127.0.0.1 (discovery and JWKS fetched once):
//   rs256 / es256: N distinct tokens verified one after another: per-token time (p50, p99, max);
//   unknown kids:  N tokens naming kids the issuer never had: how often the JWKS is refetched
//                  (at most once per 30 s per issuer) and what each refusal costs;
//   oversized:     tokens of 1 MiB are refused before any decoding.
// The event loop's longest stall over each phase is reported too (verification is synchronous crypto).
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { startFakeIssuer } from '../test-support/oidc-issuer.js';
import { createOidcVerifier } from '../packages/registry/dist/services/oidc/verifier.js';

const N = Number(process.env.BENCH_TOKENS ?? 2000);
setTimeout(() => {
  console.log('bench-oidc: ran past 300 s: stopping');
  process.exit(1);
}, 300_000).unref();

const issuer = await startFakeIssuer();
const verifier = createOidcVerifier({ clock: () => new Date(), issuerKnown: async (iss: string) => iss === issuer.url });

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
const ms = (x: number) => `${x.toFixed(3)} ms`;

async function phase(name: string, tokens: string[], expectOk: boolean): Promise<void> {
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const times: number[] = [];
  let wrong = 0;
  const started = performance.now();
  for (const token of tokens) {
    const t0 = performance.now();
    const ok = await verifier.verify(token).then(() => true, () => false);
    times.push(performance.now() - t0);
    if (ok !== expectOk) wrong++;
  }
  const total = performance.now() - started;
  loop.disable();
  times.sort((a, b) => a - b);
  console.log(
    `${name.padEnd(13)} ${tokens.length} tokens in ${total.toFixed(0)} ms (${((tokens.length / total) * 1000).toFixed(0)}/s): ` +
      `p50 ${ms(pct(times, 50))}, p99 ${ms(pct(times, 99))}, max ${ms(times.at(-1)!)}; longest event-loop stall ${(loop.max / 1e6).toFixed(1)} ms` +
      (wrong > 0 ? `; ${wrong} UNEXPECTED ANSWERS` : ''),
  );
}

const sign = (alg: 'RS256' | 'ES256', kid?: string) => Promise.all(Array.from({ length: N }, () => issuer.sign({ aud: 'flock' }, { alg, ...(kid ? { kid } : {}) })));
await verifier.verify(await issuer.sign({ aud: 'flock' })); // discovery and JWKS, once
await phase('rs256', await sign('RS256'), true);
await phase('es256', await sign('ES256'), true);
const before = issuer.counts.jwks;
const unknown = await Promise.all(Array.from({ length: N }, (_, i) => issuer.sign({ aud: 'flock' }, { kid: `nope-${i}` })));
await phase('unknown kids', unknown, false);
console.log(`unknown kids: the JWKS was refetched ${issuer.counts.jwks - before} time(s) for ${N} tokens`);
const huge = `${'a'.repeat(1024 * 1024)}.b.c`;
await phase('oversized', Array.from({ length: 200 }, () => huge), false);
await issuer.close();
