import { z } from 'zod';
import { CliExit } from '../context.js';
import { callRegistry, segment } from './registry-call.js';
import { parseTarget } from './trust.js';
import type { Run } from './types.js';

const ORG_SETTINGS = z.object({ trustedPublishingOnly: z.boolean(), holdUnusual: z.boolean() });
const PACKAGE_SETTINGS = z.object({ trustedPublishingOnly: z.boolean(), orgTrustedPublishingOnly: z.boolean() });

interface SettingsOptions {
  trustedPublishingOnly?: string;
  holdUnusual?: string;
  json?: boolean;
}

const onOff = (value: boolean) => (value ? 'on' : 'off');

function flag(value: string | undefined, option: string, action: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === 'on' || value === 'off') return value === 'on';
  throw new CliExit(`Cannot ${action}: ${option} takes on or off, not ${JSON.stringify(value)}`);
}

/** `flock settings ORG[/NAME]`: shows the publishing settings, and changes those given (owners). */
export const settings: Run<SettingsOptions> = async ([ref], options, ctx) => {
  const { org, name } = parseTarget(ref!, 'change settings');
  const action = `change the settings of ${ref}`;
  const trustedPublishingOnly = flag(options.trustedPublishingOnly, '--trusted-publishing-only', action);
  const holdUnusual = flag(options.holdUnusual, '--hold-unusual', action);
  if (name !== null) {
    if (holdUnusual !== undefined) throw new CliExit(`Cannot ${action}: --hold-unusual is an org setting (flock settings ${org} --hold-unusual ${options.holdUnusual})`);
    const path = `api/v1/packages/${segment(org)}/${segment(name)}/settings`;
    const answer = trustedPublishingOnly === undefined
      ? await callRegistry<z.infer<typeof PACKAGE_SETTINGS>>(ctx, `show the settings of ${ref}`, path, PACKAGE_SETTINGS)
      : await callRegistry<z.infer<typeof PACKAGE_SETTINGS>>(ctx, action, path, PACKAGE_SETTINGS, { method: 'PUT', json: { trustedPublishingOnly } });
    if (options.json) ctx.out(JSON.stringify(answer, null, 2));
    else ctx.out(`${org}/${name}: trusted-publishing-only ${onOff(answer.trustedPublishingOnly)} (org ${org}: ${onOff(answer.orgTrustedPublishingOnly)})`);
    return 0;
  }
  const path = `api/v1/orgs/${segment(org)}/settings`;
  const changes = { ...(trustedPublishingOnly === undefined ? {} : { trustedPublishingOnly }), ...(holdUnusual === undefined ? {} : { holdUnusual }) };
  const answer = Object.keys(changes).length === 0
    ? await callRegistry<z.infer<typeof ORG_SETTINGS>>(ctx, `show the settings of ${ref}`, path, ORG_SETTINGS)
    : await callRegistry<z.infer<typeof ORG_SETTINGS>>(ctx, action, path, ORG_SETTINGS, { method: 'PUT', json: changes });
  if (options.json) ctx.out(JSON.stringify(answer, null, 2));
  else ctx.out(`${org}: trusted-publishing-only ${onOff(answer.trustedPublishingOnly)}, hold-unusual ${onOff(answer.holdUnusual)}`);
  return 0;
};
