// Every failure is a UlvmError with a stable code, lvm2's lines and exit code: what a library
// caller branches on and what the CLI prints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CmdError, UlvmError, fail } from '../../src/errors.ts';
import { CmdError as CtxCmdError, fail as ctxFail } from '../../src/ops/context.ts';
import { MemoryDisks } from '../../src/devices/memory.ts';
import { createPv } from '../../src/metadata/pv-write.ts';
import { commitVg, CommitError } from '../../src/metadata/commit.ts';
import { textHeader } from '../../src/metadata/stamp.ts';
import { Locks, LockError } from '../../src/metadata/lock.ts';
import { BackupError } from '../../src/metadata/backup.ts';
import { ConfigError } from '../../src/metadata/config.ts';
import { DeviceAccessError, DeviceBusyError, DeviceNotFoundError, DeviceWriteError } from '../../src/devices/device.ts';
import { DevicesFileError } from '../../src/metadata/devices-file.ts';
import { ActivationError } from '../../src/activation/activator.ts';
import { errnoCode } from '../../src/devices/errno.ts';
import { userFailure } from '../../src/cli/user-errors.ts';
import { peCount } from '../../src/model/layout.ts';
import type { VolumeGroup } from '../../src/model/types.ts';

const MiB = 1024 * 1024;

test('CmdError and fail: UlvmErrors, FAILED unless told, importable from context.ts as before', () => {
  assert.equal(CtxCmdError, CmdError);
  assert.equal(ctxFail, fail);
  const e = new CmdError(['a', 'b']);
  assert.ok(e instanceof UlvmError);
  assert.equal(e.code, 'FAILED');
  assert.equal(e.rc, 5);
  assert.equal(e.stderrText(), '  a\n  b\n');
  assert.equal(new CmdError(['x'], 3).code, 'INVALID_ARGUMENT');
  assert.throws(
    () => fail('Volume group "v" not found', 5, 'VG_NOT_FOUND', { vg: 'v' }),
    (x: unknown) => x instanceof CmdError && x.code === 'VG_NOT_FOUND' && x.data.vg === 'v' && x.lines[0] === 'Volume group "v" not found',
  );
});

test('the other failures carry their codes, and the CLI prints each the way lvm2 does', () => {
  const cases: [UlvmError, string, string, number][] = [
    [new DeviceNotFoundError('/d'), 'DEVICE_NOT_FOUND', '  No device found for /d.\n', 5],
    [new DeviceBusyError('/d'), 'DEVICE_IN_USE', "  Can't open /d exclusively.  Mounted filesystem?\n", 5],
    [new DeviceAccessError('/d', 'EACCES'), 'DEVICE_ACCESS', '  Cannot use /d: device not found\n', 5],
    [new DeviceWriteError('/d', 'Error writing device /d at 0 length 512.'), 'DEVICE_WRITE', '  Error writing device /d at 0 length 512.\n', 5],
    [new DevicesFileError('Cannot open devices file to read.'), 'DEVICES_FILE', '  Cannot open devices file to read.\n', 5],
    [new BackupError([]), 'BACKUP', '  Command failed with status code 5.\n', 5],
    [new BackupError(['Backup of volume group v metadata failed.']), 'BACKUP', '  Backup of volume group v metadata failed.\n', 5],
    [new ConfigError('Parse error at byte 3 (line 1): x\n  Failed to load config file /c\n', 4), 'CONFIG', 'Parse error at byte 3 (line 1): x\n  Failed to load config file /c\n', 4],
    [new ActivationError('LV v/l is busy.'), 'ACTIVATION', '  LV v/l is busy.\n', 5],
    [new LockError('Timed out waiting for lock V_v in /l.'), 'LOCK_TIMEOUT', '  Timed out waiting for lock V_v in /l.\n', 5],
  ];
  for (const [e, code, stderr, rc] of cases) {
    assert.ok(e instanceof UlvmError, e.constructor.name);
    assert.equal(e.code, code, e.constructor.name);
    assert.deepEqual(userFailure(e), { stderr, rc }, e.constructor.name);
  }
  assert.equal(new DeviceAccessError('/d', 'EACCES').data.errno, 'EACCES');
  // ulvm's own codes are no errnos (ENOSPC_VG starts with an E).
  assert.equal(errnoCode(new CmdError(['x'], 5, 'ENOSPC_VG')), undefined);
  assert.equal(errnoCode(Object.assign(new Error('x'), { code: 'ENOSPC' })), 'ENOSPC');
});

/** A VG on two memory PVs made asking for `mdaSectors`-sector metadata areas (lvm2 rounds up). */
function smallMdaVg(mdaSectors: number): { disks: MemoryDisks; vg: VolumeGroup; paths: string[] } {
  const disks = new MemoryDisks();
  const paths = ['/dev/m1', '/dev/m2'];
  const ids = ['a'.repeat(32), 'b'.repeat(32)];
  paths.forEach((p, i) => {
    disks.add(p, 16 * MiB);
    createPv(disks, p, ids[i]!, { metadataSectors: mdaSectors });
  });
  const vg: VolumeGroup = {
    name: 'vgm',
    id: 'c'.repeat(32),
    seqno: 1,
    status: ['RESIZEABLE', 'READ', 'WRITE'],
    flags: [],
    tags: [],
    extentSize: 8192,
    maxLv: 0,
    maxPv: 0,
    metadataCopies: 0,
    pvs: paths.map((p, i) => ({ id: ids[i]!, device: p, status: ['ALLOCATABLE'], flags: [], tags: [], devSize: 32768, peStart: 2048, peCount: peCount(32768, 2048, 8192) })),
    lvs: [],
  };
  return { disks, vg, paths };
}

test('metadata too big for its areas: METADATA_AREA_FULL with the sizes, nothing written', () => {
  // The smallest area lvm2 makes (1020 KiB: 521472 bytes for one copy of the text).
  const { disks, vg, paths } = smallMdaVg(8);
  commitVg(disks, vg, paths, textHeader('first', 1_700_000_000));
  const before = paths.map((p) => Buffer.from(disks.disks.get(p)!.read(0, MiB)));
  const big = { ...vg, seqno: 2, tags: Array.from({ length: 5000 }, (_, i) => `tag${i}${'x'.repeat(100)}`) };
  assert.throws(
    () => commitVg(disks, big, paths, textHeader('second', 1_700_000_001)),
    (e: unknown) => {
      assert.ok(e instanceof CommitError);
      assert.equal(e.code, 'METADATA_AREA_FULL');
      assert.equal(e.data.maxMetadataBytes, 521472);
      assert.ok(e.data.metadataBytes! > e.data.maxMetadataBytes!);
      assert.deepEqual(e.lines, [`VG vgm 2 metadata on /dev/m1 (${e.data.metadataBytes} bytes) exceeds maximum metadata size (${e.data.maxMetadataBytes} bytes)`, 'Failed to write VG vgm.']);
      return true;
    },
  );
  // The handles_missing_pvs way: every area is tried and warned about before the write fails.
  assert.throws(
    () => commitVg(disks, big, paths, textHeader('second', 1_700_000_001), { skipFullMdas: true }),
    (e: unknown) => e instanceof CommitError && e.lines.length === 5 && e.lines.filter((l) => l === 'WARNING: Failed to write an MDA of VG vgm.').length === 2,
  );
  paths.forEach((p, i) => assert.deepEqual(Buffer.from(disks.disks.get(p)!.read(0, MiB)), before[i], `${p} unchanged`));
});

test('a lock held by a live process: LOCK_TIMEOUT at once without waiting, lvm2 lines', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-lockerr-'));
  const sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
  t.after(() => {
    sleeper.kill();
    rmSync(dir, { recursive: true, force: true });
  });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'V_vgx.lock'), `${sleeper.pid}\n`);
  writeFileSync(join(dir, 'P_global.lock'), `${sleeper.pid}\n`);
  const locks = new Locks(dir, { wait: false });
  const started = Date.now();
  await assert.rejects(locks.vg('vgx'), (e: unknown) => {
    assert.ok(e instanceof LockError);
    assert.equal(e.code, 'LOCK_TIMEOUT');
    assert.deepEqual(e.lines, [`${dir}/V_vgx: flock failed: Resource temporarily unavailable`, "Can't get lock for vgx.", 'Cannot process volume group vgx']);
    return true;
  });
  await assert.rejects(locks.vg('vgx', { creating: true }), (e: unknown) => e instanceof LockError && e.lines.length === 2);
  await assert.rejects(locks.global(), (e: unknown) => e instanceof LockError && e.lines.join() === `${dir}/P_global: flock failed: Resource temporarily unavailable`);
  assert.ok(Date.now() - started < 2000, 'no waiting');
  // A free lock is taken, and the hook runs once per lock newly taken.
  let taken = 0;
  const other = new Locks(dir, { wait: false, onTaken: async () => void taken++ });
  await other.vg('free');
  await other.vg('free');
  assert.equal(taken, 1);
  await other.releaseAll();
});
