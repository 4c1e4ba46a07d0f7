// The Session's exportVg, importVg, splitVg, mergeVg, diskScan and config on memory disks: typed
// results, UlvmError codes for lvm2's refusals (nothing changed then), lvm2's messages as events.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session, UlvmError, MemoryDisks } from '../../src/index.ts';

const MiB = 1024 * 1024;
const DEVS = ['/dev/mema', '/dev/memb', '/dev/memc'];

function setup(t: { after: (fn: () => void) => void }) {
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-api-moves-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const disks = new MemoryDisks();
  for (const d of DEVS) disks.add(d, 32 * MiB);
  const s = new Session({ dir, devices: DEVS, opener: disks, now: () => 1_700_000_000 });
  const events: string[] = [];
  s.on('print', (m) => events.push(`print: ${m}`)).on('error', (m) => events.push(`error: ${m}`));
  return { s, dir, events };
}

const code = (c: string) => (e: unknown) => e instanceof UlvmError && e.code === c;

test('exportVg/importVg: active LVs refused, the exported VG refused by other operations, then imported', async (t) => {
  const { s, events } = setup(t);
  await s.vgcreate({ name: 'vg', pvs: DEVS });
  await s.createLv({ vg: 'vg', name: 'data', size: '8m' });
  await assert.rejects(s.exportVg('vg'), code('LV_IN_USE'));
  assert.ok(events.includes('error: Volume group "vg" has active logical volumes'), events.join('\n'));
  await s.deactivate('vg');
  const seq = (await s.listVgs())[0]!.seqno;
  const v = await s.exportVg('vg');
  assert.deepEqual([v.attr, v.seqno], ['wzx-n-', seq + 1]);
  assert.ok((await s.listPvs()).every((p) => p.attr === 'ax-'), 'each PV carries the flag too');
  await assert.rejects(s.createLv({ vg: 'vg', name: 'more', size: '4m' }), code('VG_EXPORTED'));
  await assert.rejects(s.exportVg('vg'), code('VG_EXPORTED'));
  assert.equal((await s.importVg('vg')).attr, 'wz--n-');
  await assert.rejects(s.importVg('vg'), code('FAILED'));
  assert.ok(events.includes('error: Volume group "vg" is not exported'));
});

test('splitVg/mergeVg: PVs and their LVs move; refusals are coded and change nothing', async (t) => {
  const { s } = setup(t);
  await s.vgcreate({ name: 'va', pvs: DEVS });
  await s.createLv({ vg: 'va', name: 'a', size: '8m', pvs: ['/dev/mema'], activate: false });
  await s.createLv({ vg: 'va', name: 'b', size: '8m', pvs: ['/dev/memb'], activate: false });
  await s.createLv({ vg: 'va', name: 'span', size: '40m', pvs: ['/dev/memb', '/dev/memc'], activate: false });
  const before = (await s.listVgs())[0]!.seqno;
  await assert.rejects(s.splitVg({ from: 'va', to: 'vb', pvs: ['/dev/memc'] }), (e: unknown) => e instanceof UlvmError && /Can't split Logical Volume span/.test(e.message));
  await assert.rejects(s.splitVg({ from: 'va', to: 'va', pvs: ['/dev/memc'] }), code('FAILED'));
  await assert.rejects(s.splitVg({ from: 'nosuch', to: 'vb', pvs: ['/dev/memc'] }), code('VG_NOT_FOUND'));
  assert.equal((await s.listVgs())[0]!.seqno, before, 'nothing written');
  await s.removeLv({ vg: 'va', lvs: ['span'] });
  const r = await s.splitVg({ from: 'va', to: 'vb', pvs: ['/dev/memb'], maxLv: 4 });
  assert.deepEqual([r.existing, r.to.name, r.to.pvCount, r.to.lvCount, r.to.maxLv, r.to.seqno, r.from?.pvCount], [false, 'vb', 1, 1, 4, 2, 2]);
  assert.deepEqual((await s.listLvs()).map((l) => `${l.vg}/${l.name}`).sort(), ['va/a', 'vb/b']);
  const again = await s.splitVg({ from: 'va', to: 'vb', lv: 'a' });
  assert.deepEqual([again.existing, again.to.pvCount, again.to.lvCount], [true, 2, 2]);
  // The last PV leaves: the source is gone.
  const last = await s.splitVg({ from: 'va', to: 'vc', pvs: ['/dev/memc'] });
  assert.deepEqual([last.from, last.to.pvCount, last.to.lvCount], [undefined, 1, 0]);
  assert.deepEqual((await s.listVgs()).map((v) => v.name), ['vb', 'vc']);
  await s.createLv({ vg: 'vc', name: 'a', size: '4m', activate: false });
  await assert.rejects(s.mergeVg('vb', 'vc'), (e: unknown) => e instanceof UlvmError && e.message === 'Duplicate logical volume name "a" in "vb" and "vc"');
  await s.renameLv({ vg: 'vc', lv: 'a', newName: 'c' });
  const m = await s.mergeVg('vb', 'vc');
  assert.deepEqual([m.pvCount, m.lvCount], [3, 3]);
  assert.deepEqual((await s.listVgs()).map((v) => v.name), ['vb']);
});

test('diskScan and config', async (t) => {
  const { s, dir } = setup(t);
  await s.pvcreate(['/dev/memb']);
  assert.deepEqual(await s.diskScan(), [
    { name: '/dev/mema', size: 65536, pv: false, partition: false },
    { name: '/dev/memb', size: 65536, pv: true, partition: false },
    { name: '/dev/memc', size: 65536, pv: false, partition: false },
  ]);
  mkdirSync(join(dir, 'etc'), { recursive: true });
  writeFileSync(join(dir, 'etc', 'lvm.conf'), 'global {\n units = "m"\n}\nlog {\n prefix = "  "\n}\nbackup {\n retain_min = 3\n}\n');
  assert.equal(await s.config(), 'global {\n\tunits="m"\n}\nbackup {\n\tretain_min=3\n}\nlog {\n\tprefix="  "\n}\n', 'a new section goes after the first, as lvm2 merges');
  assert.equal(await s.config({ type: 'diff' }), 'global {\n\tunits="m"\n}\nbackup {\n\tretain_min=3\n}\n', 'log/prefix is the default');
  assert.equal(await s.config({ type: 'default', paths: ['devices/filter', 'backup/retain_min'] }), '# filter=["a|.*|"]\n# retain_min=10\n');
  assert.equal(await s.config({ type: 'full', paths: ['backup/retain_min', 'report/headings'] }), 'retain_min=3\nheadings=1\n');
  await assert.rejects(s.config({ paths: ['devices/nosuch'] }), (e: unknown) => e instanceof UlvmError && e.code === 'CONFIG' && e.message === 'Configuration node devices/nosuch not found');
});
