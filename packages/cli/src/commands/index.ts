import { DOC_FORMATS } from '@flock/core/docs/model';
import type { CommandSpec, OptionSpec, Run } from './types.js';

const REGISTRY_OPTION: OptionSpec = { flags: '--registry <url>', description: 'the registry to use (over FLOCK_REGISTRY and ~/.kestrel/config.toml)' };

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

/**
 * Every command's name, arguments and options, for commander and --help. Each
 * command's code is imported only when it runs: loading them all (and so zod,
 * semver, marked, sanitize-html, tar) made `flock --help` several times slower
 * than starting node.
 */
function lazy<K extends string>(load: () => Promise<Record<K, Run<any>>>, name: K): Run<any> {
  return async (args, options, ctx) => (await load())[name](args, options, ctx);
}

const token = () => import('./token.js');
const org = () => import('./org.js');
const orgStore = () => import('./org-store.js');
const trust = () => import('./trust.js');

const TOKENS_JSON = '[{id, name, scopes, orgs, createdAt, lastUsedAt, expiresAt, expired}] (never secrets)';

const LOG_VERIFY_JSON = '{registry, origin, size, root, previousSize, events: {publish, docs, yank, unyank, visibility}, hidden}';
const logVerify = lazy(() => import('./log.js'), 'log');
const logCommand: CommandSpec = {
  name: 'log',
  summary: "Check the registry's transparency log (flock install and verify check their versions in it)",
  networked: true,
  json: LOG_VERIFY_JSON,
  run: logVerify,
  subcommands: [
    {
      name: 'verify',
      summary: 'Audit the whole log: every record parsed, the root rebuilt and compared with the signed checkpoint, consistent with the one seen before',
      json: LOG_VERIFY_JSON,
      run: logVerify,
    },
  ],
};

const tokenCommand: CommandSpec = {
  name: 'token',
  summary: 'List, create, revoke and rotate your API tokens',
  networked: true,
  run: lazy(token, 'token'),
  subcommands: [
    { name: 'list', summary: 'List your tokens (never their secrets)', json: TOKENS_JSON, run: lazy(token, 'list') },
    {
      name: 'create',
      summary: 'Create a token; prints it alone on stdout, once',
      options: [
        { flags: '--name <label>', description: 'a label to recognise it by', default: 'cli' },
        // manage (tokens, orgs, members, stores) only when named: a default token should not be able to mint others.
        { flags: '--scopes <list>', description: 'comma-separated: publish, yank, read, manage', default: 'publish,yank,read' },
        { flags: '--orgs <list>', description: 'comma-separated orgs it is restricted to (default: all of yours)' },
        { flags: '--expires-in-days <n>', description: 'days until it stops working (default: never)' },
      ],
      run: lazy(token, 'create'),
    },
    { name: 'revoke', args: '<token>', summary: 'Revoke a token (by id or name); it stops working at once', run: lazy(token, 'revoke') },
    { name: 'rotate', args: '<token>', summary: 'Give a token (by id or name) a new secret with the same settings; prints it alone, once', run: lazy(token, 'rotate') },
  ],
};

const orgStoreCommand: CommandSpec = {
  name: 'store',
  summary: "An organization's own S3-compatible Catalog Store",
  run: lazy(orgStore, 'orgStore'),
  subcommands: [
    {
      name: 'set',
      args: '<org>',
      summary: "Use your own S3-compatible store for the org's packages (owners; the secret key is read from stdin)",
      options: [
        { flags: '--endpoint <url>', description: 'the S3 endpoint, e.g. https://s3.eu-west-1.amazonaws.com' },
        { flags: '--bucket <name>', description: 'the bucket' },
        { flags: '--region <region>', description: 'the region', default: 'us-east-1' },
        { flags: '--prefix <prefix>', description: 'a key prefix inside the bucket' },
        { flags: '--access-key-id <id>', description: 'the access key id' },
      ],
      run: lazy(orgStore, 'set'),
    },
    {
      name: 'show',
      args: '<org>',
      summary: "Where the org's packages are stored (members)",
      json: '{configured, endpoint, bucket, region, prefix, checkedAt} (no keys)',
      run: lazy(orgStore, 'show'),
    },
    { name: 'remove', args: '<org>', summary: "Go back to the registry's store (refused while the org's store holds versions)", run: lazy(orgStore, 'remove') },
  ],
};

const orgCommand: CommandSpec = {
  name: 'org',
  summary: 'Create organizations, manage their members and their store',
  networked: true,
  run: lazy(org, 'org'),
  subcommands: [
    { name: 'create', args: '<name>', summary: 'Create a shared organization, owned by you', run: lazy(org, 'create') },
    { name: 'members', args: '<org>', summary: "List an organization's members (members only)", json: '[{username, role, since}]', run: lazy(org, 'members') },
    {
      name: 'add',
      args: '<org> <user>',
      summary: 'Add a member (owners only); --role owner to add an owner',
      options: [{ flags: '--role <role>', description: 'owner or member', default: 'member' }],
      run: lazy(org, 'add'),
    },
    { name: 'role', args: '<org> <user> <role>', summary: "Change a member's role to owner or member (owners only; never the last owner)", run: lazy(org, 'role') },
    { name: 'remove', args: '<org> <user>', summary: 'Remove a member (owners only; never the last owner)', run: lazy(org, 'remove') },
    { name: 'leave', args: '<org>', summary: 'Leave an organization (the last owner cannot)', run: lazy(org, 'leave') },
    orgStoreCommand,
  ],
};

const TRUSTED_PUBLISHER_JSON = '{id, org, package (null: any), issuer, audience, claims, createdBy, createdAt, pending}';

const trustCommand: CommandSpec = {
  name: 'trust',
  summary: 'Trusted publishers: CI identities (OIDC issuer, audience, claim rules) that may publish without a token (owners)',
  networked: true,
  run: lazy(trust, 'trust'),
  subcommands: [
    {
      name: 'add',
      args: '<target>',
      summary: 'Trust a CI identity to publish ORG/NAME (or, given ORG alone, any package of ORG)',
      options: [
        { flags: '--issuer <url>', description: "the OIDC issuer, exactly as the ID token's iss" },
        { flags: '--audience <aud>', description: "the ID token's aud (default: the registry's origin)" },
        { flags: '--claim <name=value>', description: 'a claim the ID token must carry exactly, e.g. repository=acme/palette (repeat for more)', repeatable: true },
      ],
      json: TRUSTED_PUBLISHER_JSON,
      run: lazy(trust, 'add'),
    },
    { name: 'list', args: '<target>', summary: 'List the trusted publishers of ORG (all) or ORG/NAME (its own and the org-wide ones)', json: `[${TRUSTED_PUBLISHER_JSON}]`, run: lazy(trust, 'list') },
    { name: 'remove', args: '<org> <id>', summary: 'Remove a trusted publisher at once (its unused short-lived tokens stop working)', run: lazy(trust, 'remove') },
  ],
};

/** install and add (and update, which resolves the same way). */
const COOLDOWN_OPTIONS = [
  { flags: '--min-publish-age <duration>', description: 'skip versions published less than this long ago, e.g. 3d, 12h, 90m, 1w (locked ones excepted)' },
  { flags: '--allow-young', description: 'no min-publish-age for this run, whatever flock.toml or config.toml say' },
];

/** In the order `flock --help` lists them. */
export const COMMANDS: CommandSpec[] = [
  {
    name: 'init',
    summary: 'Create flock.toml, README.md and src/ in this folder',
    options: [
      { flags: '--name <name>', description: 'package name (default: the folder name)' },
      { flags: '--org <org>', description: 'the org to publish under' },
    ],
    run: lazy(() => import('./init.js'), 'init'),
  },
  {
    name: 'doc',
    summary: 'Write API docs from the /// comments in src/',
    options: [
      { flags: '--format <format>', description: `one of ${DOC_FORMATS.join(', ')}`, default: 'html' },
      { flags: '--out <dir>', description: 'folder to write into (default .flock/doc)' },
    ],
    run: lazy(() => import('./doc.js'), 'doc'),
  },
  {
    name: 'login',
    summary: 'Save a token to ~/.kestrel/credentials after checking it with the registry',
    options: [{ flags: '--web', description: 'approve a new token in the browser instead of pasting one' }],
    networked: true,
    run: lazy(() => import('./login.js'), 'login'),
  },
  {
    name: 'logout',
    summary: 'Remove the saved token from ~/.kestrel/credentials',
    options: [{ flags: '--revoke', description: 'also revoke it at the registry first' }],
    networked: true,
    run: lazy(() => import('./logout.js'), 'logout'),
  },
  {
    name: 'whoami',
    summary: 'Show whose token this is and which orgs it can publish to',
    networked: true,
    json: '{username, orgs: [{name, role}], token: {name, scopes} | null}',
    run: lazy(() => import('./whoami.js'), 'whoami'),
  },
  {
    name: 'publish',
    args: '[name]',
    summary: 'Publish the package in this folder (or a workspace member, or --all of them) to the registry',
    options: [
      { flags: '--all', description: 'publish every workspace member not yet on the registry, in dependency order' },
      { flags: '--allow-dirty', description: 'skip the git checks and pack the working folder (recorded as dirty)' },
      { flags: '--dry-run', description: 'build and pack, print what would be uploaded, upload nothing' },
      { flags: '--org <org>', description: 'the org to publish under (over FLOCK_ORG and the manifest)' },
    ],
    networked: true,
    run: lazy(() => import('./publish.js'), 'publish'),
  },
  {
    name: 'pack',
    summary: 'Build and pack the package in this folder exactly as publish would, into a .tar.gz (no registry, no network)',
    options: [
      { flags: '--out <file>', description: 'where to write the archive (default: NAME-VERSION.tar.gz here)' },
      { flags: '--org <org>', description: 'the org to pack under (over FLOCK_ORG and the manifest)' },
    ],
    run: lazy(() => import('./pack.js'), 'pack'),
  },
  {
    name: 'verify',
    args: '<ref>',
    summary: 'Check org/name@version in the transparency log, rebuild it from its recorded commit and compare the sha256 with the registry\'s',
    networked: true,
    run: lazy(() => import('./verify.js'), 'verify'),
  },
  {
    name: 'search',
    args: '<words...>',
    summary: 'Search the registry: one line per package (org/name version — description)',
    json: "the registry's answer: {query, page, perPage, total, hits: [{org, name, version, description}]}",
    options: [
      { flags: '--page <n>', description: 'page of results', default: '1' },
    ],
    networked: true,
    run: lazy(() => import('./search.js'), 'search'),
  },
  {
    name: 'show',
    args: '<package>',
    summary: 'Show a package: org/name[@version]',
    json: '{package, version, url}',
    networked: true,
    run: lazy(() => import('./show.js'), 'show'),
  },
  {
    name: 'add',
    args: '<packages...>',
    summary: 'Add dependencies (org/name[@range], default: ^newest) to flock.toml and install',
    options: COOLDOWN_OPTIONS,
    networked: true,
    run: lazy(() => import('./add.js'), 'add'),
  },
  {
    name: 'remove',
    args: '<package>',
    summary: 'Remove a dependency (org/name) from flock.toml and update the install',
    networked: true,
    run: lazy(() => import('./remove.js'), 'remove'),
  },
  {
    name: 'install',
    summary: 'Resolve [dependencies], write flock.lock, and install into .flock/deps',
    options: [
      { flags: '--locked', description: 'fail if flock.lock would change' },
      { flags: '--offline', description: "use only flock.lock and the archive cache; never the network (so not the registry's transparency log either)" },
      { flags: '--frozen', description: '--locked and --offline together' },
      ...COOLDOWN_OPTIONS,
    ],
    networked: true,
    run: lazy(() => import('./install.js'), 'install'),
  },
  {
    name: 'update',
    args: '[packages...]',
    summary: 'Move the named packages (default: all) in flock.lock to the newest versions flock.toml allows, and install',
    options: COOLDOWN_OPTIONS,
    networked: true,
    run: lazy(() => import('./update.js'), 'update'),
  },
  {
    name: 'outdated',
    summary: 'For each dependency: the locked version, the newest its range allows, the newest of all',
    options: [
      { flags: '--all', description: 'also the packages your dependencies depend on' },
    ],
    networked: true,
    json: '[{package, current, compatible, latest, range}]',
    run: lazy(() => import('./outdated.js'), 'outdated'),
  },
  {
    name: 'tree',
    summary: 'Show the dependency tree from flock.lock',
    json: '{package, version, dependencies: [{package, version, range, repeated, dependencies}]}',
    run: lazy(() => import('./tree.js'), 'tree'),
  },
  {
    name: 'why',
    args: '<package>',
    summary: 'Show every path from flock.toml to a package in flock.lock (org/name[@version])',
    json: '[{package, version, dependents: [{package, version, range, repeated, dependents}]}]',
    run: lazy(() => import('./why.js'), 'why'),
  },
  {
    name: 'yank',
    args: '<version>',
    summary: 'Yank org/name@version: it stays installable from lockfiles but is never chosen anew',
    options: [
      { flags: '--reason <text>', description: 'why (one line, at most 500 characters): shown to whoever installs it' },
      { flags: '--undo', description: 'unyank the version (and clear its reason)' },
    ],
    networked: true,
    run: lazy(() => import('./yank.js'), 'yank'),
  },
  {
    name: 'deprecate',
    args: '<package>',
    summary: 'Deprecate org/name: installs warn with the message (org owners)',
    options: [
      { flags: '--message <text>', description: 'what to say (one line, at most 500 characters), e.g. what to use instead' },
      { flags: '--undo', description: 'clear the deprecation' },
    ],
    networked: true,
    run: lazy(() => import('./deprecate.js'), 'deprecate'),
  },
  {
    name: 'held',
    args: '<package>',
    summary: "List org/name's publishes held for an owner's approval (unusual ones, when the org holds them), and rejected ones",
    json: '[{version, flags, heldAt, publisher, rejectedAt, decidedBy, provenance}]',
    networked: true,
    run: lazy(() => import('./held.js'), 'held'),
  },
  {
    name: 'approve',
    args: '<version>',
    summary: 'Approve a held org/name@version: it is published (org owners)',
    networked: true,
    run: lazy(() => import('./approve.js'), 'approve'),
  },
  {
    name: 'reject',
    args: '<version>',
    summary: 'Reject a held org/name@version: it stays unpublished, its number taken (org owners)',
    networked: true,
    run: lazy(() => import('./reject.js'), 'reject'),
  },
  {
    name: 'access',
    args: '<action> <package> <visibility>',
    summary: 'Set who can see a package: flock access set org/name private|public (org owners)',
    networked: true,
    run: lazy(() => import('./access.js'), 'access'),
  },
  tokenCommand,
  logCommand,
  orgCommand,
  trustCommand,
  {
    name: 'settings',
    args: '<target>',
    summary: 'Show the publishing settings of ORG or ORG/NAME; change those given (owners)',
    options: [
      { flags: '--trusted-publishing-only <on|off>', description: 'refuse publishes with a token or a session: only trusted publishers' },
      { flags: '--hold-unusual <on|off>', description: "hold unusual publishes for an owner's approval (orgs only)" },
    ],
    networked: true,
    json: '{trustedPublishingOnly, holdUnusual} for an org, {trustedPublishingOnly, orgTrustedPublishingOnly} for a package',
    run: lazy(() => import('./settings.js'), 'settings'),
  },
  {
    name: 'owners',
    args: '<package>',
    summary: 'Who can publish ORG/NAME now: members, tokens, trusted publishers, short-lived tokens (org owners)',
    networked: true,
    json: '{package, settings, tokenPublishes, people: [{username, role}], tokens: [{id, name, owner, scopes, lastUsedAt, expiresAt}], trustedPublishers, shortLivedTokens: [{id, publisherId, publisher, createdAt, expiresAt}]}',
    run: lazy(() => import('./owners.js'), 'owners'),
  },
  {
    name: 'completions',
    args: '<shell>',
    summary: 'Print a completion script for bash, zsh or fish (e.g. source <(flock completions bash))',
    run: lazy(() => import('./completions.js'), 'completions'),
  },
];
