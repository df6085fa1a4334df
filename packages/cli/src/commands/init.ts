import { access, mkdir, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { FlockError, parseOrgName, parsePackageName } from '@flock/core';
import { CliExit } from '../context.js';
import type { Run } from './types.js';

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

export const init: Run<{ name?: string; org?: string }> = async (_args, options, ctx) => {
  let name: string;
  try {
    name = parsePackageName(options.name ?? packageNameFrom(basename(ctx.cwd)));
    if (options.org !== undefined) parseOrgName(options.org);
  } catch (error) {
    throw new CliExit((error as FlockError).message);
  }
  if (await exists(join(ctx.cwd, 'flock.toml'))) throw new CliExit(`flock.toml already exists in ${ctx.cwd}`);
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
    await create(join(ctx.cwd, 'flock.toml'), manifestText(name, options.org));
  } catch (error) {
    for (const path of made.reverse()) await rm(path, { recursive: true, force: true });
    throw error;
  }
  ctx.out(`Created package ${name} in ${ctx.cwd}`);
  return 0;
};
