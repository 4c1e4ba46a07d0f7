// `ulvm demo [DIR]`: the LVM lab on one sparse, partitioned disk image in a local folder, no root
// needed. Every step runs through the same command code as `ulvm <command>` and prints its real
// output; with root and FUSE it also formats, mounts and grows ext4 on an LV.
import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, readdirSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import type { Ctx } from '../ops/context.ts';
import { fail } from '../ops/context.ts';
import { encodeMbr } from '../formats/partitions.ts';
import { scanDevices } from '../metadata/scan.ts';
import { openLv } from '../mapper/open-lv.ts';
import { fileOpener } from '../devices/file.ts';
import { daemonPaths } from '../daemon/paths.ts';

const MARKER = '.ulvm-demo';

export async function run(ctx: Ctx): Promise<number> {
  const dir = resolve(ctx.run.cwd, ctx.args.positionals[0] ?? 'ulvm-demo');
  if (existsSync(dir) && readdirSync(dir).length && !existsSync(join(dir, MARKER))) fail(`${dir} exists and is not a ulvm demo folder; choose an empty or new folder.`);
  // The daemon the demo starts waits 5 s, not the kernel's 60 s (dm_thin_pool's no_space_timeout),
  // before it fails the writes a full pool has queued.
  const env = { ...ctx.run.env, ULVM_SYSTEM_DIR: join(dir, 'etc'), ULVM_RUN_DIR: join(dir, 'run'), ULVM_THIN_NO_SPACE_TIMEOUT: ctx.run.env.ULVM_THIN_NO_SPACE_TIMEOUT ?? '5' };
  const runEnv = { ...ctx.run, env, cwd: dir };
  const dispatch = ctx.run.dispatch ?? fail('ulvm demo runs commands and needs the CLI dispatcher.');
  const say = (s: string) => ctx.output(s);
  const ulvm = async (cmd: string, ...args: string[]): Promise<number> => {
    say(`\n$ ulvm ${[cmd, ...args].join(' ')}\n`);
    const rc = await dispatch(cmd, args, runEnv);
    if (rc !== 0) say(`(exit status ${rc})\n`);
    return rc;
  };
  const sh = (cmd: string, args: string[]): boolean => {
    say(`\n$ ${[cmd, ...args].join(' ')}\n`);
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    say((r.stdout ?? '') + (r.stderr ?? ''));
    return r.status === 0;
  };
  if (existsSync(join(dir, 'run'))) await dispatch('daemon', ['stop'], { ...runEnv, io: { out: () => undefined, err: () => undefined, readLine: () => null } });
  spawnSync('umount', ['-l', join(dir, 'mnt')]);
  spawnSync('umount', ['-l', join(dir, 'run', 'dev')]);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, MARKER), 'created by ulvm demo\n');

  // One 110 MB disk with four primary partitions of 25 MB, as in the lab's task 1.
  const disk = join(dir, 'disk.img');
  const fd = openSync(disk, 'w');
  ftruncateSync(fd, 110 * 1024 * 1024);
  // Back to back from 1 MiB, each as long as it is apart from the next: partitions that overlapped
  // would let one PV's data land on the next one's label.
  const starts = [0, 1, 2, 3].map((i) => 1024 * 1024 + i * 25 * 1024 * 1024);
  writeSync(fd, encodeMbr(starts.map((s) => ({ offset: s, length: 25 * 1024 * 1024 }))), 0, 512, 0);
  closeSync(fd);
  const p = [1, 2, 3, 4].map((i) => `disk.img:p${i}`);
  say(`ulvm demo: the LVM lab on ${disk}, a sparse disk image with four 25 MiB partitions\n`);
  say(`(state in ${env.ULVM_SYSTEM_DIR}; run commands yourself with ULVM_SYSTEM_DIR=${env.ULVM_SYSTEM_DIR} ULVM_RUN_DIR=${env.ULVM_RUN_DIR})\n`);

  say('\n## Task 1: create physical volumes\n');
  if ((await ulvm('lvmdevices', '--adddev', 'disk.img')) !== 0) return 5;
  await ulvm('pvs', '--all');
  if ((await ulvm('pvcreate', ...p)) !== 0) return 5;
  await ulvm('pvdisplay', p[0]!);

  say('\n## Task 2: create two volume groups\n');
  if ((await ulvm('vgcreate', 'lab-vg1', p[0]!)) !== 0) return 5;
  if ((await ulvm('vgcreate', 'lab-vg2', p[1]!, p[2]!)) !== 0) return 5;
  await ulvm('vgs');
  await ulvm('pvs');

  say('\n## Task 3: create logical volumes (active at once, served by the ulvm daemon)\n');
  if ((await ulvm('lvcreate', '-L', '20M', 'lab-vg1')) !== 0) return 5;
  if ((await ulvm('lvcreate', '-L', '20M', 'lab-vg2')) !== 0) return 5;
  await ulvm('lvs');
  await ulvm('dmsetup', 'table');
  // Data through the mapper: written at LV offset 0, read back, and found on the partition's extents.
  const found = scanDevices(fileOpener, p.map((x) => join(dir, x))).get('lab-vg2');
  if (found) {
    const lv = await openLv(found, 'lvol0');
    const msg = new TextEncoder().encode('111\n');
    await lv.device.write(0, msg);
    await lv.device.flush();
    const back = new TextDecoder().decode((await lv.device.read(0, 4)).subarray(0, 3));
    await lv.close();
    say(`\nwrote "111" at the start of lab-vg2/lvol0 through the userspace mapper, read back "${back}"\n`);
  }

  const paths = daemonPaths(env.ULVM_RUN_DIR);
  const tree = existsSync(join(paths.tree, 'lab-vg1', 'lvol0'));
  const mnt = join(dir, 'mnt');
  let mounted = false;
  if (tree && spawnSync('sh', ['-c', 'command -v mkfs.ext4']).status === 0) {
    say('\n## ext4 on lab-vg1/lvol0 through the device tree (FUSE)\n');
    mkdirSync(mnt);
    const dev = join(paths.tree, 'lab-vg1', 'lvol0');
    mounted = sh('mkfs.ext4', ['-q', dev]) && sh('mount', ['-o', 'loop', dev, mnt]);
    if (mounted) {
      sh('dd', ['if=/dev/zero', `of=${join(mnt, 'bigfile')}`, 'bs=1M', 'count=14', 'status=none']);
      sh('df', ['-h', mnt]);
    }
  } else say(`\n(no ext4 steps: the FUSE device tree needs root and /dev/fuse; LVs are on NBD)\n`);

  say('\n## Task 4: grow the volume (and its filesystem) while in use\n');
  await ulvm('vgextend', 'lab-vg1', p[3]!);
  await ulvm('lvextend', '-L', '+20M', 'lab-vg1/lvol0');
  if (mounted) {
    const loop = spawnSync('losetup', ['-j', join(paths.tree, 'lab-vg1', 'lvol0'), '-O', 'NAME', '-n'], { encoding: 'utf8' }).stdout.trim();
    sh('losetup', ['-c', loop]);
    if (!sh('resize2fs', [loop])) {
      say('(online resize needs CAP_SYS_RESOURCE, which this system does not grant: growing it unmounted)\n');
      sh('umount', [mnt]);
      sh('e2fsck', ['-fy', join(paths.tree, 'lab-vg1', 'lvol0')]);
      sh('resize2fs', [join(paths.tree, 'lab-vg1', 'lvol0')]);
      sh('mount', ['-o', 'loop', join(paths.tree, 'lab-vg1', 'lvol0'), mnt]);
    }
    sh('df', ['-h', mnt]);
    sh('umount', [mnt]);
  }
  await ulvm('vgs');
  await ulvm('lvs', '-o', '+devices,seg_pe_ranges');

  say('\n## Task 6: a thin pool from two LVs, an 80 MiB thin volume on 28 MiB, filled until the pool runs out\n');
  await ulvm('lvremove', '-y', 'lab-vg2/lvol0');
  if ((await ulvm('lvcreate', '-y', '-n', 'pool0', '-L', '28M', 'lab-vg2')) !== 0) return 5;
  if ((await ulvm('lvcreate', '-y', '-n', 'pool0meta', '-L', '4M', 'lab-vg2')) !== 0) return 5;
  if ((await ulvm('lvconvert', '--type', 'thin-pool', '--poolmetadata', 'lab-vg2/pool0meta', 'lab-vg2/pool0', '-y')) !== 0) return 5;
  if ((await ulvm('lvcreate', '-n', 'thin1', '-V', '80M', '--thinpool', 'pool0', 'lab-vg2')) !== 0) return 5;
  await ulvm('lvs', '-a', 'lab-vg2');
  const thin = join(paths.tree, 'lab-vg2', 'thin1');
  if (tree && existsSync(thin) && spawnSync('sh', ['-c', 'command -v mkfs.ext4']).status === 0) {
    mkdirSync(mnt, { recursive: true });
    if (sh('mkfs.ext4', ['-q', thin]) && sh('mount', ['-o', 'loop', thin, mnt])) {
      sh('df', ['-k', mnt]);
      sh('dd', ['if=/dev/zero', `of=${join(mnt, 'file1')}`, 'bs=1M', 'count=8', 'conv=fsync']);
      await ulvm('lvs', '-a', 'lab-vg2');
      say(`(the pool holds 28 MiB: the kernel queues the writes it cannot place, then fails them after ${env.ULVM_THIN_NO_SPACE_TIMEOUT} s)\n`);
      sh('dd', ['if=/dev/zero', `of=${join(mnt, 'file2')}`, 'bs=1M', 'count=40', 'conv=fsync']);
      await ulvm('lvs', '-a', '-o', '+lv_health_status,lv_when_full', 'lab-vg2');
      say('\n$ grep device-mapper: run/daemon.log\n');
      const log = spawnSync('grep', ['device-mapper: thin:', paths.log], { encoding: 'utf8' }).stdout;
      say(log);
      sh('umount', [mnt]);
    }
  } else say(`\n(no ext4 steps: the FUSE device tree needs root and /dev/fuse; thin1 is on NBD)\n`);
  await ulvm('lvextend', '-L', '+8M', 'lab-vg2/pool0');
  await ulvm('lvs', '-a', 'lab-vg2');

  say(`\nThe volumes are active in the ulvm daemon:\n`);
  say(`  NBD:         nbd+unix:///lab-vg1/lvol0?socket=${paths.nbd}   (nbdinfo, nbdcopy, qemu-img, qemu-io)\n`);
  say(tree ? `  device tree: ${paths.tree}/lab-vg1/lvol0 and ${paths.tree}/mapper/lab--vg1-lvol0\n` : '');
  say(`  stop with:   ULVM_RUN_DIR=${env.ULVM_RUN_DIR} ulvm daemon stop\n`);
  say(`Real lvm2 reads the same disk: losetup -f --show -o 1048576 --sizelimit 26214400 ${disk}   # then pvs\n`);
  return 0;
}
