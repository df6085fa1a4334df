import { join, resolve } from 'node:path';
import { DOC_FORMATS, isDocFormat } from '@flock/core';
import { CliExit } from '../context.js';
import { writeDocs } from '../docs-output.js';
import { collectFiles, docsFor, loadProject, readEntries } from '../project.js';
import type { Run } from './types.js';

export const doc: Run<{ format: string; out?: string }> = async (_args, options, ctx) => {
  if (!isDocFormat(options.format)) {
    throw new CliExit(`Unknown format "${options.format}": use ${DOC_FORMATS.join(', ')}`);
  }
  // resolve() would turn '' into the current folder and write over an index.html there.
  if (options.out?.trim() === '') throw new CliExit('--out needs a folder name (use --out . for this folder)');
  const project = await loadProject(ctx.cwd);
  const entries = await readEntries(project.root, await collectFiles(project.root));
  // The default is the project's own .flock/doc, even when run from a subfolder; --out is from here.
  const dir = options.out === undefined ? join(project.root, '.flock/doc') : resolve(ctx.cwd, options.out);
  ctx.out(await writeDocs(docsFor(project.manifest, entries), options.format, dir));
  return 0;
};
