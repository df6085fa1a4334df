import { setTimeout as sleep } from 'node:timers/promises';
import { isFlockError } from '@flock/core';
import { createWitness, loadCosigner } from './witness.js';

export interface WitnessCommandOptions {
  log: string;
  name: string;
  keyFile: string;
  state: string;
  logKey?: string;
  once: boolean;
  intervalMs: number;
  printKey: boolean;
}

/**
 * Runs the witness: with `once`, one round (exit 1 on any problem); otherwise a round every
 * interval until SIGTERM/SIGINT, each problem one line on stderr (a forked log stays refused,
 * since the state keeps the last good checkpoint).
 */
export async function runWitness(options: WitnessCommandOptions): Promise<number> {
  const cosigner = await loadCosigner(options.name, options.keyFile);
  if (options.printKey) {
    process.stdout.write(`${cosigner.verifierKey}\n`);
    return 0;
  }
  process.stderr.write(`witness key: ${cosigner.verifierKey}\n`);
  const witness = createWitness({ log: options.log, cosigner, stateDir: options.state, ...(options.logKey ? { logKey: options.logKey } : {}) });
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  let last = -1;
  try {
    for (;;) {
      try {
        const { origin, cosigned } = await witness.round();
        const newest = Math.max(...cosigned);
        if (newest !== last) process.stdout.write(`cosigned ${origin} at size ${cosigned.join(', ')}\n`);
        last = newest;
      } catch (error) {
        const line = isFlockError(error) ? error.message : String((error as Error)?.message ?? error);
        process.stderr.write(`error: ${line}\n`);
        if (options.once) return 1;
      }
      if (options.once) return 0;
      await sleep(options.intervalMs, undefined, { signal: stop.signal }).catch(() => {});
      if (stop.signal.aborted) return 0;
    }
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}
