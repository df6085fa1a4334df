import type { CommandSpec, OptionSpec } from './types.js';

export const REGISTRY_OPTION: OptionSpec = { flags: '--registry <url>', description: 'the registry to use (over FLOCK_REGISTRY and ~/.kestrel/config.toml)' };

/**
 * A command's options as commander and the completion scripts see them: its
 * own, plus those its metadata implies (--json, --registry), so a command gets
 * them by setting a field in its spec. `inherited` is a group's `networked`.
 */
export function optionsOf(spec: CommandSpec, inherited = false): OptionSpec[] {
  const options = [...(spec.options ?? [])];
  if (spec.json !== undefined) options.push({ flags: '--json', description: `print JSON: ${spec.json}` });
  if (spec.networked || inherited) options.push(REGISTRY_OPTION);
  return options;
}
