/**
 * The pieces `npm run dev` and the e2e harness stand on: the playground config matches the demo tenant, the
 * embedded FerretDB starts, stops and fails clearly, and `.env` files are read as documented.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { createLogger } from '../../bot/logger';
import { FerretDbNotFoundError, FerretDbStartError, findFerretDbBinary, startEmbeddedFerretDb } from '../../services/db/embeddedFerretDb';
import { DEMO_TENANT, DEMO_TENANT_PATH, demoBotEnv, parseSimpleYaml, readPlaygroundConfig } from '../../scripts/lib/demoEnvironment';
import { parseDotEnv } from '../../scripts/lib/dotenv';
import { formatLogLine } from '../../scripts/lib/logFormat';
import { freePort } from '../support/freePort';

interface DemoTenant {
  tenantId: string;
  users: { id: string; displayName: string; userPrincipalName: string }[];
  groups: { id: string }[];
  teamsApps: { id: string }[];
}

const isRunning = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('dev stack: demo tenant and playground config', () => {
  const tenant = JSON.parse(readFileSync(DEMO_TENANT_PATH, 'utf8')) as DemoTenant;
  const config = readPlaygroundConfig();

  it('when the playground config is read, then it has the demo tenant id and exactly 5 users besides the current one', () => {
    assert.equal(config.tenantId, tenant.tenantId);
    assert.equal(config.users.length, 5);
    assert.equal(config.bot.name, 'Device Onboarding');
    assert.equal(config.bot.id, '00000000-0000-0000-0000-000000000011');
  });

  it('when people are compared, then every playground user is the Graph user with the same aadObjectId, name and UPN', () => {
    const people = [config.currentUser, ...config.users];
    assert.deepEqual(
      people.map((p) => p.id),
      ['user-id-0', 'user-id-1', 'user-id-2', 'user-id-3', 'user-id-4', 'user-id-5'],
    );
    for (const p of people) {
      const u = tenant.users.find((x) => x.id === p.aadObjectId);
      assert.ok(u, `${p.name} (${p.aadObjectId}) is in the demo tenant`);
      assert.equal(u.displayName, p.name);
      assert.equal(u.userPrincipalName, p.userPrincipleName);
    }
    assert.equal(config.currentUser.name, 'Alex Wilber');
  });

  it('when the bot environment is built, then groups, catalog app and the IT channel point at existing ids', () => {
    const env = demoBotEnv({ port: 3978, graphBaseUrl: 'http://127.0.0.1:5990', playground: config });
    for (const key of ['ACCESS_GROUP_ID', 'FALLBACK_APPROVER_GROUP_ID', 'IT_SECURITY_GROUP_ID', 'ADMIN_GROUP_ID', 'AUDITOR_GROUP_ID']) {
      assert.ok(tenant.groups.some((g) => g.id === env[key]), `${key}=${env[key]} is a demo group`);
    }
    assert.ok(tenant.teamsApps.some((a) => a.id === env.TEAMS_APP_CATALOG_ID));
    assert.equal(env.IT_TEAM_ID, config.team.id);
    assert.equal(env.IT_CHANNEL_ID, config.team.channels[0].id);
    assert.equal(config.team.name, 'Contoso IT');
    assert.equal(config.team.channels[0].name, 'IT Security');
    assert.equal(env.MicrosoftAppId, '');
    assert.equal(DEMO_TENANT.tenantId, tenant.tenantId);
  });

  it('when YAML has lists of maps, quotes and comments, then the small reader returns them', () => {
    const doc = parseSimpleYaml('# c\nversion: "0.1.1"\nlist:\n  - id: a\n    name: \'A b\'\n  - id: b # note\nmap:\n  k: v\n');
    assert.deepEqual(doc, { version: '0.1.1', list: [{ id: 'a', name: 'A b' }, { id: 'b' }], map: { k: 'v' } });
  });
});

describe('dev stack: .env files and log lines', () => {
  it('when a .env file has comments, quotes and export, then each value is read as written', () => {
    const env = parseDotEnv('# comment\nexport A=1\nB = "two words"\nC=\'x # y\'\nD=plain # trailing\nE="line\\nbreak"\nnot a line\n');
    assert.deepEqual(env, { A: '1', B: 'two words', C: 'x # y', D: 'plain', E: 'line\nbreak' });
  });

  it('when a pino JSON line is formatted, then time, level, message and fields are shown on one line', () => {
    const line = formatLogLine('{"level":"info","time":"2026-01-02T03:04:05.000Z","service":"x","msg":"bot listening","port":3978}');
    assert.match(line, /03:04:05 .*INFO.* bot listening .*port=3978/);
    assert.equal(formatLogLine('plain text'), 'plain text');
  });
});

describe('dev stack: embedded FerretDB', function () {
  this.timeout(30000);
  const logger = createLogger('silent');
  let dir: string;

  before(function () {
    try {
      findFerretDbBinary();
    } catch (error) {
      if (error instanceof FerretDbNotFoundError) this.skip();
      throw error;
    }
    dir = mkdtempSync(path.join(tmpdir(), 'ferretdb-lifecycle-'));
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('when two instances start on free ports, then both answer and stop leaves no process behind', async () => {
    const [a, b] = await Promise.all([
      startEmbeddedFerretDb({ dataDir: path.join(dir, 'a'), logger }),
      startEmbeddedFerretDb({ dataDir: path.join(dir, 'b'), logger }),
    ]);
    try {
      assert.notEqual(a.port, b.port);
      const client = await MongoClient.connect(b.uri);
      await client.db('x').collection('y').insertOne({ n: 1 });
      assert.equal(await client.db('x').collection('y').countDocuments(), 1);
      await client.close();
    } finally {
      await a.stop();
      await b.stop();
    }
    assert.equal(isRunning(a.pid), false);
    assert.equal(isRunning(b.pid), false);
    await a.stop();
  });

  it('when the port is taken, then the start fails with FerretDB\'s own reason', async () => {
    const port = await freePort();
    const first = await startEmbeddedFerretDb({ dataDir: path.join(dir, 'c'), logger, port });
    try {
      await assert.rejects(startEmbeddedFerretDb({ dataDir: path.join(dir, 'd'), logger, port }), (e: unknown) => {
        assert.ok(e instanceof FerretDbStartError);
        assert.match(e.message, /address already in use/);
        return true;
      });
    } finally {
      await first.stop();
    }
  });

  it('when the parent process is killed with SIGKILL, then its FerretDB goes too', async () => {
    const script = [
      "const { startEmbeddedFerretDb } = require('./services/db/embeddedFerretDb');",
      "const { createLogger } = require('./bot/logger');",
      `startEmbeddedFerretDb({ dataDir: ${JSON.stringify(path.join(dir, 'e'))}, logger: createLogger('silent') })`,
      "  .then((db) => { console.log('pid=' + db.pid); setInterval(() => {}, 1000); });",
    ].join('\n');
    const parent = spawn(process.execPath, ['--require', 'tsx/cjs', '-e', script], { cwd: path.resolve(__dirname, '..', '..'), stdio: ['ignore', 'pipe', 'inherit'] });
    const pid = await new Promise<number>((resolve, reject) => {
      parent.stdout.on('data', (d: Buffer) => {
        const m = /pid=(\d+)/.exec(d.toString());
        if (m) resolve(Number(m[1]));
      });
      parent.once('exit', (code) => reject(new Error(`parent exited with ${code}`)));
    });
    assert.equal(isRunning(pid), true);
    parent.kill('SIGKILL');
    const deadline = Date.now() + 5000;
    while (isRunning(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(isRunning(pid), false, `FerretDB ${pid} outlived its parent`);
  });

  it('when FERRETDB_BIN points at nothing, then the error says to run npm run setup', () => {
    assert.throws(() => findFerretDbBinary({ FERRETDB_BIN: path.join(dir, 'missing') }), /npm run setup/);
  });
});
