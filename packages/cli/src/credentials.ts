import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { CliExit, type CommandContext } from './context.js';

export const DEFAULT_REGISTRY = 'https://registry.kestrel-lang.com';

export function kestrelDir(ctx: CommandContext): string {
  return join(ctx.home, '.kestrel');
}

export function credentialsPath(ctx: CommandContext): string {
  return join(kestrelDir(ctx), 'credentials');
}

async function readOptional(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** FLOCK_TOKEN, else the first non-empty line of ~/.kestrel/credentials, else null. */
export async function findToken(ctx: CommandContext): Promise<string | null> {
  const fromEnv = ctx.env.FLOCK_TOKEN?.trim();
  if (fromEnv) return fromEnv;
  const file = await readOptional(credentialsPath(ctx));
  const line = file?.split(/\r?\n/).map((l) => l.trim()).find((l) => l.length > 0);
  return line ?? null;
}

export async function requireToken(ctx: CommandContext): Promise<string> {
  const token = await findToken(ctx);
  if (token === null) throw new CliExit('No auth token found.');
  return token;
}

/** Writes the token with mode 0600 (the folder 0700), replacing any earlier one. */
export async function saveToken(ctx: CommandContext, token: string): Promise<string> {
  await mkdir(kestrelDir(ctx), { recursive: true, mode: 0o700 });
  const path = credentialsPath(ctx);
  await writeFile(path, `${token}\n`, { mode: 0o600 });
  // writeFile's mode applies only when it creates the file; an older file keeps its own.
  await chmod(path, 0o600);
  return path;
}

/** FLOCK_REGISTRY, else `registry` in ~/.kestrel/config.toml, else the public registry. */
export async function registryUrl(ctx: CommandContext): Promise<string> {
  const fromEnv = ctx.env.FLOCK_REGISTRY?.trim();
  if (fromEnv) return fromEnv.replace(/\/+$/, '');
  const path = join(kestrelDir(ctx), 'config.toml');
  const text = await readOptional(path);
  if (text !== null) {
    let config: Record<string, unknown>;
    try {
      config = parseToml(text) as Record<string, unknown>;
    } catch (error) {
      throw new CliExit(`${path}: ${(error as Error).message.split('\n')[0]}`);
    }
    if (typeof config.registry === 'string' && config.registry.length > 0) return config.registry.replace(/\/+$/, '');
  }
  return DEFAULT_REGISTRY;
}
