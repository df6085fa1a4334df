import { describeFlag, describeRebuild, describeTrustedPublish, parsePackageSpec, parseVersion, previousOf, type PackageDto, type VersionDto } from '@flock/core';
import { apiFailure } from '../api-error.js';
import { CliExit } from '../context.js';
import { PACKAGE_ANSWER, readJson, registryClient, VERSION_ANSWER } from '../client.js';
import type { Run } from './types.js';

// The claims are a CI's text: no newline or terminal escape reaches the terminal.
const oneLine = (text: string): string => text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ');

export const show: Run<{ json?: boolean }> = async (args, options, ctx) => {
  const { ref: { org, name }, suffix: versionText } = parsePackageSpec(args[0]!);
  const client = await registryClient(ctx);
  const pkgResponse = await client.request(`api/v1/packages/${org}/${name}`, { auth: true });
  if (!pkgResponse.ok) throw apiFailure(pkgResponse, `Cannot show ${org}/${name}`);
  const pkg = readJson<PackageDto>(pkgResponse, PACKAGE_ANSWER);
  // The registry's `latest` goes into a URL path, so it is parsed like the user's own version.
  const latest = pkg.latest === null ? null : parseVersion(pkg.latest);
  const version = versionText === undefined ? latest : parseVersion(versionText);
  if (version === null) throw new CliExit(`${org}/${name} has no versions`);
  const response = await client.request(`api/v1/packages/${org}/${name}/${version}`, { auth: true });
  if (!response.ok) throw apiFailure(response, `Cannot show ${org}/${name}@${version}`);
  const v = readJson<VersionDto>(response, VERSION_ANSWER);
  const url = `${client.baseUrl}/flock/${org}/${name}/${v.version}`;
  if (options.json) {
    ctx.out(JSON.stringify({ package: pkg, version: v, url }, null, 2));
    return 0;
  }
  ctx.out(`${org}/${name} ${v.version}${v.yanked ? ' (yanked)' : ''}${pkg.visibility === 'private' ? ' (private)' : ''}`);
  if (pkg.deprecated) ctx.out(`deprecated: ${pkg.deprecated}`);
  if (v.yanked && v.yankReason) ctx.out(`yanked: ${v.yankReason}`);
  ctx.out(`description: ${v.description ?? '-'}`);
  ctx.out(`license: ${v.license ?? '-'}`);
  ctx.out(`repository: ${v.repository ?? '-'}`);
  ctx.out(`dependencies: ${v.dependencies.length === 0 ? 'none' : v.dependencies.map((d) => `${d.package} ${d.range}`).join(', ')}`);
  ctx.out(`versions: ${pkg.versions.map((x) => `${x.version}${x.yanked ? ' (yanked)' : ''}`).join(', ')}`);
  ctx.out(`published: ${v.publishedAt} by ${v.publisher}`);
  if (v.trustedPublisher) ctx.out(oneLine(describeTrustedPublish(v.trustedPublisher)));
  if (v.flags && v.flags.length > 0) {
    const before = previousOf(pkg.versions, v.version);
    ctx.out(`Unusual: ${v.flags.map((f) => describeFlag(f, before ? { version: before.version, commit: null } : null)).join('; ')}`);
  }
  // The paths and reasons are the registry's text: one line, no terminal escapes.
  if (v.rebuild) ctx.out(oneLine(`Rebuild: ${describeRebuild(v.rebuild)}`));
  ctx.out(`page: ${url}`);
  return 0;
};
