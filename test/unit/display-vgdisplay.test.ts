import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Lab, MiB, golden, lv, linear } from './display-lab.ts';
import { kernel15, scene15, vmDisks } from './display-scenes.ts';
import * as vgdisplay from '../../src/commands/vgdisplay.ts';
import * as vgscan from '../../src/commands/vgscan.ts';
import * as pvscan from '../../src/commands/pvscan.ts';
import * as pvdisplay from '../../src/commands/pvdisplay.ts';
import type { Ctx } from '../../src/ops/context.ts';
import type { ActivationFn } from '../../src/commands/display/lv-state.ts';

type Mod = { run: (ctx: Ctx) => Promise<number> };

async function same(lab: Lab, mod: Mod, file: string, command: string, options: Record<string, string[]>, positionals: string[] = [], nth = 0) {
  const g = golden(file, command, nth);
  const r = await lab.run(mod, command.split(' ')[0]!, options, positionals);
  assert.equal(r.stdout, g.stdout, command);
  assert.equal(r.stderr, g.stderr, command);
  assert.equal(r.rc, g.exit_code, command);
}

/** Runs vgdisplay with fixed kernel states. */
const withKernel = (act: ActivationFn): Mod => ({ run: (ctx) => vgdisplay.display(ctx, act) });

function hostVgs(): Lab {
  const lab = new Lab()
    .pv('/dev/loop0', 25 * MiB, 'cQKTq9-GL0W-xUgY-9A0o-iNBy-ZZAO-PEdg1z')
    .pv('/dev/loop1', 25 * MiB, 'DdiRsU-hMLP-t265-pqsC-dlWY-ABfB-hBl2j1')
    .pv('/dev/loop2', 25 * MiB, 'o3fRfW-qrM1-KXXl-NlUL-XOhM-Kf9v-kL6BYG')
    .pv('/dev/loop3', 25 * MiB, 'eWUppY-bvAN-h1jh-HYse-1eZM-pUWt-3t04Xi');
  lab.vg('lab-vg1', '6TV2cK-AJkE-KbSM-hFKD-7g5j-fuPI-3LNRtY', ['/dev/loop0']);
  lab.vg('lab-vg2', '0J89Wb-3eas-yrQ1-ze29-KCDT-Ze9H-d6nuZJ', ['/dev/loop1', '/dev/loop2']);
  return lab;
}

test('vgdisplay, -s, -c in cache order (h03)', async () => {
  const lab = hostVgs();
  await same(lab, vgdisplay, 'h03-vgcreate', 'vgdisplay', {});
  await same(lab, vgdisplay, 'h03-vgcreate', 'vgdisplay -s', { short: [''] });
  await same(lab, vgdisplay, 'h03-vgcreate', 'vgdisplay -c', { colon: [''] });
});

test('vgdisplay -v of a VG without LVs, and vgscan (03)', async () => {
  const lab = vmDisks();
  lab.vg('lab-vg1', '6y1cYf-3Nfg-BJKz-gW6K-rStO-TZkD-nhTzD0', ['/dev/sda1']);
  lab.vg('lab-vg2', 'rWz8Dn-sRcQ-5CpK-vg3p-TjrN-tBCt-Rf9O7k', ['/dev/sda2', '/dev/sda3']);
  await same(lab, vgdisplay, '03-vgcreate', 'vgdisplay -v lab-vg1', { verbose: [''] }, ['lab-vg1']);
  await same(lab, vgscan, '03-vgcreate', 'vgscan', {});
});

test('vgdisplay -v with origin, snapshots and the PV section; pvscan/pvdisplay -m there (15)', async () => {
  const lab = scene15();
  await same(lab, withKernel(kernel15), '15-extras', 'vgdisplay -v vgB', { verbose: [''] }, ['vgB']);
  await same(lab, pvscan, '15-extras', 'pvscan', {}, [], 1);
  await same(lab, pvdisplay, '15-extras', 'pvdisplay -m /dev/sda2', { maps: [''] }, ['/dev/sda2']);
  await same(lab, vgscan, '15-extras', 'vgscan', {});
});

test('vgdisplay with --units and full VGs, vgdisplay -s (h06)', async () => {
  const lab = new Lab()
    .pv('/dev/loop0', 25599 * 1024, 'nqnTB2-gSPa-v8Dw-4jFj-KRN8-G9bq-I20wH2')
    .pv('/dev/loop1', 1024 * 1024 * MiB, '7JC1lK-v6Jm-oNFh-LOC9-Q0zP-gfxD-pfFazs')
    .pv('/dev/loop2', 15 * 1024 * 1024 * MiB, 'I3C3yf-UsSB-SUEl-Uf3d-0dFw-H4f3-lioNgF')
    .pv('/dev/loop3', 3000 * MiB, 'w9Xiip-0sLu-bXx4-v3IB-6Zl4-QS6q-D09B5U');
  lab.vg('vgsmall', 'xaqpwo-d0r1-TQO8-tF6h-k28V-VaNX-wVu8hZ', ['/dev/loop0']);
  const big = lab.vg('vgbig', 'jQwoB1-DTln-qrHY-YafG-d0bX-MxC6-d5oFiK', ['/dev/loop1', '/dev/loop2', '/dev/loop3']);
  await same(lab, vgdisplay, 'h06-units-rounding', 'vgdisplay vgbig', {}, ['vgbig']);
  // Fill both VGs: four LVs in vgbig, one in vgsmall.
  const [p1, p2, p3] = big.pvs.map((p) => p.id) as [string, string, string];
  const [c1, c2, c3] = big.pvs.map((p) => p.peCount) as [number, number, number];
  const when = '2026-11-26 02:40:34';
  const lvs = [
    lv('big', '1QMH63-dBqh-lRwN-zOfh-GCz6-Dr0E-PfK7Do', when, 'vm', [linear(0, 2621440, p2, 0)]),
    lv('onefive', 'Aaaaaa-aaaa-aaaa-aaaa-aaaa-aaaa-aaaaa1', when, 'vm', [linear(0, c1, p1, 0)]),
    lv('rest', 'Aaaaaa-aaaa-aaaa-aaaa-aaaa-aaaa-aaaaa2', when, 'vm', [linear(0, c2 - 2621440, p2, 2621440)]),
    lv('thousand', 'Aaaaaa-aaaa-aaaa-aaaa-aaaa-aaaa-aaaaa3', when, 'vm', [linear(0, c3, p3, 0)]),
  ];
  lab.vg('vgbig', 'jQwoB1-DTln-qrHY-YafG-d0bX-MxC6-d5oFiK', ['/dev/loop1', '/dev/loop2', '/dev/loop3'], { seqno: 5, lvs });
  const small = [lv('lvol0', 'Aaaaaa-aaaa-aaaa-aaaa-aaaa-aaaa-aaaaa4', when, 'vm', [linear(0, 5, lab.pvId('/dev/loop0'), 0)])];
  lab.vg('vgsmall', 'xaqpwo-d0r1-TQO8-tF6h-k28V-VaNX-wVu8hZ', ['/dev/loop0'], { seqno: 2, lvs: small });
  for (const [cmd, units, vg] of [
    ['vgdisplay --units m vgbig', 'm', 'vgbig'],
    ['vgdisplay --units G vgbig', 'G', 'vgbig'],
    ['vgdisplay --units b vgsmall', 'b', 'vgsmall'],
  ] as const) {
    const g = golden('h06-units-rounding', cmd);
    const r = await lab.run(vgdisplay, 'vgdisplay', { units: [units] }, [vg]);
    // lvm2's stderr there is the host's missing device-mapper noise.
    assert.deepEqual([r.stdout, r.rc], [g.stdout, g.exit_code], cmd);
  }
  await same(lab, vgdisplay, 'h06-units-rounding', 'vgdisplay -s', { short: [''] });
});

test('vgdisplay of a missing VG keeps going; bad names; incompatible options', async () => {
  const lab = hostVgs();
  let r = await lab.run(vgdisplay, 'vgdisplay', { short: [''] }, ['nosuch', 'lab-vg1']);
  assert.equal(r.stdout, '  "lab-vg1" 24.00 MiB [0         used / 24.00 MiB free]\n');
  assert.equal(r.stderr, '  Volume group "nosuch" not found\n  Cannot process volume group nosuch\n');
  assert.equal(r.rc, 5);
  r = await lab.run(vgdisplay, 'vgdisplay', {}, ['a/b']);
  assert.deepEqual([r.stderr, r.rc], ["  Invalid volume group name a/b.\n  Run `vgdisplay --help' for more information.\n", 3]);
  r = await lab.run(vgdisplay, 'vgdisplay', { colon: [''], short: [''] });
  assert.deepEqual([r.stderr, r.rc], ["  Option -c is not allowed with option -s\n  Run `vgdisplay --help' for more information.\n", 3]);
});

test('-C hands over to the report commands (02, 03)', async () => {
  const lab = vmDisks();
  await same(lab, pvdisplay, '02-pvdisplay-new', 'pvdisplay -C', { columns: [''] });
  lab.vg('lab-vg1', '6y1cYf-3Nfg-BJKz-gW6K-rStO-TZkD-nhTzD0', ['/dev/sda1']);
  lab.vg('lab-vg2', 'rWz8Dn-sRcQ-5CpK-vg3p-TjrN-tBCt-Rf9O7k', ['/dev/sda2', '/dev/sda3']);
  await same(lab, vgdisplay, '03-vgcreate', 'vgdisplay -C', { columns: [''] });
  const r = await lab.run(vgdisplay, 'vgdisplay', { columns: [''], short: [''] });
  assert.deepEqual([r.stderr, r.rc], ["  Incompatible options selected\n  Run `vgdisplay --help' for more information.\n", 3]);
});
