import { durationMs, parseDuration, type Duration } from '@flock/core/duration';
import { isFlockError } from '@flock/core/errors';
import { CliExit, type CommandContext } from '../context.js';
import { readConfig } from '../credentials.js';
import type { SkippedVersion } from './resolver.js';

/**
 * The install cooldown: versions published less than this long ago are not
 * chosen (a locked one still is), so a malicious or broken release has time
 * to be noticed and yanked before it reaches a fresh install.
 */
export interface MinPublishAge {
  ms: number;
  /** As the user wrote it, for messages: "3d". */
  text: string;
}

const from = (duration: Duration): MinPublishAge => ({ ms: durationMs(duration), text: duration });

function parseFrom(raw: string, source: string): MinPublishAge {
  try {
    return from(parseDuration(raw));
  } catch (error) {
    if (isFlockError(error)) throw new CliExit(`${source}: ${error.message}`);
    throw error;
  }
}

/**
 * The cooldown in force: --allow-young turns it off; else --min-publish-age,
 * else [install] min-publish-age in flock.toml, else min-publish-age in
 * ~/.kestrel/config.toml, else none.
 */
export async function minPublishAge(
  ctx: CommandContext, options: { flag?: string; allowYoung?: boolean; manifest?: Duration },
): Promise<MinPublishAge | undefined> {
  if (options.allowYoung) return undefined;
  if (options.flag !== undefined) return parseFrom(options.flag, '--min-publish-age');
  if (options.manifest !== undefined) return from(options.manifest);
  const file = await readConfig(ctx);
  const value = file?.config['min-publish-age'];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new CliExit(`min-publish-age in ${file!.path} must be a duration (a string such as "3d")`);
  return parseFrom(value, `min-publish-age in ${file!.path}`);
}

/** One line on stderr per version held back. */
export function reportSkipped(ctx: CommandContext, skipped: SkippedVersion[], age: MinPublishAge): void {
  for (const s of skipped) {
    ctx.err(`Skipped ${s.package} ${s.version}: published ${s.published}, eligible from ${s.eligible} (min-publish-age ${age.text})`);
  }
}
