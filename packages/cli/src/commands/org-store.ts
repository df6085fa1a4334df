import type { OrgStoreDto } from '@flock/core';
import { z } from 'zod';
import { OK_ANSWER } from '../client.js';
import { CliExit } from '../context.js';
import { callRegistry, segment } from './registry-call.js';
import type { Run } from './types.js';

// The fields describe() prints; the optional ones are there when the store is configured.
const STORE_ANSWER = z.object({
  configured: z.boolean(),
  endpoint: z.string().nullish(),
  bucket: z.string().nullish(),
  region: z.string().nullish(),
  prefix: z.string().nullish(),
  checkedAt: z.string().nullish(),
});

function describe(org: string, status: OrgStoreDto): string {
  if (!status.configured) return `${org} uses the registry's store`;
  const where = `s3://${status.bucket}${status.prefix ? `/${status.prefix}` : ''} at ${status.endpoint} (${status.region})`;
  return `${org} stores its packages in ${where}; configured, last checked ${status.checkedAt}`;
}

interface SetOptions {
  endpoint?: string;
  bucket?: string;
  region?: string;
  prefix?: string;
  accessKeyId?: string;
}

export const set: Run<SetOptions> = async ([org], options, ctx) => {
  const missing = (['endpoint', 'bucket', 'accessKeyId'] as const).filter((key) => !options[key]);
  if (missing.length > 0) {
    throw new CliExit(`Missing ${missing.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ')}`);
  }
  // The secret never goes on the command line, where shell history and `ps` would keep it.
  const secretAccessKey = (await ctx.readSecret('Secret access key: ')).trim();
  if (secretAccessKey.length === 0) throw new CliExit('No secret access key given on stdin.');
  const status = await callRegistry<OrgStoreDto>(ctx, `set the store of ${org}`, `api/v1/orgs/${segment(org!)}/store`, STORE_ANSWER, {
    method: 'PUT',
    json: { endpoint: options.endpoint, bucket: options.bucket, region: options.region, ...(options.prefix ? { prefix: options.prefix } : {}), accessKeyId: options.accessKeyId, secretAccessKey },
  });
  ctx.out(describe(org!, status));
  return 0;
};

export const show: Run<{ json?: boolean }> = async ([org], options, ctx) => {
  const status = await callRegistry<OrgStoreDto>(ctx, `show the store of ${org}`, `api/v1/orgs/${segment(org!)}/store`, STORE_ANSWER);
  if (options.json) {
    // The documented shape: every field, null when unset (the registry never sends the keys).
    const { configured, endpoint, bucket, region, prefix, checkedAt } = status;
    ctx.out(JSON.stringify({ configured, endpoint: endpoint ?? null, bucket: bucket ?? null, region: region ?? null, prefix: prefix ?? null, checkedAt: checkedAt ?? null }, null, 2));
    return 0;
  }
  ctx.out(describe(org!, status));
  return 0;
};

export const remove: Run = async ([org], _options, ctx) => {
  await callRegistry(ctx, `remove the store of ${org}`, `api/v1/orgs/${segment(org!)}/store`, OK_ANSWER, { method: 'DELETE' });
  ctx.out(`${org} uses the registry's store again`);
  return 0;
};

export const orgStore: Run = async () => {
  throw new CliExit('Usage: flock org store set|show|remove ORG … (see flock org store --help)');
};
