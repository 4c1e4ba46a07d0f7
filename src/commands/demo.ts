// `ulvm demo [DIR]`: the lab's tasks 1–3 on sparse image files in a local folder, no root needed.
// Every step is run through the same command code as `ulvm <command>` and printed with its output.
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, rmSync, ftruncateSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Ctx } from './context.ts';
import { fail } from './context.ts';
import { runCommand } from '../cli/main.ts';

const MARKER = '.ulvm-demo';

export async function run(ctx: Ctx): Promise<number> {
  const dir = resolve(ctx.run.cwd, ctx.args.positionals[0] ?? 'ulvm-demo');
  if (existsSync(dir) && readdirSync(dir).length && !existsSync(join(dir, MARKER))) fail(`${dir} exists and is not a ulvm demo folder; choose an empty or new folder.`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, MARKER), 'created by ulvm demo\n');
  const disks = [1, 2, 3, 4].map((i) => join(dir, `disk${i}.img`));
  for (const d of disks) {
    const fd = openSync(d, 'w');
    ftruncateSync(fd, 25 * 1024 * 1024);
    closeSync(fd);
  }
  const env = { ...ctx.run.env, ULVM_SYSTEM_DIR: join(dir, 'etc'), ULVM_RUN_DIR: join(dir, 'run') };
  const say = (s: string) => ctx.output(s);
  say(`ulvm demo: the LVM lab on four sparse 25 MiB image files in ${dir}\n`);
  say(`(state in ${env.ULVM_SYSTEM_DIR}; run the same commands yourself with ULVM_SYSTEM_DIR=${env.ULVM_SYSTEM_DIR})\n`);
  const rel = (p: string) => p.replace(dir + '/', '');
  const steps: [string, string[]][] = [
    ['Task 1: create physical volumes', []],
    ['pvcreate', disks.map(rel)],
    ['pvs', []],
    ['pvdisplay', [rel(disks[0]!)]],
    ['Task 2: create two volume groups', []],
    ['vgcreate', ['lab-vg1', rel(disks[0]!)]],
    ['vgcreate', ['lab-vg2', rel(disks[1]!), rel(disks[2]!)]],
    ['vgs', []],
    ['pvs', []],
    ['Task 3: create logical volumes', []],
    ['lvcreate', ['-L', '20M', 'lab-vg1']],
    ['lvcreate', ['-L', '20M', 'lab-vg2']],
    ['lvs', []],
    ['Task 4 (metadata part): grow a volume onto a new disk', []],
    ['vgextend', ['lab-vg1', rel(disks[3]!)]],
    ['lvextend', ['-L', '+20M', 'lab-vg1/lvol0']],
    ['vgs', []],
    ['lvs', ['-o', '+devices,seg_pe_ranges']],
    ['lvdisplay', ['-m', 'lab-vg1/lvol0']],
  ];
  for (const [cmd, args] of steps) {
    if (cmd.startsWith('Task')) {
      say(`\n## ${cmd}\n`);
      continue;
    }
    say(`\n$ ulvm ${[cmd, ...args].join(' ')}\n`);
    const rc = await runCommand(cmd, args, { ...ctx.run, env, cwd: dir });
    if (rc !== 0) {
      say(`(exit status ${rc})\n`);
      return rc;
    }
  }
  say(`\nThe volume groups live in the image files; real lvm2 reads them too:\n  losetup -f --show ${disks[0]}   # then: pvs, vgs, lvs\n`);
  return 0;
}
