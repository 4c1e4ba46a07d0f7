// A snapshot group through the daemon over two mounted ext4 filesystems (data and "WAL" on two
// LVs): the daemon freezes both for the one hold, the group says which mount points it froze, and
// both snapshots have the files written just before, with clean filesystems.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sparseFile } from '../helpers/files.ts';
import { Session } from '../../src/index.ts';
import { DaemonClient } from '../../src/daemon/client.ts';

const exec = promisify(execFile);
const BIN = new URL('../../bin/ulvm', import.meta.url).pathname;
const have = (c: string) => spawnSync('sh', ['-c', `command -v ${c}`]).status === 0;

async function sh(cmd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<{ rc: number; stdout: string; stderr: string }> {
  try {
    const r = await exec(cmd, args, { env: env ?? process.env, timeout: 60_000 });
    return { rc: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number | string; stdout?: string; stderr?: string };
    return { rc: typeof x.code === 'number' ? x.code : -1, stdout: x.stdout ?? '', stderr: x.stderr ?? String(e) };
  }
}

function skipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (FUSE mount and loop devices)';
  if (!existsSync('/dev/fuse')) return 'no /dev/fuse';
  for (const c of ['mkfs.ext4', 'e2fsck', 'debugfs', 'losetup', 'mount', 'fsfreeze']) if (!have(c)) return `${c} not installed`;
  if (!existsSync(new URL('../../dist/ulvm.cjs', import.meta.url))) return 'dist/ not built (npm run build)';
  return undefined;
}

test('a group snapshot of two mounted filesystems freezes both for one hold and says so', async (t) => {
  const why = skipReason();
  if (why) return t.skip(why);
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-group-freeze-'));
  const disk = sparseFile(join(dir, 'disk.img'), 96 * 1024 * 1024);
  const env = { ...process.env, ULVM_SYSTEM_DIR: join(dir, 'sys'), ULVM_RUN_DIR: join(dir, 'run') };
  const ulvm = (...args: string[]) => sh(process.execPath, [BIN, ...args], env);
  const dev = (lv: string) => join(dir, 'run', 'dev', 'vg', lv);
  const mnts = ['data', 'wal'].map((n) => join(dir, `mnt-${n}`));
  const session = new Session({ systemDir: join(dir, 'sys'), runDir: join(dir, 'run'), devices: [disk], activation: new DaemonClient(join(dir, 'run'), [process.execPath, BIN], env) });
  t.after(async () => {
    for (const m of mnts) {
      spawnSync('fsfreeze', ['-u', m], { timeout: 10_000 });
      spawnSync('umount', [m], { timeout: 10_000 });
    }
    await ulvm('daemon', 'stop', '--force');
    spawnSync('umount', ['-l', join(dir, 'run', 'dev')], { timeout: 10_000 });
    rmSync(dir, { recursive: true, force: true });
  });
  for (const args of [['pvcreate', disk], ['vgcreate', 'vg', disk], ['lvcreate', '-L', '20M', '-n', 'data', 'vg'], ['lvcreate', '-L', '20M', '-n', 'wal', 'vg']]) {
    const r = await ulvm(...args);
    assert.equal(r.rc, 0, r.stderr);
  }
  for (const [i, lv] of ['data', 'wal'].entries()) {
    mkdirSync(mnts[i]!);
    assert.equal((await sh('mkfs.ext4', ['-q', '-F', dev(lv)])).rc, 0);
    const m = await sh('mount', ['-o', 'loop', dev(lv), mnts[i]!]);
    assert.equal(m.rc, 0, m.stderr);
  }
  // Written and at once snapshotted: no sync.
  const content = (n: string) => `${n}:${Date.now()}:${Math.random()}\n`.repeat(200);
  const files = mnts.map((m, i) => {
    const c = content(String(i));
    writeFileSync(join(m, 'file'), c);
    return c;
  });
  const r = await session.createSnapshotGroup({
    vg: 'vg',
    members: [
      { origin: 'data', name: 'data_snap', kind: 'cow', size: { extents: 3 } },
      { origin: 'wal', name: 'wal_snap', kind: 'cow', size: { extents: 3 } },
    ],
  });
  assert.deepEqual(r.warnings, []);
  assert.deepEqual([...r.frozen].sort(), mnts.map((m) => realpathSync(m)).sort(), 'both filesystems frozen for the hold');
  assert.ok(r.holdMs > 0, `hold ${r.holdMs} ms`);
  t.diagnostic(`hold with two frozen filesystems: ${r.holdMs.toFixed(1)} ms`);
  for (const [i, lv] of ['data_snap', 'wal_snap'].entries()) {
    const fsck = await sh('e2fsck', ['-fn', dev(lv)]);
    assert.equal(fsck.rc, 0, `${lv} is clean: ${fsck.stdout}${fsck.stderr}`);
    const cat = await sh('debugfs', ['-R', 'cat /file', dev(lv)]);
    assert.equal(cat.stdout, files[i], `${lv} has the file written just before`);
  }
  // Thawed: both take writes again.
  for (const m of mnts) assert.equal((await sh('timeout', ['5', 'sh', '-c', `echo after > ${m}/after && sync -f ${m}/after`])).rc, 0);
});
