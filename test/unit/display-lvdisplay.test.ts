import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Lab, MiB, golden, lv, linear } from './display-lab.ts';
import { kernel, kernel09, kernel15, scene04, scene06, scene09, scene13, scene15, up, vmDisks } from './display-scenes.ts';
import * as lvdisplay from '../../src/commands/lvdisplay.ts';
import * as lvscan from '../../src/commands/lvscan.ts';
import type { Ctx } from '../../src/ops/context.ts';
import type { ActivationFn } from '../../src/commands/display/lv-state.ts';

type Mod = { run: (ctx: Ctx) => Promise<number> };
const lvd = (act: ActivationFn): Mod => ({ run: (ctx) => lvdisplay.display(ctx, act) });
const lvs = (act: ActivationFn): Mod => ({ run: (ctx) => lvscan.display(ctx, act) });

/** Compares stdout and exit code (and stderr unless the transcript's stderr is lvm2's device-mapper noise). */
async function same(lab: Lab, mod: Mod, file: string, command: string, options: Record<string, string[]>, positionals: string[] = [], opts: { nth?: number; stderr?: boolean } = {}) {
  const g = golden(file, command, opts.nth ?? 0);
  const r = await lab.run(mod, command.split(' ')[0]!, options, positionals);
  assert.equal(r.stdout, g.stdout, command);
  if (opts.stderr !== false) assert.equal(r.stderr, g.stderr, command);
  assert.equal(r.rc, g.exit_code, command);
}

function hostLab(): Lab {
  const lab = new Lab()
    .pv('/dev/loop0', 25 * MiB, 'cQKTq9-GL0W-xUgY-9A0o-iNBy-ZZAO-PEdg1z')
    .pv('/dev/loop1', 25 * MiB, 'DdiRsU-hMLP-t265-pqsC-dlWY-ABfB-hBl2j1')
    .pv('/dev/loop2', 25 * MiB, 'o3fRfW-qrM1-KXXl-NlUL-XOhM-Kf9v-kL6BYG')
    .pv('/dev/loop3', 25 * MiB, 'eWUppY-bvAN-h1jh-HYse-1eZM-pUWt-3t04Xi');
  const lvol0 = lv('lvol0', 'gMjeYA-ZWz2-9HJA-gX6e-O9uM-UjKV-qjI8Hj', '2026-11-26 02:32:08', 'vm', [linear(0, 5, lab.pvId('/dev/loop0'), 0)]);
  lab.vg('lab-vg1', '6TV2cK-AJkE-KbSM-hFKD-7g5j-fuPI-3LNRtY', ['/dev/loop0'], { seqno: 2, lvs: [lvol0] });
  lab.vg('lab-vg2', '0J89Wb-3eas-yrQ1-ze29-KCDT-Ze9H-d6nuZJ', ['/dev/loop1', '/dev/loop2']);
  return lab;
}

test('lvdisplay without a kernel: NOT available, and nothing at all with --driverloaded n (h04)', async () => {
  const lab = hostLab();
  const dl = { driverloaded: ['n'] };
  await same(lab, lvdisplay, 'h04-lvcreate', 'lvdisplay', {}, [], { stderr: false });
  await same(lab, lvdisplay, 'h04-lvcreate', 'lvdisplay --driverloaded n', dl, [], { stderr: false });
  await same(lab, lvdisplay, 'h04-lvcreate', 'lvdisplay --driverloaded n -m', { ...dl, maps: [''] }, [], { stderr: false });
  await same(lab, lvdisplay, 'h04-lvcreate', 'lvdisplay --driverloaded n -c', { ...dl, colon: [''] }, [], { stderr: false });
});

test('lvdisplay of an active linear LV, -m, lvscan (04)', async () => {
  const lab = scene04();
  const act = kernel({ lvol0: up(0) });
  await same(lab, lvd(act), '04-lvcreate', 'lvdisplay', {});
  await same(lab, lvd(act), '04-lvcreate', 'lvdisplay -m lab-vg1/lvol0', { maps: [''] }, ['lab-vg1/lvol0']);
  await same(lab, lvs(act), '04-lvcreate', 'lvscan', {});
});

test('lvdisplay -m with two segments on two PVs, by /dev path (05)', async () => {
  const lab = vmDisks();
  const segs = [linear(0, 6, lab.pvId('/dev/sda1'), 0), linear(6, 4, lab.pvId('/dev/sda4'), 0)];
  const lvol0 = lv('lvol0', 'iJtQZr-XEni-xzxP-CSJS-YhbH-H6GC-2PJiXf', '2026-11-26 02:37:47', 'lvmlab', segs);
  lab.vg('lab-vg1', '6y1cYf-3Nfg-BJKz-gW6K-rStO-TZkD-nhTzD0', ['/dev/sda1', '/dev/sda4'], { seqno: 3, lvs: [lvol0] });
  await same(lab, lvd(kernel({ lvol0: up(0) })), '05-vgextend-lvextend', 'lvdisplay -m /dev/lab-vg1/lvol0', { maps: [''] }, ['/dev/lab-vg1/lvol0']);
});

test('lvdisplay of a COW snapshot and its origin, valid and invalidated (06, 07)', async () => {
  const lab = scene06();
  const act = kernel({ lvol0: up(1), snap: up(4, { dataPercent: 0 }) });
  await same(lab, lvd(act), '06-snapshot', 'lvdisplay lab-vg2/snap', {}, ['lab-vg2/snap']);
  await same(lab, lvd(act), '06-snapshot', 'lvdisplay lab-vg2/lvol0', {}, ['lab-vg2/lvol0']);
  await same(lab, lvd(act), '06-snapshot', 'lvdisplay -m lab-vg2/snap', { maps: [''] }, ['lab-vg2/snap']);
  const half = kernel({ lvol0: up(1, { openCount: 1 }), snap: up(4, { dataPercent: 42.06 }) });
  await same(lab, lvd(half), '07-snapshot-overflow', 'lvdisplay lab-vg2/snap', {}, ['lab-vg2/snap']);
  const invalid = kernel({ lvol0: up(1, { openCount: 1 }), snap: up(4, { dataPercent: 100, invalid: true }) });
  await same(lab, lvd(invalid), '07-snapshot-overflow', 'lvdisplay lab-vg2/snap', {}, ['lab-vg2/snap'], { nth: 1 });
  await same(lab, lvd(invalid), '07-snapshot-overflow', 'lvdisplay lab-vg2/lvol0', {}, ['lab-vg2/lvol0']);
});

test('lvdisplay of a thin pool and thin LV, -m, and -a -m with internal LVs (09, 11)', async () => {
  const lab = scene09();
  await same(lab, lvd(kernel09), '09-thinpool', 'lvdisplay lab-vg2/thin1', {}, ['lab-vg2/thin1']);
  await same(lab, lvd(kernel09), '09-thinpool', 'lvdisplay lab-vg2/pool0', {}, ['lab-vg2/pool0'], { nth: 1 });
  await same(lab, lvd(kernel09), '09-thinpool', 'lvdisplay -m lab-vg2/thin1', { maps: [''] }, ['lab-vg2/thin1']);
  await same(lab, lvd(kernel09), '09-thinpool', 'lvdisplay -a -m lab-vg2', { all: [''], maps: [''] }, ['lab-vg2']);
  const full = kernel({
    pool0: up(4, { readOnly: true, dataPercent: 100, metadataPercent: 11.13 }),
    thin1: up(5, { openCount: 1, dataPercent: 35 }),
  });
  await same(lab, lvd(full), '11-thin-fill', 'lvdisplay lab-vg2/pool0', {}, ['lab-vg2/pool0']);
  await same(lab, lvd(full), '11-thin-fill', 'lvdisplay lab-vg2/thin1', {}, ['lab-vg2/thin1']);
  // A hidden LV named without -a is silently skipped, as in lvm2.
  const r = await lab.run(lvd(kernel09), 'lvdisplay', {}, ['lab-vg2/pool0_tdata']);
  assert.deepEqual([r.stdout, r.stderr, r.rc], ['', '', 0]);
});

test('lvdisplay -m of a striped LV (13)', async () => {
  const lab = scene13();
  const act = kernel({ striped: up(1, { readAheadSectors: 512 }) });
  await same(lab, lvd(act), '13-sizes', 'lvdisplay -m lab-vg2/striped', { maps: [''] }, ['lab-vg2/striped']);
});

test('lvscan with snapshots active and inactive; lvdisplay of an inactive snapshot (15)', async () => {
  const lab = scene15();
  await same(lab, lvs(kernel15), '15-extras', 'lvscan', {});
  const vgbDown = kernel({ lvol0: up(0), lvol1: up(1) });
  await same(lab, lvs(vgbDown), '15-extras', 'lvscan', {}, [], { nth: 1 });
  await same(lab, lvdisplay, '15-extras', 'lvdisplay vgB/snapfull', {}, ['vgB/snapfull']);
});

test('lvdisplay --units g (h06)', async () => {
  const lab = new Lab().pv('/dev/loop2', 15 * 1024 * 1024 * MiB, 'I3C3yf-UsSB-SUEl-Uf3d-0dFw-H4f3-lioNgF');
  const big = lv('big', '1QMH63-dBqh-lRwN-zOfh-GCz6-Dr0E-PfK7Do', '2026-11-26 02:40:34', 'vm', [linear(0, 2621440, lab.pvId('/dev/loop2'), 0)]);
  lab.vg('vgbig', 'jQwoB1-DTln-qrHY-YafG-d0bX-MxC6-d5oFiK', ['/dev/loop2'], { lvs: [big] });
  await same(lab, lvdisplay, 'h06-units-rounding', 'lvdisplay --driverloaded n --units g vgbig/big', { driverloaded: ['n'], units: ['g'] }, ['vgbig/big'], { stderr: false });
});

test('lvdisplay errors: missing LV, missing VG, bad path, -c with -m (12)', async () => {
  const lab = scene04();
  await same(lab, lvdisplay, '12-errors', 'lvdisplay lab-vg1/nosuch', {}, ['lab-vg1/nosuch']);
  let r = await lab.run(lvdisplay, 'lvdisplay', {}, ['lab-vg9/x', 'lab-vg1/lvol0']);
  assert.equal(r.stderr, '  Volume group "lab-vg9" not found\n  Cannot process volume group lab-vg9\n');
  assert.match(r.stdout, /LV Name {16}lvol0\n/);
  assert.equal(r.rc, 5);
  r = await lab.run(lvdisplay, 'lvdisplay', {}, ['/tmp/x']);
  assert.deepEqual([r.stderr, r.rc], ['  "/tmp/x": Invalid path for Logical Volume.\n', 5]);
  r = await lab.run(lvdisplay, 'lvdisplay', { colon: [''], maps: [''] });
  assert.deepEqual([r.stderr, r.rc], ["  Options -c and -m are incompatible.\n  Run `lvdisplay --help' for more information.\n", 3]);
});
