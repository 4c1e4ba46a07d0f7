// lvm2 writes, ulvm reads and modifies, lvm2 reads again: VGs built by real lvm2 on loop devices
// must report in ulvm exactly as in lvm2; after ulvm's lvcreate/lvextend/lvremove/vgextend/vgreduce
// lvm2's vgck must stay clean and lvm2 must see the changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Lab, labSkipReason, ok } from '../helpers/lab.ts';
import { buildVariety, lvm2Args, mdaStates, VARIETY_MIB } from '../helpers/scenario.ts';
import { compareReports, vgckClean } from '../helpers/compare.ts';
import { scanDevices } from '../../src/metadata/scan.ts';
import { fileOpener } from '../../src/devices/file.ts';

const skip = labSkipReason();

function rows(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim().split(/\s+/).join(' '))
    .filter((l) => l);
}

test('ulvm reads and modifies VGs written by lvm2', { skip, timeout: 120_000 }, async (t) => {
  const lab = Lab.create(t, 4, VARIETY_MIB);
  const [d1, d2, d3, d4] = lab.loops as [string, string, string, string];
  const { cycles } = await buildVariety(async (cmd, args) => lab.lvm(cmd, lvm2Args(cmd, args)), lab.loops);
  t.diagnostic(`lvm2's metadata of vc wrapped after ${cycles} lvcreate/lvremove cycles`);
  const m3 = mdaStates(d3);
  assert.ok(m3[0]?.wrapped, 'lvm2 metadata did not wrap');
  assert.equal(mdaStates(d2).length, 2);
  vgckClean(lab, 'va');
  vgckClean(lab, 'vc');

  await t.test('ulvm scans lvm2 metadata cleanly', () => {
    const s = scanDevices(fileOpener, lab.loops);
    assert.deepEqual(s.problems, []);
    for (const d of s.devices) for (const m of d.mdas) assert.equal(m.problem, undefined, m.problem);
    assert.deepEqual(s.vgNames(), ['va', 'vc']);
    for (const vg of ['va', 'vc']) assert.equal(s.get(vg)!.inconsistent, false);
    assert.deepEqual(s.get('va')!.vg.lvs.map((l) => l.name).sort(), ['lin', 'spanned', 'str', 'tail']);
  });

  await t.test('ulvm reports equal lvm2 reports', async () => {
    assert.deepEqual(await compareReports(lab, 'lvm2-built'), []);
  });

  await t.test('ulvm modifies, lvm2 accepts and sees the changes', async () => {
    const seq0 = scanDevices(fileOpener, lab.loops);
    const seqA = seq0.get('va')!.vg.seqno;
    const seqC = seq0.get('vc')!.vg.seqno;
    const u = async (cmd: string, args: string[]) => ok(await lab.ulvm(cmd, args), `ulvm ${cmd} ${args.join(' ')}`);
    await u('lvremove', ['-y', 'vc/on4']);
    await u('vgreduce', ['vc', d4]);
    await u('vgextend', ['va', d4]);
    await u('lvcreate', ['-n', 'new4', '-L', '8M', 'va', d4]);
    await u('lvextend', ['-L', '+8M', 'va/tail', d4]);
    await u('lvcreate', ['-n', 'ustr', '-i', '2', '-I', '128k', '-L', '8M', 'va', d2, d4]);
    await u('lvremove', ['-y', 'va/spanned']);
    // ulvm keeps writing into the circular buffer lvm2 wrapped.
    for (let i = 0; i < 6; i++) {
      await u('lvcreate', ['-n', `u${i}`, '-L', '1M', 'vc']);
      if (i % 2 === 0) await u('lvremove', ['-y', `vc/u${i}`]);
    }
    const after = scanDevices(fileOpener, lab.loops);
    assert.equal(after.get('va')!.vg.seqno, seqA + 5);
    assert.equal(after.get('vc')!.vg.seqno, seqC + 2 + 9);

    vgckClean(lab, 'va');
    vgckClean(lab, 'vc');
    const vgs = rows(ok(lab.lvm('vgs', ['--noheadings', '-o', 'vg_name,pv_count,lv_count,vg_seqno']), 'lvm2 vgs').stdout);
    const vcLvs = after.get('vc')!.vg.lvs.length;
    assert.ok(['keep1', 'u1', 'u3', 'u5'].every((n) => after.get('vc')!.vg.lvs.some((l) => l.name === n)));
    assert.deepEqual(vgs, [`va 3 5 ${seqA + 5}`, `vc 1 ${vcLvs} ${seqC + 11}`]);
    const lvs = rows(ok(lab.lvm('lvs', ['--driverloaded', 'n', '--noheadings', '--separator', ':', '-o', 'vg_name,lv_name,seg_pe_ranges', '-S', 'vg_name=va']), 'lvm2 lvs').stdout);
    assert.ok(lvs.includes(`va:new4:${d4}:0-1`), lvs.join('\n'));
    assert.ok(lvs.includes(`va:tail:${d4}:2-3`), lvs.join('\n'));
    assert.ok(lvs.some((l) => l.startsWith('va:ustr:')), lvs.join('\n'));
    assert.ok(!lvs.some((l) => l.startsWith('va:spanned:')), lvs.join('\n'));
    const pvs = rows(ok(lab.lvm('pvs', ['--noheadings', '-o', 'pv_name,vg_name']), 'lvm2 pvs').stdout);
    assert.deepEqual(pvs, [`${d1} va`, `${d2} va`, `${d3} vc`, `${d4} va`]);
    assert.deepEqual(await compareReports(lab, 'after ulvm changes'), []);
    // lvm2 can still write after ulvm, and ulvm reads it.
    const r = lab.lvm('lvcreate', lvm2Args('lvcreate', ['-n', 'last', '-L', '4M', 'vc']));
    assert.equal(r.rc, 0, r.stderr);
    const fin = scanDevices(fileOpener, lab.loops);
    assert.equal(fin.get('vc')!.vg.seqno, seqC + 12);
    assert.ok(fin.get('vc')!.vg.lvs.some((l) => l.name === 'last'));
  });
});
