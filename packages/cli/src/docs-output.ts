import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { countItems, docsFileName, formatLabel, renderDocsHtml, renderDocsMarkdown, writeDocsJson, type DocFormat, type DocModel } from '@flock/core';

const RENDER: Record<DocFormat, (model: DocModel) => string> = {
  json: writeDocsJson,
  html: renderDocsHtml,
  markdown: renderDocsMarkdown,
};

/** Writes the docs in `format` into `dir`; returns the summary line `flock doc` and `flock publish` print. */
export async function writeDocs(model: DocModel, format: DocFormat, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, docsFileName(format)), RENDER[format](model));
  return `wrote ${model.modules.length} modules, ${countItems(model)} items (${formatLabel(format)}) → ${dir}`;
}
