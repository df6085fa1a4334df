import { FlockError, formatClaimRules, parseClaimRules, parseIssuer, parseOrgName, parsePackageName, type TrustedPublisherDto } from '@flock/core';
import { z } from 'zod';
import { OK_ANSWER } from '../client.js';
import { CliExit } from '../context.js';
import { registryUrl } from '../credentials.js';
import { callRegistry, printTable, segment } from './registry-call.js';
import type { Run } from './types.js';

export const PUBLISHER_ANSWER = z.object({
  id: z.string(),
  org: z.string(),
  package: z.string().nullable(),
  issuer: z.string(),
  audience: z.string(),
  claims: z.record(z.string(), z.string()),
  createdBy: z.string(),
  createdAt: z.string(),
  pending: z.boolean(),
});

/** ORG or ORG/NAME, checked here so a typo fails before any request: `Cannot <action>: <reason>`. */
export function parseTarget(ref: string, action: string): { org: string; name: string | null } {
  const [org, name, extra] = ref.split('/');
  try {
    if (extra !== undefined) throw new FlockError('bad_request', `${JSON.stringify(ref)} is not ORG or ORG/NAME`);
    return { org: parseOrgName(org ?? ''), name: name === undefined ? null : parsePackageName(name) };
  } catch (error) {
    throw new CliExit(`Cannot ${action}: ${(error as Error).message}`);
  }
}

const rulesOf = (p: TrustedPublisherDto) => formatClaimRules(p.claims);

/** `name=value` pairs from --claim, into the object the API takes. */
function claimsOf(values: string[]): Record<string, string> {
  const claims: Record<string, string> = {};
  for (const value of values) {
    const at = value.indexOf('=');
    if (at <= 0) throw new FlockError('bad_request', `--claim ${JSON.stringify(value)} is not name=value`);
    const name = value.slice(0, at).trim();
    if (Object.hasOwn(claims, name)) throw new FlockError('bad_request', `claim ${name} is given twice`);
    claims[name] = value.slice(at + 1);
  }
  return parseClaimRules(claims);
}

interface AddOptions {
  issuer?: string;
  audience?: string;
  claim: string[];
  json?: boolean;
}

export const add: Run<AddOptions> = async ([ref], options, ctx) => {
  const { org, name } = parseTarget(ref!, 'add a trusted publisher');
  const action = `add a trusted publisher to ${ref}`;
  let body: { package: string | null; issuer: string; audience: string; claims: Record<string, string> };
  try {
    if (options.issuer === undefined) throw new FlockError('bad_request', 'give the issuer with --issuer URL, e.g. --issuer https://token.actions.githubusercontent.com');
    // The default audience is the registry's origin: what `flock publish` asks the CI's issuer for.
    const audience = options.audience ?? new URL(await registryUrl(ctx)).origin;
    body = { package: name, issuer: parseIssuer(options.issuer), audience, claims: claimsOf(options.claim ?? []) };
  } catch (error) {
    if (error instanceof CliExit) throw error;
    throw new CliExit(`Cannot ${action}: ${(error as Error).message}`);
  }
  const added = await callRegistry<TrustedPublisherDto>(ctx, action, `api/v1/orgs/${segment(org)}/trusted-publishers`, PUBLISHER_ANSWER, { method: 'POST', json: body });
  if (options.json) {
    ctx.out(JSON.stringify(added, null, 2));
    return 0;
  }
  ctx.out(`Added trusted publisher ${added.id} for ${added.org}/${added.package ?? '*'}: ${added.issuer}, audience ${added.audience}, rules ${rulesOf(added)}`);
  if (added.pending) ctx.out(`${added.org}/${added.package} does not exist yet: this publisher's first publish creates it.`);
  return 0;
};

export const list: Run<{ json?: boolean }> = async ([ref], options, ctx) => {
  const { org, name } = parseTarget(ref!, 'list trusted publishers');
  const query = name === null ? '' : `?package=${segment(name)}`;
  const publishers = await callRegistry<TrustedPublisherDto[]>(ctx, `list the trusted publishers of ${ref}`, `api/v1/orgs/${segment(org)}/trusted-publishers${query}`, z.array(PUBLISHER_ANSWER));
  if (options.json) {
    ctx.out(JSON.stringify(publishers, null, 2));
    return 0;
  }
  if (publishers.length === 0) {
    ctx.out(`No trusted publishers for ${ref}.`);
    return 0;
  }
  const rows = publishers.map((p) => [p.id, p.package ?? '*', p.issuer, p.audience, rulesOf(p), p.pending ? 'pending' : '']);
  printTable(ctx, [['ID', 'PACKAGE', 'ISSUER', 'AUDIENCE', 'RULES', ''], ...rows]);
  return 0;
};

export const remove: Run = async ([org, id], _options, ctx) => {
  const target = parseTarget(org!, `remove trusted publisher ${id}`);
  if (target.name !== null) throw new CliExit(`Cannot remove trusted publisher ${id}: give the org alone (flock trust remove ${target.org} ${id})`);
  await callRegistry(ctx, `remove trusted publisher ${id}`, `api/v1/orgs/${segment(target.org)}/trusted-publishers/${segment(id!)}`, OK_ANSWER, { method: 'DELETE' });
  ctx.out(`Removed trusted publisher ${id} from ${target.org}; its unused short-lived tokens no longer work`);
  return 0;
};

export const trust: Run = async () => {
  throw new CliExit('Usage: flock trust add|list|remove … (see flock trust --help)');
};
