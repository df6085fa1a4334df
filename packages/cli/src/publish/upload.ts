import { describeFlag, PROVENANCE_HEADERS, writeDocsJson } from '@flock/core';
import { z } from 'zod';
import { rawFailure } from '../api-error.js';
import { OK_ANSWER, readJson, type RawResponse, type RegistryClient } from '../client.js';
import type { CommandContext } from '../context.js';
import type { Prepared } from './prepare.js';
import type { SourceInfo } from './source.js';

export const versionPath = (p: Prepared): string => {
  const { org, name, version } = p.member.manifest.package;
  return `api/v1/packages/${org}/${name}/${version}`;
};

export const displayRef = (p: Prepared): string => {
  const { org, name, version } = p.member.manifest.package;
  return `${org}/${name}@${version}`;
};

/**
 * Provenance travels in request headers, not in the archive, so the archive
 * stays a pure function of the commit. Free-text values are percent-encoded
 * (header values must be ASCII); the registry decodes and validates them.
 */
export function provenanceHeaders(info: SourceInfo, prepared: Prepared): Record<string, string> {
  const headers: Record<string, string> = { [PROVENANCE_HEADERS.dirty]: String(info.dirty) };
  if (info.repository !== null) headers[PROVENANCE_HEADERS.repository] = encodeURIComponent(info.repository);
  if (info.commit !== null) headers[PROVENANCE_HEADERS.commit] = info.commit;
  headers[PROVENANCE_HEADERS.path] = encodeURIComponent(prepared.repoPath);
  if (prepared.buildCommand !== null) headers[PROVENANCE_HEADERS.buildCommand] = encodeURIComponent(prepared.buildCommand);
  return headers;
}

/** The seed's Step 4 lines: docs written, publishing, raw response, uploading docs, raw response. Returns success. */
export async function uploadPrepared(
  ctx: CommandContext,
  client: RegistryClient,
  prepared: Prepared,
  info: SourceInfo,
  /** The lineage answer (lineage.ts), sent beside the provenance. */
  lineage: Record<string, string> = {},
): Promise<boolean> {
  ctx.out(prepared.docsLine);
  const path = versionPath(prepared);
  ctx.out(`Publishing ${displayRef(prepared)} to ${client.baseUrl}...`);
  const published = await client.request(path, {
    method: 'PUT',
    body: prepared.packed.archive,
    contentType: 'application/gzip',
    auth: true,
    headers: { ...provenanceHeaders(info, prepared), ...lineage },
  });
  if (!published.ok) return refused(ctx, published);
  // Printed raw (the documented lines), but only once it is a registry's answer: anything else is no success.
  const answer = readJson<z.infer<typeof PUBLISHED_ANSWER>>(published, PUBLISHED_ANSWER);
  ctx.out(published.text);
  if (published.status === 202 && answer.held === true) {
    ctx.out(`${displayRef(prepared)} is held for an owner's approval: ${(answer.flags ?? []).map((f) => describeFlag(f)).join('; ')}`);
  }
  ctx.out('Uploading documentation...');
  const uploaded = await client.request(`${path}/docs`, { method: 'PUT', body: writeDocsJson(prepared.packed.docs), contentType: 'application/json', auth: true });
  if (!uploaded.ok) return refused(ctx, uploaded);
  readJson(uploaded, OK_ANSWER);
  ctx.out(uploaded.text);
  return true;
}

// A held publish (202) also says so, with its flags.
const PUBLISHED_ANSWER = z.object({ ok: z.literal(true), checksum: z.string(), held: z.boolean().optional(), flags: z.array(z.string()).optional() });

/** A refusal goes to stdout like the answers (the registry's raw `{"error":…}`, or one line saying what came instead). */
function refused(ctx: CommandContext, response: RawResponse): false {
  ctx.out(rawFailure(response));
  return false;
}

/** --dry-run: what would be uploaded, and nothing is. */
export function printDryRun(ctx: CommandContext, prepared: Prepared, info: SourceInfo): void {
  ctx.out(prepared.docsLine);
  const { packed } = prepared;
  const width = String(Math.max(0, ...packed.files.map((f) => f.bytes.byteLength))).length;
  ctx.out(`Files in ${displayRef(prepared)} (besides the normalised flock.toml):`);
  for (const file of packed.files) ctx.out(`  ${String(file.bytes.byteLength).padStart(width)}  ${file.path}`);
  ctx.out(`Archive: ${packed.archive.byteLength} bytes, sha256:${packed.sha256}`);
  const where = info.commit ? ` from ${info.commit}${info.dirty ? ' (dirty)' : ''}` : ' (not in git)';
  ctx.out(`Dry run${where}: nothing was uploaded.`);
}
