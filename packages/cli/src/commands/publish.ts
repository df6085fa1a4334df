import { maxSatisfying, type PackageDto, type Version } from '@flock/core';
import { apiFailure } from '../api-error.js';
import { createClient, PACKAGE_ANSWER, readJson, VERSION_ANSWER, type RegistryClient } from '../client.js';
import { CliExit, type CommandContext } from '../context.js';
import { findToken, registryUrl, requireToken } from '../credentials.js';
import { exchangeFor, trustedPublishing } from '../publish/oidc.js';
import { loadMembers, prepareMember, effectiveOrg, type Prepared, type Selection } from '../publish/prepare.js';
import { lineageHeaders, previousFromList, previousFromRegistry } from '../publish/lineage.js';
import { withSource } from '../publish/source.js';
import { displayRef, printDryRun, uploadPrepared, versionPath } from '../publish/upload.js';
import { checkSize, findWorkspaceRoot, orderMembers, readFlockToml } from '../publish/workspace.js';
import { findProjectRoot, noProjectMessage } from '../project.js';
import type { Run } from './types.js';

interface PublishOptions {
  all?: boolean;
  allowDirty?: boolean;
  dryRun?: boolean;
  org?: string;
}

interface Target {
  /** The folder the git checks and the clone start from. */
  projectDir: string;
  selection: Selection;
}

/**
 * Which folder and which packages: `flock publish` is the package of the
 * nearest flock.toml at or above this folder (a workspace member's own, inside
 * one); `flock publish NAME` and `--all` look for the nearest workspace root at
 * or above it. Manifest errors surface here, before anything else.
 */
async function resolveTarget(ctx: CommandContext, name: string | undefined, all: boolean, orgFlag: string | undefined): Promise<Target> {
  const nearest = await findProjectRoot(ctx.cwd);
  const here = nearest === null ? null : await readFlockToml(nearest.root);
  if (name === undefined && !all) {
    if (nearest === null || here === null) throw new CliExit(noProjectMessage(ctx.cwd));
    if (here.manifest) {
      // The seed's "No org specified." comes before any git check.
      effectiveOrg(ctx, here.manifest.package.org, orgFlag);
      return { projectDir: nearest.root, selection: { kind: 'single' } };
    }
    throw new CliExit('flock.toml here is a workspace root: publish one member with `flock publish NAME`, or all with `flock publish --all`');
  }
  if (name !== undefined && all) throw new CliExit('Give either a member name or --all, not both');
  const root = await findWorkspaceRoot(ctx.cwd);
  if (root !== null) return { projectDir: root, selection: all ? { kind: 'all' } : { kind: 'name', name: name! } };
  if (here?.manifest && name !== undefined && here.manifest.package.name === name) {
    return { projectDir: nearest!.root, selection: { kind: 'single' } };
  }
  throw new CliExit('No workspace here: no flock.toml with [workspace] in this folder or above it');
}

/** For --all: the prepared members whose version the registry does not have yet. */
async function unpublished(client: RegistryClient, prepared: Prepared[]): Promise<Prepared[]> {
  const todo: Prepared[] = [];
  for (const p of prepared) {
    const found = await client.request(versionPath(p), { auth: true });
    if (found.status === 404) todo.push(p);
    else if (!found.ok) throw apiFailure(found, `Could not check ${displayRef(p)} on the registry`);
    // "Already published" is believed only from a registry's answer about that version.
    else readJson(found, VERSION_ANSWER);
  }
  return todo;
}

/**
 * For --all: a dependency outside the workspace must already be on the
 * registry with a version in range (the registry would refuse it anyway, but
 * only after earlier members were uploaded).
 */
async function checkOutsideDependencies(client: RegistryClient, prepared: Prepared[]): Promise<void> {
  const members = new Set(prepared.map((p) => `${p.member.manifest.package.org}/${p.member.manifest.package.name}`));
  for (const p of prepared) {
    for (const [dep, range] of Object.entries(p.member.manifest.dependencies)) {
      if (members.has(dep)) continue;
      const found = await client.request(`api/v1/packages/${dep}`, { auth: true });
      const versions = found.ok ? readJson<PackageDto>(found, PACKAGE_ANSWER).versions.filter((v) => !v.yanked).map((v) => v.version as Version) : [];
      if (maxSatisfying(versions, range) === null) {
        throw new CliExit(`${displayRef(p)} depends on ${dep} ${range}, which is neither a workspace member nor on the registry`);
      }
    }
  }
}

async function publishAll(ctx: CommandContext, client: RegistryClient | null, prepared: Prepared[], run: (p: Prepared) => Promise<boolean>): Promise<number> {
  for (const p of prepared) checkSize(displayRef(p), p.packed.archive.byteLength);
  if (client) await checkOutsideDependencies(client, prepared);
  const todo = client ? await unpublished(client, prepared) : prepared;
  const skipped = prepared.filter((p) => !todo.includes(p));
  for (const p of skipped) ctx.err(`${displayRef(p)} is already on the registry; skipping`);
  if (todo.length === 0) ctx.err('Every workspace member is already published.');
  for (const p of todo) if (!(await run(p))) return 1;
  return 0;
}

export const publish: Run<PublishOptions> = async (args, options, ctx) => {
  const all = options.all === true;
  const target = await resolveTarget(ctx, args[0], all, options.org);
  const dryRun = options.dryRun === true;
  const baseUrl = await registryUrl(ctx);
  // In CI with an ID token, each package gets its own short-lived token from the exchange: no saved login needed.
  const trusted = dryRun ? null : trustedPublishing(ctx, baseUrl);
  // A dry run needs no token, but --all uses one (if any) to tell which members are already published.
  const token = dryRun || trusted ? await findToken(ctx) : await requireToken(ctx);
  const client = token === null && !trusted ? null : createClient(baseUrl, token);
  const told = { said: false };

  return withSource(ctx, { projectDir: target.projectDir, allowDirty: options.allowDirty === true }, async (source) => {
    const members = await loadMembers(ctx, source, target.selection, options.org);
    const ordered = all ? orderMembers(members) : members;
    // Every member is built and packed before the first upload, so a failure anywhere uploads nothing.
    const prepared: Prepared[] = [];
    for (const member of ordered) prepared.push(await prepareMember(ctx, source, member));
    const run = async (p: Prepared): Promise<boolean> => {
      if (dryRun) return printDryRun(ctx, p, source.info), true;
      if (!trusted) return uploadPrepared(ctx, client!, p, source.info, await lineageHeaders(ctx, previousFromRegistry(client!), p, source));
      const { org, name } = p.member.manifest.package;
      const exchanged = await exchangeFor(ctx, trusted, baseUrl, `${org}/${name}`, told);
      const lineage = await lineageHeaders(ctx, previousFromList(exchanged.versions), p, source);
      return uploadPrepared(ctx, exchanged.client, p, source.info, lineage);
    };
    if (all) return publishAll(ctx, dryRun ? null : client, prepared, run);
    for (const p of prepared) if (!(await run(p))) return 1;
    return 0;
  });
};
