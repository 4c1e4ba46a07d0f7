import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Lab, MiB, golden, lv, linear } from './display-lab.ts';
import * as pvdisplay from '../../src/commands/pvdisplay.ts';
import * as pvscan from '../../src/commands/pvscan.ts';

/** The host lab of h02/h03: four 25 MiB loop devices. */
function hostPvs(): Lab {
  return new Lab()
    .pv('/dev/loop0', 25 * MiB, 'cQKTq9-GL0W-xUgY-9A0o-iNBy-ZZAO-PEdg1z')
    .pv('/dev/loop1', 25 * MiB, 'DdiRsU-hMLP-t265-pqsC-dlWY-ABfB-hBl2j1')
    .pv('/dev/loop2', 25 * MiB, 'o3fRfW-qrM1-KXXl-NlUL-XOhM-Kf9v-kL6BYG')
    .pv('/dev/loop3', 25 * MiB, 'eWUppY-bvAN-h1jh-HYse-1eZM-pUWt-3t04Xi');
}

function hostVgs(): Lab {
  const lab = hostPvs();
  lab.vg('lab-vg1', '6TV2cK-AJkE-KbSM-hFKD-7g5j-fuPI-3LNRtY', ['/dev/loop0']);
  lab.vg('lab-vg2', '0J89Wb-3eas-yrQ1-ze29-KCDT-Ze9H-d6nuZJ', ['/dev/loop1', '/dev/loop2']);
  return lab;
}

async function same(lab: Lab, file: string, command: string, options: Record<string, string[]>, positionals: string[] = [], nth = 0) {
  const g = golden(file, command, nth);
  const mod = command.startsWith('pvscan') ? pvscan : pvdisplay;
  const r = await lab.run(mod, command.split(' ')[0]!, options, positionals);
  assert.equal(r.stdout, g.stdout, command);
  assert.equal(r.stderr, g.stderr, command);
  assert.equal(r.rc, g.exit_code, command);
}

test('pvdisplay of new PVs: summary line and NEW block (h02)', async () => {
  const lab = hostPvs();
  await same(lab, 'h02-pvdisplay-new', 'pvdisplay', {});
  await same(lab, 'h02-pvdisplay-new', 'pvdisplay /dev/loop0', {}, ['/dev/loop0']);
  await same(lab, 'h02-pvdisplay-new', 'pvdisplay -s', { short: [''] });
  await same(lab, 'h02-pvdisplay-new', 'pvscan', {});
});

test('pvdisplay of VG members in cache order, orphans last; -c (h03)', async () => {
  const lab = hostVgs();
  await same(lab, 'h03-vgcreate', 'pvdisplay', {});
  await same(lab, 'h03-vgcreate', 'pvdisplay -c', { colon: [''] });
});

test('pvdisplay -m of an unused PV shows one FREE run (03)', async () => {
  const lab = new Lab()
    .pv('/dev/sda1', 25 * MiB, 'LPjrqX-RTYG-TGaB-ziKB-vm0u-q6oG-FPcYLj')
    .pv('/dev/sda2', 25 * MiB, 'aTTAzx-s7lW-BYnc-WUJL-1ng5-AnAS-S7lHbn')
    .pv('/dev/sda3', 25 * MiB, 'XRxyrY-nMKu-ETYk-41y3-HvmF-TfYN-mWXtqD');
  lab.vg('lab-vg2', 'rWz8Dn-sRcQ-5CpK-vg3p-TjrN-tBCt-Rf9O7k', ['/dev/sda2', '/dev/sda3']);
  await same(lab, '03-vgcreate', 'pvdisplay -m /dev/sda2', { maps: [''] }, ['/dev/sda2']);
});

test('pvdisplay -m after lvextend: LV run then FREE run (05)', async () => {
  const lab = new Lab()
    .pv('/dev/sda1', 25 * MiB, 'LPjrqX-RTYG-TGaB-ziKB-vm0u-q6oG-FPcYLj')
    .pv('/dev/sda4', 25 * MiB, 'F4ziBc-dcK2-zW03-Kien-CVuM-Mr35-sYRSXS');
  const a = lab.pvId('/dev/sda1');
  const b = lab.pvId('/dev/sda4');
  const lvol0 = lv('lvol0', 'iJtQZr-XEni-xzxP-CSJS-YhbH-H6GC-2PJiXf', '2026-11-26 02:37:47', 'lvmlab', [linear(0, 6, a, 0), linear(6, 4, b, 0)]);
  lab.vg('lab-vg1', '6y1cYf-3Nfg-BJKz-gW6K-rStO-TZkD-nhTzD0', ['/dev/sda1', '/dev/sda4'], { seqno: 3, lvs: [lvol0] });
  await same(lab, '05-vgextend-lvextend', 'pvdisplay -m /dev/sda4', { maps: [''] }, ['/dev/sda4']);
});

test('pvdisplay units, rounding marker and "not usable" (h06)', async () => {
  const lab = new Lab()
    .pv('/dev/loop0', 25599 * 1024, 'nqnTB2-gSPa-v8Dw-4jFj-KRN8-G9bq-I20wH2')
    .pv('/dev/loop1', 1024 * 1024 * MiB, '7JC1lK-v6Jm-oNFh-LOC9-Q0zP-gfxD-pfFazs')
    .pv('/dev/loop2', 15 * 1024 * 1024 * MiB, 'I3C3yf-UsSB-SUEl-Uf3d-0dFw-H4f3-lioNgF')
    .pv('/dev/loop3', 3000 * MiB, 'w9Xiip-0sLu-bXx4-v3IB-6Zl4-QS6q-D09B5U');
  await same(lab, 'h06-units-rounding', 'pvdisplay', {});
  lab.vg('vgsmall', 'xaqpwo-d0r1-TQO8-tF6h-k28V-VaNX-wVu8hZ', ['/dev/loop0']);
  lab.vg('vgbig', 'jQwoB1-DTln-qrHY-YafG-d0bX-MxC6-d5oFiK', ['/dev/loop1', '/dev/loop2', '/dev/loop3']);
  await same(lab, 'h06-units-rounding', 'pvdisplay /dev/loop0 /dev/loop1', {}, ['/dev/loop0', '/dev/loop1']);
  const l0 = lab.pvId('/dev/loop0');
  const lvol0 = lv('lvol0', 'aaaaaa-aaaa-aaaa-aaaa-aaaa-aaaa-aaaaaa', '2026-11-26 02:40:40', 'vm', [linear(0, 5, l0, 0)]);
  lab.vg('vgsmall', 'xaqpwo-d0r1-TQO8-tF6h-k28V-VaNX-wVu8hZ', ['/dev/loop0'], { seqno: 2, lvs: [lvol0] });
  await same(lab, 'h06-units-rounding', 'pvdisplay --units k /dev/loop0', { units: ['k'] }, ['/dev/loop0']);
  await same(lab, 'h06-units-rounding', 'pvdisplay --units K /dev/loop0', { units: ['K'] }, ['/dev/loop0']);
  await same(lab, 'h06-units-rounding', 'pvdisplay --units s /dev/loop0', { units: ['s'] }, ['/dev/loop0']);
});

test('pvdisplay of a missing device (12)', async () => {
  const lab = hostPvs();
  const r = await lab.run(pvdisplay, 'pvdisplay', {}, ['/dev/sdz']);
  const g = golden('12-errors', 'pvdisplay /dev/sdz');
  assert.deepEqual([r.stdout, r.stderr, r.rc], [g.stdout, g.stderr, g.exit_code]);
});

test('pvdisplay: a device that is no PV, bad option mixes, bad units', async () => {
  const lab = hostPvs();
  lab.disks.add('/dev/plain', 25 * MiB);
  lab.paths.push('/dev/plain');
  let r = await lab.run(pvdisplay, 'pvdisplay', {}, ['/dev/plain']);
  assert.deepEqual([r.stdout, r.stderr, r.rc], ['', '  Failed to find physical volume "/dev/plain".\n', 5]);
  r = await lab.run(pvdisplay, 'pvdisplay', { colon: [''], maps: [''] });
  assert.deepEqual([r.stderr, r.rc], ["  Option -c not allowed with option -m\n  Run `pvdisplay --help' for more information.\n", 3]);
  r = await lab.run(pvdisplay, 'pvdisplay', { all: [''] });
  assert.equal(r.rc, 3);
  r = await lab.run(pvdisplay, 'pvdisplay', { units: ['X'] });
  assert.deepEqual([r.stderr, r.rc], ["  Invalid units specification\n  Run `pvdisplay --help' for more information.\n", 3]);
});

test('pvscan -s, -n, -u and an empty system', async () => {
  const lab = hostVgs();
  let r = await lab.run(pvscan, 'pvscan', { short: [''] });
  assert.equal(r.stdout, '  /dev/loop1\n  /dev/loop2\n  /dev/loop0\n  /dev/loop3\n  Total: 4 [97.00 MiB] / in use: 3 [72.00 MiB] / in no VG: 1 [25.00 MiB]\n');
  r = await lab.run(pvscan, 'pvscan', { novolumegroup: [''] });
  assert.equal(r.stdout, '  PV /dev/loop3                      lvm2 [25.00 MiB]\n  Total: 1 [25.00 MiB] / in use: 0 [0   ] / in no VG: 1 [25.00 MiB]\n');
  assert.equal(r.stderr, '  WARNING: only considering physical volumes in no volume group\n');
  r = await lab.run(pvscan, 'pvscan', { uuid: [''] });
  // "%-*s with UUID %s" at the longest name, then the whole padded by 50 more columns.
  const first = r.stdout.split('\n')[0]!;
  assert.equal(first, `  PV ${'/dev/loop1 with UUID DdiRsU-hMLP-t265-pqsC-dlWY-ABfB-hBl2j1'.padEnd(62)} VG lab-vg2         lvm2 [24.00 MiB / 24.00 MiB free]`);
  r = await new Lab().run(pvscan, 'pvscan', {});
  assert.deepEqual([r.stdout, r.rc], ['  No matching physical volumes found\n', 0]);
});
