import { join } from 'node:path';
import { FlockError, packArchive, parseOrgName, renderManifest, withOrg, writeDocsJson, type OrgName } from '@flock/core';
import { createClient } from '../client.js';
import { CliExit, type CommandContext } from '../context.js';
import { registryUrl, requireToken } from '../credentials.js';
import { writeDocs } from '../docs-output.js';
import { collectFiles, docsFor, loadProject, readEntries } from '../project.js';
import type { CommandSpec } from './types.js';

function effectiveOrg(ctx: CommandContext, manifestOrg: OrgName | undefined): OrgName {
  const raw = ctx.env.FLOCK_ORG?.trim() || manifestOrg;
  if (!raw) throw new CliExit('No org specified.');
  try {
    return parseOrgName(raw);
  } catch (error) {
    throw new CliExit((error as FlockError).message);
  }
}

export const publishCommand: CommandSpec = {
  name: 'publish',
  summary: 'Publish the package in this folder to the registry',
  async run(_args, _options, ctx) {
    const project = await loadProject(ctx.cwd);
    const token = await requireToken(ctx);
    const manifest = withOrg(project.manifest, effectiveOrg(ctx, project.manifest.package.org));
    const { name, version, org } = manifest.package;

    const files = await readEntries(project.root, await collectFiles(project.root));
    const docs = docsFor(manifest, files);
    ctx.out(await writeDocs(docs, 'json', join(ctx.tmpdir, `flock-docs-${name}-${version}`)));

    // The archive carries a normalised flock.toml with the effective org, so the registry reads what we meant.
    const entries = [{ path: 'flock.toml', bytes: Buffer.from(renderManifest(manifest)) }, ...files];
    const archive = await packArchive({ root: `${name}-${version}`, entries });

    const baseUrl = await registryUrl(ctx);
    const client = createClient(baseUrl, token);
    const path = `api/v1/packages/${org}/${name}/${version}`;
    ctx.out(`Publishing ${org}/${name}@${version} to ${baseUrl}...`);
    const published = await client.request(path, { method: 'PUT', body: archive, contentType: 'application/gzip', auth: true });
    ctx.out(published.text);
    if (!published.ok) return 1;

    ctx.out('Uploading documentation...');
    const uploaded = await client.request(`${path}/docs`, { method: 'PUT', body: writeDocsJson(docs), contentType: 'application/json', auth: true });
    ctx.out(uploaded.text);
    return uploaded.ok ? 0 : 1;
  },
};
