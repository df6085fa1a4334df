import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCosignatures, createCosigner, parseCosignerKey, parseSignedNote, signCheckpoint, createNoteSigner, type Cosigner } from '@flock/core';
import { manifestOnlyArchive } from '../../../test-support/archives.js';
import { REGISTRY_BIN, runBin, runFlock, spawnRegistry } from '../../../test-support/cli.js';
import { startLogProxy } from '../../../test-support/log-proxy.js';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';
import { fetchCheckpoint, fetchEntries, httpTileReader } from '../../../test-support/tlog.js';
import { treeHash } from '@flock/core';
import { logKeySeed } from '../src/services/transparency-log.js';

// Issue 15: witnesses cosign the log's checkpoints (`flock-registry witness`, the real binary), the
// registry keeps and serves the cosignatures of the witnesses its operator lists, clients can
// require a quorum of them; and versions from before the log get their records when a server starts.
describe('log witnesses and the backfill of versions from before the log', () => {
  const ORIGIN = 'witness.test/log';
  const SECRET = randomBytes(32).toString('hex');
  let dir: string;
  let a: TestRegistry;
  let b: TestRegistry;
  let tokenA: string;
  const seeds = { w1: randomBytes(32), w2: randomBytes(32), w3: randomBytes(32) };
  const cosigners: Record<keyof typeof seeds, Cosigner> = {
    w1: createCosigner('w1.witness.test', seeds.w1), w2: createCosigner('w2.witness.test', seeds.w2), w3: createCosigner('w3.witness.test', seeds.w3),
  };

  const publish = async (registry: TestRegistry, token: string, name: string, version: string) => {
    const response = await fetch(`${registry.url}/api/v1/packages/acme/${name}/${version}`, {
      method: 'PUT', headers: { authorization: `Bearer ${token}` }, body: await manifestOnlyArchive('acme', name, version),
    });
    expect(response.status, await response.clone().text()).toBe(200);
  };
  const witness = async (which: keyof typeof seeds, log: string, state: string = which, extra: string[] = []) => {
    const keyFile = join(dir, `${which}.key`);
    await writeFile(keyFile, `${seeds[which].toString('hex')}\n`, { mode: 0o600 });
    return runBin(REGISTRY_BIN, ['witness', '--log', log, '--name', cosigners[which].name, '--key-file', keyFile, '--state', join(dir, `state-${state}`), '--once', ...extra], { cwd: dir });
  };
  const checkpointNote = async (registry: TestRegistry, path = 'checkpoint') => {
    const response = await fetch(`${registry.url}/log/${path}`);
    return { status: response.status, text: await response.text() };
  };
  const postCosignature = (registry: TestRegistry, body: string) =>
    fetch(`${registry.url}/api/v1/log/cosignatures`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flock-witness-'));
    const env = { FLOCK_LOG_ORIGIN: ORIGIN, FLOCK_SECRET_KEY: SECRET, FLOCK_PUBLISHES_PER_HOUR: '1000', FLOCK_LOG_WITNESSES: `${cosigners.w1.verifierKey},${cosigners.w2.verifierKey}` };
    [a, b] = await Promise.all([createTestRegistry(env), createTestRegistry(env)]);
    tokenA = await a.createUser('acme');
    const tokenB = await b.createUser('acme');
    for (let i = 0; i < 5; i++) await publish(a, tokenA, 'pkg', `1.0.${i}`);
    // B: the same key and origin, other records: a fork of A's log.
    for (let i = 0; i < 7; i++) await publish(b, tokenB, 'other', `1.0.${i}`);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await rm(dir, { recursive: true, force: true });
  });

  it('the real witness cosigns the checkpoint; the registry serves it after its own signature; a quorum waits for enough witnesses', async () => {
    const printed = await runBin(REGISTRY_BIN, ['witness', '--log', a.url, '--name', cosigners.w1.name, '--key-file', join(dir, 'printed.key'), '--print-key'], { cwd: dir });
    expect(printed.code, printed.stderr).toBe(0);
    expect(() => parseCosignerKey(printed.stdout.trim())).not.toThrow();

    const first = await witness('w1', a.url);
    expect(first.stderr).toBe(`witness key: ${cosigners.w1.verifierKey}\n`);
    expect(first.code).toBe(0);
    expect(first.stdout).toBe(`cosigned ${ORIGIN} at size 5\n`);
    const served = await checkpointNote(a);
    const { checkpoint, cosignatures } = checkCosignatures(served.text, [parseCosignerKey(cosigners.w1.verifierKey)]);
    expect(checkpoint.size).toBe(5);
    expect(cosignatures.map((c) => c.witness)).toEqual([`${cosigners.w1.name}+${cosigners.w1.verifierKey.split('+')[1]}`]);
    // Still the log's own signature first, and a note the log key opens.
    expect((await fetchCheckpoint(a.url)).checkpoint.size).toBe(5);

    expect((await checkpointNote(a, 'witnessed-checkpoint?quorum=2')).status).toBe(404);
    const second = await witness('w2', a.url);
    expect(second.code, second.stderr).toBe(0);
    const witnessed = await checkpointNote(a, 'witnessed-checkpoint?quorum=2');
    expect(witnessed.status).toBe(200);
    expect(checkCosignatures(witnessed.text, [cosigners.w1, cosigners.w2].map((c) => parseCosignerKey(c.verifierKey))).cosignatures).toHaveLength(2);
    expect((await checkpointNote(a, 'witnessed-checkpoint?quorum=0')).status).toBe(400);
    expect((await checkpointNote(a, 'witnessed-checkpoint?quorum=abc')).status).toBe(400);

    // After a publish the newest checkpoint is not cosigned; the quorum answer stays at size 5 until the witnesses look again.
    await publish(a, tokenA, 'pkg', '1.0.5');
    expect(parseSignedNote((await checkpointNote(a)).text).signatures).toHaveLength(1);
    expect(checkCosignatures((await checkpointNote(a, 'witnessed-checkpoint?quorum=1')).text, []).checkpoint.size).toBe(5);
    expect((await witness('w1', a.url)).stdout).toBe(`cosigned ${ORIGIN} at size 5, 6\n`);
  }, 60_000);

  it('the registry keeps only cosignatures by listed witnesses, of its own checkpoints', async () => {
    const { note } = await fetchCheckpoint(a.url);
    const text = parseSignedNote(note).text;
    const now = Math.floor(Date.now() / 1000);
    const refused = async (body: string, status: number, message: RegExp) => {
      const response = await postCosignature(a, body);
      expect(response.status).toBe(status);
      expect(((await response.json()) as { error: string }).error).toMatch(message);
    };
    await refused(`${text}\n${cosigners.w3.cosign(text, now)}`, 403, /no cosignature by a witness this registry lists/);
    // A checkpoint of another tree (B's, same origin and key) is not this log's.
    const other = parseSignedNote((await fetchCheckpoint(b.url)).note).text;
    await refused(`${other}\n${cosigners.w1.cosign(other, now)}`, 400, /not this log's|has not reached size/);
    const elsewhere = signCheckpoint({ origin: 'elsewhere/log', size: 1, hash: Buffer.alloc(32) }, [createNoteSigner('elsewhere/log', logKeySeed(Buffer.from(SECRET, 'hex')))]);
    const elsewhereText = parseSignedNote(elsewhere).text;
    await refused(`${elsewhereText}\n${cosigners.w1.cosign(elsewhereText, now)}`, 400, /is for log "elsewhere\/log"/);
    // A line by a listed witness whose signature is for another text.
    const wrong = cosigners.w1.cosign(other, now);
    await refused(`${text}\n${wrong}`, 400, /does not verify/);
    await refused(`${text}\n${cosigners.w1.cosign(text, now + 3600)}`, 400, /in the future/);
    await refused('x'.repeat(9000), 413, /at most|limit/);
    await refused('not a note', 400, /Malformed/);
    const rows = await a.db.selectFrom('log_cosignatures').select('witness').execute();
    expect(rows.every((row) => !row.witness.startsWith('w3.'))).toBe(true);
  });

  it('a witness refuses a log that forked from what it cosigned, and posts nothing', async () => {
    // The witness's state has A's checkpoint; a proxy now shows it B's log under the same address.
    const proxy = await startLogProxy((path) => ({ target: path.startsWith('/log/') || path.startsWith('/api/v1/log/') ? b.url : a.url }));
    try {
      const once = await witness('w1', proxy.url, 'fork');
      expect(once.code, once.stderr).toBe(0);
      const before = await b.db.selectFrom('log_cosignatures').selectAll().execute();
      // Another witness state that saw A first.
      const sawA = await witness('w2', a.url, 'fork2');
      expect(sawA.code).toBe(0);
      const forked = await witness('w2', proxy.url, 'fork2');
      expect(forked.code).toBe(1);
      expect(forked.stderr).toMatch(/^witness key: .*\nerror: The log forked: the witness verified size 6 root \S+, and the log now shows size 7 root \S+, which is not consistent with it\n$/);
      expect(await b.db.selectFrom('log_cosignatures').selectAll().execute()).toEqual(before);
      // And stays refused: its state still holds A's checkpoint.
      expect((await witness('w2', proxy.url, 'fork2')).code).toBe(1);
    } finally {
      await proxy.close();
    }
  }, 60_000);

  it('a client that requires witnesses installs only what a cosigned checkpoint covers', async () => {
    const home = join(dir, 'home-policy');
    await mkdir(join(home, '.kestrel'), { recursive: true });
    const host = new URL(a.url).host;
    const policy = (keys: Cosigner[], quorum: number) =>
      writeFile(join(home, '.kestrel', 'config.toml'), `[log_witnesses."${host}"]\nquorum = ${quorum}\nkeys = [${keys.map((k) => `"${k.verifierKey}"`).join(', ')}]\n`);
    const app = join(dir, 'policy-app');
    await mkdir(app);
    await writeFile(join(app, 'flock.toml'), '[package]\nname = "app"\nversion = "0.1.0"\n\n[dependencies]\n"acme/fresh" = "^1.0.0"\n');
    // A fresh install each time (no lock, nothing installed), so every run checks the log.
    const flock = async () => {
      await rm(join(app, 'flock.lock'), { force: true });
      await rm(join(app, '.flock'), { recursive: true, force: true });
      return runFlock(['install'], { cwd: app, env: { HOME: home, FLOCK_REGISTRY: a.url, FLOCK_TOKEN: tokenA } });
    };

    await publish(a, tokenA, 'fresh', '1.0.0');
    await policy([cosigners.w1], 1);
    const early = await flock();
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(/^acme\/fresh@1\.0\.0 does not match the registry's transparency log: record \d+ is not yet in a checkpoint cosigned by 1 witness \(the newest has \d+ records; try again once they have cosigned\); nothing was installed\n$/);

    expect((await witness('w1', a.url)).code).toBe(0);
    const installed = await flock();
    expect(installed.stderr).toBe('');
    expect(installed.code).toBe(0);

    // A witness the registry does not list never cosigns there: the client waits for it in vain.
    await policy([cosigners.w3], 1);
    const unlisted = await flock();
    expect(unlisted.code).toBe(1);
    expect(unlisted.stderr).toBe(`The registry's transparency log checkpoint is cosigned by 0 of the witnesses log_witnesses."${host}" in ${join(home, '.kestrel', 'config.toml')} requires, not 1\n`);
    // Nor a quorum the registry's witnesses never reached.
    await policy([cosigners.w1, cosigners.w2], 2);
    await publish(a, tokenA, 'fresh', '1.0.1');
    expect((await witness('w1', a.url)).code).toBe(0);
    const short = await flock();
    expect(short.code).toBe(1);
    expect(short.stderr).toMatch(/record \d+ is not yet in a checkpoint cosigned by 2 witnesses/);
    await policy([cosigners.w1, cosigners.w3], 3);
    expect((await flock()).stderr).toMatch(/quorum must be a whole number from 1 to 2/);
  }, 90_000);

  it('bad settings and arguments are one line and exit 1', async () => {
    const serve = await runBin(REGISTRY_BIN, ['serve', '--port', '0'], { cwd: dir, env: { FLOCK_DATA_DIR: join(dir, 'bad'), FLOCK_LOG_WITNESSES: `${cosigners.w1.verifierKey} nonsense` } });
    expect(serve.stderr).toBe(`error: Invalid FLOCK_LOG_WITNESSES: Not a witness key: "nonsense" (expected name+hash+key)\n`);
    expect(serve.code).toBe(1);
    const twice = await runBin(REGISTRY_BIN, ['serve', '--port', '0'], { cwd: dir, env: { FLOCK_DATA_DIR: join(dir, 'bad'), FLOCK_LOG_WITNESSES: `${cosigners.w1.verifierKey},${cosigners.w1.verifierKey}` } });
    expect(twice.stderr).toMatch(/^error: Invalid FLOCK_LOG_WITNESSES: w1\.witness\.test\+[0-9a-f]{8} is listed twice\n$/);
    const badLog = await witness('w1', 'ftp://example', 'bad-log');
    expect(badLog.stderr).toBe('error: Invalid --log "ftp://example": expected the registry\'s http(s) URL\n');
    expect(badLog.code).toBe(1);
    const keyFile = join(dir, 'garbage.key');
    await writeFile(keyFile, 'not hex\n');
    const badKey = await runBin(REGISTRY_BIN, ['witness', '--log', a.url, '--name', 'w', '--key-file', keyFile, '--once'], { cwd: dir });
    expect(badKey.stderr).toBe(`error: ${keyFile} must hold 64 hex digits (a witness key's seed)\n`);
    expect(badKey.code).toBe(1);
  });

  it('versions published before the log get publish records when a server starts, oldest first, once', async () => {
    // The state migration 0013 leaves an older registry in: versions, an empty log.
    const registry = await createTestRegistry({ FLOCK_LOG_ORIGIN: ORIGIN, FLOCK_PUBLISHES_PER_HOUR: '1000' });
    try {
      const token = await registry.createUser('acme');
      for (let i = 0; i < 4; i++) await publish(registry, token, `old${i % 2}`, `0.1.${i}`);
      await registry.db.deleteFrom('log_records').execute();
      await registry.db.deleteFrom('log_hashes').execute();
      await registry.db.updateTable('log_head').set({ size: 0 }).execute();
      await registry.db.updateTable('versions').set({ log_index: null }).execute();
      const lookup = await fetch(`${registry.url}/api/v1/log/lookup/acme/old0/0.1.0`);
      expect(lookup.status).toBe(404);

      // Two more servers (real processes) on the same database start together: each version is logged exactly once.
      const [one, two] = await Promise.all([spawnRegistry(registry.env, dir), spawnRegistry(registry.env, dir)]);
      try {
        const versions = await registry.db.selectFrom('versions').select(['version', 'log_index', 'checksum']).orderBy('published_at').orderBy('id').execute();
        expect(versions.map((v) => v.log_index)).toEqual([0, 1, 2, 3]);
        const { checkpoint } = await fetchCheckpoint(one.url);
        expect(checkpoint.size).toBe(4);
        const entries = (await fetchEntries(one.url, 4)).map((e) => Buffer.from(e).toString('utf8'));
        expect(entries.map((e) => /version (\S+)/.exec(e)?.[1])).toEqual(['0.1.0', '0.1.1', '0.1.2', '0.1.3']);
        expect(entries.every((e, i) => e.includes(`archive ${versions[i]!.checksum}\n`))).toBe(true);
        const root = await treeHash(4, async (indexes) => httpTileReader(one.url, 4)(indexes));
        expect(Buffer.from(root).equals(Buffer.from(checkpoint.hash))).toBe(true);
        const answer = await fetch(`${two.url}/api/v1/log/lookup/acme/old0/0.1.0`);
        expect(answer.status).toBe(200);
      } finally {
        await Promise.all([one.stop(), two.stop()]);
      }
    } finally {
      await registry.close();
    }
  }, 60_000);
});
