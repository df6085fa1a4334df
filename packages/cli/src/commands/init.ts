import { access, mkdir, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { FlockError, parseOrgName, parsePackageName, type MeDto } from '@flock/core';
import { apiFailure } from '../api-error.js';
import { createClient, ME_ANSWER, readJson } from '../client.js';
import { CliExit, type CommandContext } from '../context.js';
import { findToken, registryUrl } from '../credentials.js';
import { readOptional, writeFileAtomic } from '../fs-write.js';
import { runGit } from '../git.js';
import type { Run } from './types.js';

/** init only asks who is logged in: an unreachable registry should cost seconds, not the usual two minutes. */
const ME_LIMITS = { idleTimeoutMs: 5_000, maxAnswerBytes: 1024 * 1024 };

function packageNameFrom(folder: string): string {
  const name = folder.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/-+/g, '-').replace(/^[^a-z]+|-+$/g, '');
  return name.length > 0 ? name.slice(0, 64) : 'my-package';
}

function manifestText(name: string, org: string | undefined): string {
  const orgLine = org ? `org = "${org}"` : '# org = "your-name"  # the namespace you publish to (or set FLOCK_ORG)';
  return `[package]\nname = "${name}"\nversion = "0.1.0"\n${orgLine}\ndescription = ""\nlicense = "MIT"\n\n[dependencies]\n`;
}

const SOURCE = (name: string) => `//! ${name}: describe the module here.

/// Returns a friendly greeting for \`who\`.
pub fn greet(who: String) -> String {
    "Hello, " + who + "!"
}
`;

async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}

/**
 * Without --org: the logged-in user's own org, asked of the registry when a
 * token is saved. Any failure (no network, a refused token) leaves org out,
 * with one line on stderr saying why, since init works offline.
 */
async function orgOfUser(ctx: CommandContext): Promise<string | undefined> {
  try {
    const token = await findToken(ctx);
    if (token === null) return undefined;
    const client = createClient(await registryUrl(ctx), token, ME_LIMITS);
    const response = await client.request('api/v1/me', { auth: true });
    if (!response.ok) throw apiFailure(response, `the registry at ${response.registry} refused the token`);
    return parseOrgName(readJson<MeDto>(response, ME_ANSWER).username);
  } catch (error) {
    if (!(error instanceof CliExit) && !(error instanceof FlockError)) throw error;
    ctx.err(`Left org out of flock.toml (${error.message}); set it there or with --org`);
    return undefined;
  }
}

const IGNORED = '.flock/';

/** .gitignore's text with `.flock/` (the docs and installed dependencies) ignored, or null when it already is. */
function withFlockIgnored(existing: string | null): string | null {
  if (existing === null) return `${IGNORED}\n`;
  const lines = existing.split(/\r?\n/).map((l) => l.trim());
  if (lines.some((l) => ['.flock', '.flock/', '/.flock', '/.flock/'].includes(l))) return null;
  return `${existing}${existing === '' || existing.endsWith('\n') ? '' : '\n'}${IGNORED}\n`;
}

/** `git init` unless the folder is already inside a repository; a missing or failing git is said, never fatal. */
async function gitInit(ctx: CommandContext): Promise<void> {
  try {
    if ((await runGit(['rev-parse', '--is-inside-work-tree'], { cwd: ctx.cwd, env: ctx.env })).code === 0) return;
    const init = await runGit(['init', '--quiet'], { cwd: ctx.cwd, env: ctx.env });
    if (init.code === 0) ctx.out(`Initialized an empty git repository in ${ctx.cwd}`);
    else ctx.err(`git init failed (${init.stderr.trim().split('\n')[0] || `exit code ${init.code}`}); no git repository was created`);
  } catch (error) {
    if (!(error instanceof CliExit)) throw error;
    ctx.err('git is not installed, so no git repository was created (flock publish needs one)');
  }
}

export const init: Run<{ name?: string; org?: string }> = async (_args, options, ctx) => {
  let name: string;
  try {
    name = parsePackageName(options.name ?? packageNameFrom(basename(ctx.cwd)));
    if (options.org !== undefined) parseOrgName(options.org);
  } catch (error) {
    throw new CliExit((error as FlockError).message);
  }
  if (await exists(join(ctx.cwd, 'flock.toml'))) throw new CliExit(`flock.toml already exists in ${ctx.cwd}`);
  const org = options.org ?? (await orgOfUser(ctx));
  const gitignore = join(ctx.cwd, '.gitignore');
  const oldIgnore = await readOptional(gitignore);
  const newIgnore = withFlockIgnored(oldIgnore);
  const source = join(ctx.cwd, 'src', `${name.replace(/-/g, '_')}.ks`);
  const readme = join(ctx.cwd, 'README.md');
  // flock.toml comes last, and a failure removes what this run created, so a failed init
  // leaves the folder as it was (and can simply be run again).
  const made: string[] = [];
  const create = async (path: string, text: string) => {
    try {
      await writeFile(path, text, { flag: 'wx' });
    } catch (error) {
      // 'wx' never overwrites: after EEXIST the file is someone else's; after any other error it may be ours, half written.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') made.push(path);
      throw error;
    }
    made.push(path);
  };
  try {
    const src = await mkdir(join(ctx.cwd, 'src'), { recursive: true });
    if (src !== undefined) made.push(src);
    if (!(await exists(readme))) await create(readme, `# ${name}\n\nDescribe your package here.\n`);
    if (!(await exists(source))) await create(source, SOURCE(name));
    if (newIgnore !== null && oldIgnore === null) await create(gitignore, newIgnore);
    else if (newIgnore !== null) await writeFileAtomic(gitignore, newIgnore, { onInterrupt: ctx.onInterrupt });
    await create(join(ctx.cwd, 'flock.toml'), manifestText(name, org));
  } catch (error) {
    for (const path of made.reverse()) await rm(path, { recursive: true, force: true });
    // An appended .gitignore goes back to what it was.
    if (oldIgnore !== null && newIgnore !== null) await writeFileAtomic(gitignore, oldIgnore).catch(() => {});
    throw error;
  }
  ctx.out(`Created package ${name} in ${ctx.cwd}`);
  await gitInit(ctx);
  return 0;
};
