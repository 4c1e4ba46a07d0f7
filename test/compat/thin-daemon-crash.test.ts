// A thin pool in the activation daemon survives kill -9: writes to a thin LV and its thin snapshot
// acknowledged after a flush (qemu-io's flush, NBD_CMD_FLUSH) read back after the daemon starts
// again and re-activates the pool; unflushed ones may be lost but never leave the metadata
// broken (thin_check clean), and the pool keeps working.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { sparseFile } from '../helpers/files.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileOpener } from '../../src/devices/file.ts';
import { assertThinCheckClean, haveThinCheck, lvImage } from '../helpers/thin-meta.ts';

const exec = promisify(execFile);
const BIN = new URL('../../bin/ulvm', import.meta.url).pathname;
const have = (c: string) => spawnSync('sh', ['-c', `command -v ${c}`]).status === 0;

test('a thin pool in the daemon survives kill -9 with its flushed writes', { timeout: 180_000 }, async (t) => {
  if (!have('qemu-io')) return t.skip('qemu-io not installed (Debian: qemu-utils)');
  if (!existsSync(new URL('../../dist/ulvm.cjs', import.meta.url))) return t.skip('dist/ not built (npm run build)');
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-thin-crash-'));
  const disk = join(dir, 'a.img');
  sparseFile(disk, 96 * 1024 * 1024);
  const env = { ...process.env, ULVM_SYSTEM_DIR: join(dir, 'sys'), ULVM_RUN_DIR: join(dir, 'run'), TZ: 'UTC' };
  const ulvm = async (...args: string[]) => {
    const r = await exec(process.execPath, [BIN, ...args], { env });
    return r.stdout;
  };
  t.after(async () => {
    await exec(process.execPath, [BIN, 'daemon', 'stop', '--force'], { env }).catch(() => undefined);
    spawnSync('umount', ['-l', join(dir, 'run', 'dev')]);
    rmSync(dir, { recursive: true, force: true });
  });
  const sock = join(dir, 'run', 'nbd.sock');
  const uri = (lv: string) => `nbd+unix:///vgt/${lv}?socket=${sock}`;
  const io = (lv: string, ...cmds: string[]) => exec('qemu-io', ['-f', 'raw', ...cmds.flatMap((c) => ['-c', c]), uri(lv)]);
  await ulvm('pvcreate', disk);
  await ulvm('vgcreate', 'vgt', disk);
  await ulvm('lvcreate', '-T', '-L', '48M', 'vgt/pool');
  await ulvm('lvcreate', '-V', '64M', '-T', 'vgt/pool', '-n', 't');
  await io('t', 'write -P 0x11 0 1M', 'write -P 0x22 8M 64k', 'flush');
  await ulvm('lvcreate', '-s', '-n', 's', 'vgt/t');
  await ulvm('lvchange', '-ay', '-K', 'vgt/s');
  await io('t', 'write -P 0x33 0 64k', 'flush');
  await io('s', 'write -P 0x44 16M 128k', 'flush');
  // Unflushed writes in flight when the daemon dies: they may or may not survive.
  await io('t', 'write -P 0x55 32M 1M');
  const pid = parseInt(readFileSync(join(dir, 'run', 'daemon.pid'), 'utf8'), 10);
  process.kill(pid, 'SIGKILL');
  for (let i = 0; i < 50 && existsSync(`/proc/${pid}`); i++) await new Promise((r) => setTimeout(r, 100));

  // The metadata on disk is a committed transaction: thin_check is clean before anything runs again.
  if (haveThinCheck()) assertThinCheckClean(lvImage(fileOpener, [disk], 'vgt', 'pool_tmeta'), 'the pool the daemon left');
  await ulvm('daemon', 'start');
  const lvs = await ulvm('lvs', '--noheadings', '-o', 'lv_name,lv_attr', 'vgt');
  assert.match(lvs, /pool twi-aotz--/);
  assert.match(lvs, /t +Vwi-a-tz--/);
  assert.match(lvs, /s +Vwi-a-tz-k/);
  await io('t', 'read -P 0x33 0 64k', 'read -P 0x11 64k 960k', 'read -P 0x22 8M 64k', 'read -P 0 16M 128k');
  await io('s', 'read -P 0x11 0 1M', 'read -P 0x22 8M 64k', 'read -P 0x44 16M 128k');
  // The pool goes on: a new write after the restart is kept too.
  await io('t', 'write -P 0x66 40M 64k', 'flush', 'read -P 0x66 40M 64k');
});
