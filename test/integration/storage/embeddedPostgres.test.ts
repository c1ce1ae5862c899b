/**
 * The embedded database on its PostgreSQL backend: a private cluster in the data folder, FerretDB on it, and
 * nothing left running when the owner stops or dies.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { createLogger } from '../../../bot/logger';
import { findFerretDbBinary, startEmbeddedFerretDb } from '../../../services/db/embeddedFerretDb';
import { findPostgresBinDir, POSTGRES_SYSTEM_USER } from '../../../services/db/embeddedPostgres';
import { serverCapabilities } from '../../../services/storage/serverCapabilities';

const logger = createLogger('silent');

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitGone(pid: number, ms = 10_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (isRunning(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return !isRunning(pid);
}

describe('embedded database on PostgreSQL', function () {
  this.timeout(60_000);
  let dir: string;

  before(function () {
    try {
      findFerretDbBinary();
      findPostgresBinDir();
    } catch {
      this.skip();
    }
    dir = mkdtempSync(path.join(tmpdir(), 'embedded-postgres-'));
    // As root the cluster runs as the postgres system user, which must be able to pass through.
    chmodSync(dir, 0o755);
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('when started, stopped and started again, then the data is kept and no process outlives a stop', async () => {
    const dataDir = path.join(dir, 'a');
    const first = await startEmbeddedFerretDb({ dataDir, backend: 'postgresql', logger });
    assert.equal(first.backend, 'postgresql');
    assert.ok(first.backendPid);
    const client = await MongoClient.connect(first.uri);
    await client.db('x').collection<{ _id: string }>('y').insertOne({ _id: 'kept' });
    assert.equal((await serverCapabilities(client.db('x'))).kind, 'ferretdb');
    await client.close();
    await first.stop();
    assert.equal(await waitGone(first.pid), true, 'FerretDB still running');
    assert.equal(await waitGone(first.backendPid!), true, 'PostgreSQL still running');

    const second = await startEmbeddedFerretDb({ dataDir, backend: 'postgresql', logger });
    try {
      const again = await MongoClient.connect(second.uri);
      assert.equal(await again.db('x').collection<{ _id: string }>('y').countDocuments({ _id: 'kept' }), 1);
      await again.close();
    } finally {
      await second.stop();
    }
  });

  it('when a killed server left postmaster.pid naming a pid that is not PostgreSQL now, then the next start clears it', async () => {
    const dataDir = path.join(dir, 'b');
    const db = await startEmbeddedFerretDb({ dataDir, backend: 'postgresql', logger });
    await db.stop();
    // A live process of the cluster's own user now holds that pid, so PostgreSQL alone would refuse to start
    // ("lock file already exists"), as after a container restart that reuses pids.
    const asClusterUser = process.getuid?.() === 0 ? { uid: Number(execFileSync('id', ['-u', POSTGRES_SYSTEM_USER]).toString()), gid: Number(execFileSync('id', ['-g', POSTGRES_SYSTEM_USER]).toString()) } : {};
    const impostor = spawn('sleep', ['60'], { stdio: 'ignore', ...asClusterUser });
    try {
      writeFileSync(path.join(dataDir, 'postgresql', 'data', 'postmaster.pid'), `${impostor.pid}\n${dataDir}\n`);
      const restarted = await startEmbeddedFerretDb({ dataDir, backend: 'postgresql', logger });
      await restarted.stop();
    } finally {
      impostor.kill();
    }
  });

  it('when the process that started it is killed with SIGKILL, then FerretDB and PostgreSQL go too', async () => {
    const script = [
      "const { startEmbeddedFerretDb } = require('./services/db/embeddedFerretDb');",
      "const { createLogger } = require('./bot/logger');",
      `startEmbeddedFerretDb({ dataDir: ${JSON.stringify(path.join(dir, 'c'))}, backend: 'postgresql', logger: createLogger('silent') })`,
      "  .then((db) => { console.log('pids=' + db.pid + ',' + db.backendPid); setInterval(() => {}, 1000); });",
    ].join('\n');
    const parent = spawn(process.execPath, ['--require', 'tsx/cjs', '-e', script], { cwd: path.resolve(__dirname, '..', '..', '..'), stdio: ['ignore', 'pipe', 'inherit'] });
    const pids = await new Promise<number[]>((resolve, reject) => {
      parent.stdout.on('data', (d: Buffer) => {
        const m = /pids=(\d+),(\d+)/.exec(d.toString());
        if (m) resolve([Number(m[1]), Number(m[2])]);
      });
      parent.once('exit', (code) => reject(new Error(`parent exited with ${code}`)));
    });
    assert.ok(pids.every(isRunning));
    parent.kill('SIGKILL');
    for (const pid of pids) assert.equal(await waitGone(pid), true, `${pid} outlived its parent`);
  });
});
