import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CliExit, type CommandContext } from './context.js';
import { readOptional, writeFileAtomic } from './fs-write.js';

export const DEFAULT_REGISTRY = 'https://registry.kestrel-lang.com';

export function kestrelDir(ctx: CommandContext): string {
  return join(ctx.home, '.kestrel');
}

export function credentialsPath(ctx: CommandContext): string {
  return join(kestrelDir(ctx), 'credentials');
}

/**
 * A token goes into an HTTP header, which takes visible ASCII only; anything
 * else is refused here, where it is read, and the message names where it came
 * from but never quotes it (an HTTP library's own error may echo the whole header).
 */
export function checkToken(token: string, source: string): string {
  if (!/^[\x21-\x7e]+$/.test(token)) throw new CliExit(`Invalid token in ${source}: it contains whitespace, control or non-ASCII characters`);
  return token;
}

/** FLOCK_TOKEN, else the first non-empty line of ~/.kestrel/credentials, else null. */
export async function findToken(ctx: CommandContext): Promise<string | null> {
  const fromEnv = ctx.env.FLOCK_TOKEN?.trim();
  if (fromEnv) return checkToken(fromEnv, 'FLOCK_TOKEN');
  return savedToken(ctx);
}

/** The first non-empty line of ~/.kestrel/credentials, else null (FLOCK_TOKEN aside). */
export async function savedToken(ctx: CommandContext): Promise<string | null> {
  const path = credentialsPath(ctx);
  const file = await readOptional(path);
  const line = file?.split(/\r?\n/).map((l) => l.trim()).find((l) => l.length > 0);
  return line === undefined ? null : checkToken(line, path);
}

export async function requireToken(ctx: CommandContext): Promise<string> {
  const token = await findToken(ctx);
  if (token === null) throw new CliExit('No auth token found.');
  return token;
}

/** Writes the token with mode 0600 (the folder 0700), replacing any earlier one. */
export async function saveToken(ctx: CommandContext, token: string): Promise<string> {
  await mkdir(kestrelDir(ctx), { recursive: true, mode: 0o700 });
  // mkdir's mode applies only to a folder it creates; an older one (made by the cache, or by hand) may be 0755.
  await chmod(kestrelDir(ctx), 0o700);
  const path = credentialsPath(ctx);
  await writeFileAtomic(path, `${token}\n`, { mode: 0o600, onInterrupt: ctx.onInterrupt });
  return path;
}

/** ~/.kestrel/config.toml as a table, or null when there is none; a syntax error names the file. */
export async function readConfig(ctx: CommandContext): Promise<{ path: string; config: Record<string, unknown> } | null> {
  const path = join(kestrelDir(ctx), 'config.toml');
  const text = await readOptional(path);
  if (text === null) return null;
  // Loaded only for a config file: with FLOCK_REGISTRY set (or no file) every command starts without it.
  const { parse: parseToml } = await import('smol-toml');
  try {
    return { path, config: parseToml(text) as Record<string, unknown> };
  } catch (error) {
    throw new CliExit(`${path}: ${(error as Error).message.split('\n')[0]}`);
  }
}

/** --registry, else FLOCK_REGISTRY, else `registry` in ~/.kestrel/config.toml, else the public registry. */
export async function registryUrl(ctx: CommandContext): Promise<string> {
  if (ctx.registryFlag !== undefined) return checkRegistryUrl(ctx.registryFlag.trim(), '--registry');
  const fromEnv = ctx.env.FLOCK_REGISTRY?.trim();
  if (fromEnv) return checkRegistryUrl(fromEnv, 'FLOCK_REGISTRY');
  const file = await readConfig(ctx);
  if (file !== null) {
    const { path, config } = file;
    // A bad value is an error, never a silent fallback: that would send the token to the public registry.
    if (config.registry !== undefined) {
      if (typeof config.registry !== 'string') throw new CliExit(`registry in ${path} must be an http(s) URL (a string)`);
      return checkRegistryUrl(config.registry.trim(), `registry in ${path}`);
    }
  }
  return DEFAULT_REGISTRY;
}

/**
 * The registry's base URL without trailing slashes, if it is a plain http(s)
 * URL; the value is quoted in the message unless it might hold a password.
 */
function checkRegistryUrl(raw: string, source: string): string {
  let url: URL | null = null;
  try {
    url = new URL(raw);
  } catch {
    // Reported below.
  }
  if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    throw new CliExit(`${source} is not an http(s) URL${raw.includes('@') ? '' : `: ${JSON.stringify(raw)}`}`);
  }
  // Paths join onto the base URL, and the token is the only credential flock sends.
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    throw new CliExit(`${source} must be an http(s) URL without a user, password, query or fragment`);
  }
  return url.href.replace(/\/+$/, '');
}
