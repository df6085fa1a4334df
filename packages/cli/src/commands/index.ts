import { DOC_FORMATS } from '@flock/core/docs/model';
import type { CommandSpec, Run } from './types.js';

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

const tokenCommand: CommandSpec = {
  name: 'token',
  summary: 'List, create, revoke and rotate your API tokens',
  run: lazy(token, 'token'),
  subcommands: [
    { name: 'list', summary: 'List your tokens (never their secrets)', run: lazy(token, 'list') },
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
    { name: 'show', args: '<org>', summary: "Where the org's packages are stored (members)", run: lazy(orgStore, 'show') },
    { name: 'remove', args: '<org>', summary: "Go back to the registry's store (refused while the org's store holds versions)", run: lazy(orgStore, 'remove') },
  ],
};

const orgCommand: CommandSpec = {
  name: 'org',
  summary: 'Create organizations, manage their members and their store',
  run: lazy(org, 'org'),
  subcommands: [
    { name: 'create', args: '<name>', summary: 'Create a shared organization, owned by you', run: lazy(org, 'create') },
    { name: 'members', args: '<org>', summary: "List an organization's members (members only)", run: lazy(org, 'members') },
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
  { name: 'login', summary: 'Save a token to ~/.kestrel/credentials after checking it with the registry', run: lazy(() => import('./login.js'), 'login') },
  { name: 'whoami', summary: 'Show whose token this is and which orgs it can publish to', run: lazy(() => import('./whoami.js'), 'whoami') },
  {
    name: 'publish',
    args: '[name]',
    summary: 'Publish the package in this folder (or a workspace member, or --all of them) to the registry',
    options: [
      { flags: '--all', description: 'publish every workspace member not yet on the registry, in dependency order' },
      { flags: '--allow-dirty', description: 'skip the git checks and pack the working folder (recorded as dirty)' },
      { flags: '--dry-run', description: 'build and pack, print what would be uploaded, upload nothing' },
    ],
    run: lazy(() => import('./publish.js'), 'publish'),
  },
  {
    name: 'verify',
    args: '<ref>',
    summary: 'Rebuild org/name@version from its recorded commit and compare the sha256 with the registry\'s',
    run: lazy(() => import('./verify.js'), 'verify'),
  },
  {
    name: 'search',
    args: '<words...>',
    summary: 'Search the registry: one line per package (org/name version — description)',
    options: [
      { flags: '--json', description: 'print the registry\'s JSON answer' },
      { flags: '--page <n>', description: 'page of results', default: '1' },
    ],
    run: lazy(() => import('./search.js'), 'search'),
  },
  {
    name: 'show',
    args: '<package>',
    summary: 'Show a package: org/name[@version]',
    options: [{ flags: '--json', description: 'print JSON: {package, version, url}' }],
    run: lazy(() => import('./show.js'), 'show'),
  },
  {
    name: 'add',
    args: '<package>',
    summary: 'Add a dependency (org/name[@range], default: ^newest) to flock.toml and install',
    options: COOLDOWN_OPTIONS,
    run: lazy(() => import('./add.js'), 'add'),
  },
  {
    name: 'remove',
    args: '<package>',
    summary: 'Remove a dependency (org/name) from flock.toml and update the install',
    run: lazy(() => import('./remove.js'), 'remove'),
  },
  {
    name: 'install',
    summary: 'Resolve [dependencies], write flock.lock, and install into .flock/deps',
    options: [{ flags: '--locked', description: 'fail if flock.lock would change' }, ...COOLDOWN_OPTIONS],
    run: lazy(() => import('./install.js'), 'install'),
  },
  {
    name: 'yank',
    args: '<version>',
    summary: 'Yank org/name@version: it stays installable from lockfiles but is never chosen anew',
    options: [{ flags: '--undo', description: 'unyank the version' }],
    run: lazy(() => import('./yank.js'), 'yank'),
  },
  {
    name: 'access',
    args: '<action> <package> <visibility>',
    summary: 'Set who can see a package: flock access set org/name private|public (org owners)',
    run: lazy(() => import('./access.js'), 'access'),
  },
  tokenCommand,
  orgCommand,
];
