import { packArchive, parseManifest, renderManifest } from '@flock/core';

/** A normalised flock.toml for org/name@version, with `extra` lines added to [package] (or after it). */
export function manifestFor(org: string, name: string, version: string, extra = ''): Buffer {
  return Buffer.from(renderManifest(parseManifest(`[package]\nname = "${name}"\nversion = "${version}"\norg = "${org}"\n${extra}`)));
}

/** The smallest archive a registry accepts: only its flock.toml, packed as `flock publish` packs. */
export function manifestOnlyArchive(org: string, name: string, version: string, extra = ''): Promise<Buffer> {
  return packArchive({ root: `${name}-${version}`, entries: [{ path: 'flock.toml', bytes: manifestFor(org, name, version, extra) }] });
}
