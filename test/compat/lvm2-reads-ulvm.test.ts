// ulvm writes, real lvm2 reads: VGs built by ulvm on loop devices must pass lvm2's vgck, report
// exactly as ulvm reports them, and stay modifiable by lvm2 (and readable by ulvm afterwards).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Lab, labSkipReason, ok, unexpectedStderr } from '../helpers/lab.ts';
import { buildVariety, mdaStates, VARIETY_MIB } from '../helpers/scenario.ts';
import { compareReports, vgckClean } from '../helpers/compare.ts';
import { scanDevices } from '../../src/metadata/scan.ts';
import { fileOpener } from '../../src/devices/file.ts';

const skip = labSkipReason();

test('lvm2 reads, checks and modifies VGs written by ulvm', { skip, timeout: 120_000 }, async (t) => {
  const lab = Lab.create(t, 4, VARIETY_MIB);
  const { cycles } = await buildVariety((cmd, args) => lab.ulvm(cmd, args), lab.loops);
  t.diagnostic(`metadata of vc wrapped after ${cycles} lvcreate/lvremove cycles`);

  // The wrap really happened: the committed text on d3 runs past the end of its 64 KiB area.
  const d3 = mdaStates(lab.loops[2]!);
  assert.equal(d3.length, 1);
  assert.equal(d3[0]!.mdaSize, 64 * 1024);
  assert.ok(d3[0]!.wrapped, `committed metadata at ${d3[0]!.offset}+${d3[0]!.size} does not wrap in ${d3[0]!.mdaSize}`);
  // d2 has two metadata areas, both holding the VG.
  const d2 = mdaStates(lab.loops[1]!);
  assert.equal(d2.length, 2);
  for (const m of d2) assert.ok(m.offset > 0 && m.size > 0, 'second metadata area on d2 is empty');

  await t.test('vgck is clean', () => {
    vgckClean(lab, 'va');
    vgckClean(lab, 'vc');
  });

  await t.test('lvm2 reports equal ulvm reports', async () => {
    const diffs = await compareReports(lab, 'after ulvm build');
    assert.deepEqual(diffs, []);
  });

  await t.test('lvm2 sees the expected shapes', () => {
    const r = ok(lab.lvm('lvs', ['--driverloaded', 'n', '--noheadings', '--separator', ':', '-o', 'vg_name,lv_name,segtype,stripes,seg_pe_ranges', '--units', 'm']), 'lvs');
    const rows = r.stdout.split('\n').map((l) => l.trim()).filter((l) => l);
    const [d1, d2, , d4] = lab.loops as [string, string, string, string];
    assert.ok(rows.includes(`va:str:striped:2:${d1}:0-1 ${d2}:0-1`), rows.join('\n'));
    assert.ok(rows.includes(`va:lin:linear:1:${d1}:2-14`), rows.join('\n'));
    assert.ok(rows.includes(`va:lin:linear:1:${d2}:2-2`), rows.join('\n'));
    assert.ok(rows.some((l) => l.startsWith('va:spanned:linear:1:')), rows.join('\n'));
    assert.ok(rows.some((l) => l.startsWith(`vc:on4:linear:1:${d4}:`)), rows.join('\n'));
    const vgs = ok(lab.lvm('vgs', ['--noheadings', '-o', 'vg_name,pv_count,lv_count']), 'vgs').stdout.split('\n').map((l) => l.trim().split(/\s+/).join(' '));
    assert.ok(vgs.includes('va 2 4'), vgs.join('\n'));
    assert.ok(vgs.some((l) => l.startsWith('vc 2 ')), vgs.join('\n'));
  });

  await t.test('lvm2 modifies the VGs and ulvm reads the result', async () => {
    const before = scanDevices(fileOpener, lab.loops);
    const seqA = before.get('va')!.vg.seqno;
    const seqC = before.get('vc')!.vg.seqno;
    for (const vg of ['va', 'vc']) {
      const r = lab.lvm('lvcreate', ['--driverloaded', 'n', '-an', '-Zn', '-L', '4M', '-n', 'bylvm', vg]);
      assert.equal(r.rc, 0, r.stderr);
      assert.equal(unexpectedStderr(r.stderr), '');
    }
    const after = scanDevices(fileOpener, lab.loops);
    assert.deepEqual(after.problems, []);
    for (const [vg, seq] of [['va', seqA], ['vc', seqC]] as const) {
      const f = after.get(vg);
      assert.ok(f, `ulvm does not find ${vg} after lvm2's lvcreate`);
      assert.equal(f.vg.seqno, seq + 1);
      assert.equal(f.inconsistent, false);
      assert.ok(f.vg.lvs.some((l) => l.name === 'bylvm'));
    }
    const diffs = await compareReports(lab, 'after lvm2 lvcreate');
    assert.deepEqual(diffs, []);
    // ulvm can keep writing on top of lvm2's commit, and lvm2 still accepts it.
    ok(await lab.ulvm('lvextend', ['-L', '+4M', 'vc/bylvm']), 'ulvm lvextend');
    ok(await lab.ulvm('lvremove', ['-y', 'va/bylvm']), 'ulvm lvremove');
    vgckClean(lab, 'va');
    vgckClean(lab, 'vc');
    assert.deepEqual(await compareReports(lab, 'after ulvm changes on lvm2 commit'), []);
  });
});
