import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { CommandContext } from '../context.js';

/**
 * Runs `fn` with a fresh temporary folder that is removed afterwards: on
 * success, on failure, and on Ctrl-C (the interrupt cleanup removes it
 * synchronously before the process exits with 130).
 */
export async function withTempDir<T>(ctx: CommandContext, prefix: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(ctx.tmpdir, prefix));
  const unregister = ctx.onInterrupt(() => rmSync(dir, { recursive: true, force: true }));
  try {
    return await fn(dir);
  } finally {
    unregister();
    await rm(dir, { recursive: true, force: true });
  }
}
