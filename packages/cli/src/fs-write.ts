import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { chmod, readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';

export interface AtomicWriteOptions {
  /** The new file's mode; by default the replaced file's, else 0666 minus the umask. */
  mode?: number;
  /** ctx.onInterrupt: lets Ctrl-C remove the temporary file instead of leaving it behind. */
  onInterrupt?: (cleanup: () => void) => () => void;
  /** Whether the data must be on disk before the rename (default true); see the archive cache for when it need not. */
  flush?: boolean;
}

/**
 * Makes a file-system error name `path` (and what was being done to it):
 * readFile on a folder throws EISDIR without any path, and an atomic write's
 * errors would otherwise name its temporary file. main.ts turns the result
 * into one line.
 */
export function namePath(error: unknown, path: string, syscall?: string): unknown {
  const fsError = error as NodeJS.ErrnoException & { dest?: string };
  if (!(error instanceof Error) || typeof fsError.code !== 'string') return error;
  fsError.path = path;
  if (syscall !== undefined) fsError.syscall = syscall;
  delete fsError.dest;
  return error;
}

/** A text file's contents, or null when there is none; other errors name the path (a folder's EISDIR has none). */
export async function readOptional(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw namePath(error, path, 'read');
  }
}

/**
 * Replaces `path` with `data` through a temporary file in the same folder and
 * a rename: readers, a crash or Ctrl-C see the old file or the new one, never
 * half of one. A symlink's target is replaced, not the link.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  const target = await realpath(path).catch(() => path);
  const mode = options.mode ?? (await stat(target).then((s) => (s.isFile() ? s.mode & 0o7777 : undefined), () => undefined));
  const temp = `${target}.${randomUUID()}.tmp`;
  const unregister = options.onInterrupt?.(() => rmSync(temp, { force: true }));
  try {
    await writeFile(temp, data, { flag: 'wx', flush: options.flush ?? true, ...(mode === undefined ? {} : { mode }) });
    // writeFile's mode is reduced by the umask; a credentials file must be exactly 0600.
    if (mode !== undefined) await chmod(temp, mode);
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw namePath(error, target, 'write');
  } finally {
    unregister?.();
  }
}
