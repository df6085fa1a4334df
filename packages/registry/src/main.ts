import { Command, Option } from 'commander';
import { FlockError, isFlockError } from '@flock/core';
import { loadConfig, type ConfigOverrides } from './config.js';
import { openRegistry, startServer } from './registry.js';
import { runRebuildWorker } from './rebuild/run.js';
import { runWitness } from './witness/run.js';
import { registerStorageCommands } from './commands/storage.js';
import { registerPolicyCommands } from './commands/policy.js';
import { DEFAULT_SCOPES, SCOPES } from './auth/principal.js';
import { parseScopes } from './services/tokens.js';
import type { Role } from './services/accounts.js';

/** Options every command takes, mirroring the FLOCK_* environment variables. */
function withStorageOptions(command: Command): Command {
  return command
    .option('--data-dir <dir>', 'data folder (env FLOCK_DATA_DIR, default ./.flock-registry)')
    .option('--database-url <url>', 'sqlite:PATH (env FLOCK_DATABASE_URL)')
    .option('--blob-store <url>', 'file://PATH (env FLOCK_BLOB_STORE)');
}

function configFrom(options: ConfigOverrides) {
  return loadConfig(process.env, options);
}

/** Runs an operator command against the database, whether or not a server is running on it. */
async function withRegistry<T>(options: ConfigOverrides, run: (registry: Awaited<ReturnType<typeof openRegistry>>) => Promise<T>): Promise<T> {
  const registry = await openRegistry(configFrom(options));
  try {
    return await run(registry);
  } finally {
    await registry.close();
  }
}

const program = new Command('flock-registry').description('The Flock package registry server and its operator commands');

withStorageOptions(program.command('serve').description('Start the registry'))
  .option('--host <host>', 'address to listen on (env FLOCK_HOST, default 127.0.0.1)')
  .option('--port <port>', 'port (env FLOCK_PORT, default 7878)')
  .option('--public-url <url>', 'the URL users reach the registry at (env FLOCK_PUBLIC_URL)')
  .action(async (options: ConfigOverrides) => {
    const server = await startServer(configFrom(options));
    process.stderr.write(`flock-registry listening on ${server.url}\n`);
    const stop = () => {
      server.close().then(() => process.exit(0), () => process.exit(1));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });

const user = program.command('user').description('Manage users');
withStorageOptions(user.command('add <name>').description('Create a user and their personal organization (reserved names too)'))
  .action(async (name: string, options: ConfigOverrides) => {
    await withRegistry(options, async ({ services }) => {
      await services.accounts.createUser({ username: name, allowReserved: true });
      process.stdout.write(`created user ${name} and organization ${name}\n`);
    });
  });

const org = program.command('org').description('Manage organizations');
withStorageOptions(org.command('add <name>').description('Create a shared organization (reserved names too)'))
  .requiredOption('--owner <user>', 'the first owner')
  .action(async (name: string, options: ConfigOverrides & { owner: string }) => {
    await withRegistry(options, async ({ services }) => {
      const owner = await services.accounts.requireUser(options.owner);
      await services.accounts.createOrg({ name, ownerId: owner.id, allowReserved: true });
      process.stdout.write(`created organization ${name} owned by ${owner.username}\n`);
    });
  });
withStorageOptions(org.command('add-member <org> <user>').description('Add a member to an organization, or change their role'))
  .addOption(new Option('--role <role>', 'owner or member').choices(['owner', 'member']).default('member'))
  .action(async (orgName: string, userName: string, options: ConfigOverrides & { role: Role }) => {
    await withRegistry(options, async ({ services }) => {
      const target = await services.accounts.requireOrg(orgName);
      const member = await services.accounts.requireUser(userName);
      await services.accounts.setMember({ orgId: target.id, userId: member.id, role: options.role });
      process.stdout.write(`${member.username} is now ${options.role === 'owner' ? 'an owner' : 'a member'} of ${target.name}\n`);
    });
  });

const token = program.command('token').description('Manage API tokens');
withStorageOptions(token.command('create').description('Create a token; prints it alone on stdout, once'))
  .requiredOption('--user <name>', 'whose token')
  .option('--name <label>', 'a label to recognise it by', 'cli')
  .option('--scopes <list>', `comma-separated: ${SCOPES.join(', ')}`, DEFAULT_SCOPES.join(','))
  .action(async (options: ConfigOverrides & { user: string; name: string; scopes: string }) => {
    await withRegistry(options, async ({ services }) => {
      const owner = await services.accounts.requireUser(options.user);
      const created = await services.tokens.create({ userId: owner.id, name: options.name, scopes: parseScopes(options.scopes) });
      process.stdout.write(`${created.token}\n`);
    });
  });

const mirror = program.command('mirror').description('Settings of a mirror of another registry (FLOCK_UPSTREAM)');
withStorageOptions(mirror.command('token <org> [token]').description("Set the read token sent to the upstream for ORG's packages (stored sealed), or remove it"))
  .option('--remove', 'remove the token')
  .action(async (orgName: string, value: string | undefined, options: ConfigOverrides & { remove?: boolean }) => {
    if ((value === undefined) === (options.remove !== true)) throw new FlockError('bad_request', 'Give either a token or --remove');
    await withRegistry(options, async ({ services }) => {
      if (services.mirror === null) throw new FlockError('bad_request', 'FLOCK_UPSTREAM is not set: this registry mirrors nothing (run the command with the server\'s settings)');
      await services.mirror.setToken(orgName, value ?? null);
      // The token itself is never printed.
      process.stdout.write(value === undefined ? `removed the upstream token for ${orgName}\n` : `set the upstream token for ${orgName}\n`);
    });
  });

withStorageOptions(program.command('rebuild-worker').description('Rebuild each new version from its recorded commit (without network where unshare -n works) and record whether it reproduces'))
  .option('--once', 'rebuild what is waiting now, then exit')
  .option('--interval <seconds>', 'seconds between looks for new versions', '10')
  .action(async (options: ConfigOverrides & { once?: boolean; interval: string }) => {
    const config = configFrom(options);
    const interval = Number(options.interval);
    if (!Number.isFinite(interval) || interval <= 0) throw new FlockError('bad_request', `Invalid --interval "${options.interval}": expected a positive number of seconds`);
    await runRebuildWorker(config, { once: options.once === true, intervalMs: interval * 1000 });
  });

program.command('witness').description("Cosign a registry's transparency log checkpoints after checking each is consistent with all it saw before")
  .requiredOption('--log <url>', "the registry's URL")
  .requiredOption('--name <name>', 'the witness key name, e.g. witness.example.com/w1')
  .option('--key-file <path>', "the witness key's seed (created, mode 0600, when missing)", 'witness.key')
  .option('--state <dir>', 'where the log key and the last verified checkpoint are kept (one folder per log)', '.flock-witness')
  .option('--log-key <vkey>', "the log's verifier key (default: the key the registry shows the first time)")
  .option('--once', 'one round, then exit (1 on any problem)')
  .option('--interval <seconds>', 'seconds between rounds', '10')
  .option('--print-key', "print the witness's verifier key (for FLOCK_LOG_WITNESSES and clients) and exit")
  .action(async (options: { log: string; name: string; keyFile: string; state: string; logKey?: string; once?: boolean; interval: string; printKey?: boolean }) => {
    const interval = Number(options.interval);
    if (!Number.isFinite(interval) || interval <= 0) throw new FlockError('bad_request', `Invalid --interval "${options.interval}": expected a positive number of seconds`);
    if (!URL.canParse(options.log) || !/^https?:$/.test(new URL(options.log).protocol)) throw new FlockError('bad_request', `Invalid --log "${options.log}": expected the registry's http(s) URL`);
    process.exitCode = await runWitness({
      log: options.log, name: options.name, keyFile: options.keyFile, state: options.state, once: options.once === true,
      intervalMs: interval * 1000, printKey: options.printKey === true, ...(options.logKey ? { logKey: options.logKey } : {}),
    });
  });

// fsck, gc, backup, restore (commands/storage.ts).
registerStorageCommands(program, { withStorageOptions, configFrom, withRegistry });

// Read-only mode, org quotas, audit export.
registerPolicyCommands(program, org, { withStorageOptions, withRegistry });

program.parseAsync(process.argv).catch((error: unknown) => {
  // Known errors are one line for the operator; anything else keeps its stack for a bug report.
  process.stderr.write(isFlockError(error) ? `error: ${error.message}\n` : `${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});
