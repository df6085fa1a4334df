import type { IndexLineDto } from '@flock/core/api';
import { parsePackageRef } from '@flock/core/names';
import { z } from 'zod';
import { apiFailure } from '../api-error.js';
import { readJsonLines, type RegistryClient } from '../client.js';
import { CliExit } from '../context.js';

/** Reads org/name's sparse index (with the token, for private packages). */
export async function fetchIndex(client: RegistryClient, pkg: string): Promise<IndexLineDto[]> {
  const { org, name } = parsePackageRef(pkg);
  const response = await client.request(`index/${org}/${name}`, { auth: true });
  if (response.status === 404) throw new CliExit(`Package ${pkg} not found at ${client.baseUrl}`);
  if (!response.ok) throw apiFailure(response, `Could not read the index of ${pkg}`);
  return readJsonLines<IndexLineDto>(response, INDEX_LINE);
}

// The checksum names a file in the archive cache, so it must be exactly "sha256:<hex>".
// `published` is optional: older registries do not send it (then min-publish-age cannot hold anything back);
// so are yank reasons and deprecation messages.
const INDEX_LINE = z.object({
  version: z.string(), dependencies: z.record(z.string(), z.string()), checksum: z.string().regex(/^sha256:[0-9a-f]{64}$/), yanked: z.boolean(),
  published: z.iso.datetime().optional(), yankReason: z.string().optional(), deprecated: z.string().optional(),
});
