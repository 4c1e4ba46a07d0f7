// A PV whose header carries PV_EXT_USED while no VG found uses it (its mda_header is corrupt), at
// the scan and report level: the scan marks it, reports show it used by an "[unknown]" VG with no
// free space, and pvcreate's check calls its VG unknown. Healthy orphans and members are controls.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from '../../src/cli/main.ts';
import { BufferIo } from '../../src/ops/io.ts';
import { MemoryDisks } from '../../src/devices/memory.ts';
import { scanDevices, usedOrphanWarnings } from '../../src/metadata/scan.ts';
import { pvObjects } from '../../src/ops/objects.ts';
import { pvUser } from '../../src/ops/pvcreate-check.ts';
import { renderReport } from '../../src/report/report.ts';

const MiB = 1024 * 1024;
const DISKS = ['/d/a', '/d/b', '/d/c', '/d/e'];

async function setup(t: { after: (fn: () => void) => void }): Promise<MemoryDisks> {
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-used-orphan-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const disks = new MemoryDisks();
  for (const p of DISKS) disks.add(p, 100 * MiB);
  let now = 1_700_000_000;
  const run = async (cmd: string, args: string[]) => {
    const io = new BufferIo('');
    const rc = await runCommand(cmd, [...args, '--devices', DISKS.join(',')], {
      io,
      env: { ULVM_SYSTEM_DIR: join(dir, 'sys'), ULVM_RUN_DIR: join(dir, 'run'), TZ: 'UTC' },
      uid: 0,
      cwd: dir,
      opener: disks,
      now: () => now++,
    });
    assert.equal(rc, 0, `${cmd} ${args.join(' ')}: ${io.stderr}`);
  };
  await run('vgcreate', ['vg1', '/d/a']);
  await run('pvcreate', ['/d/b']);
  await run('vgcreate', ['vg2', '/d/c', '/d/e']);
  // 4 bytes inside raw_locn[0] of the mda_header at 4096: its checksum fails.
  for (const p of ['/d/a', '/d/c']) disks.disks.get(p)!.write(4136, Uint8Array.from([0xde, 0xad, 0xbe, 0xef]));
  return disks;
}

test('scan: a damaged PV whose header says "used" is an orphan with a failed summary and lvm2\'s two warnings', async (t) => {
  const scan = scanDevices(await setup(t), DISKS);
  const [a, b, c] = ['/d/a', '/d/b', '/d/c'].map((p) => scan.device(p)!);
  assert.equal(a!.summaryFailed, true);
  assert.deepEqual(scan.orphans().map((d) => d.path), ['/d/a', '/d/b']);
  assert.deepEqual(usedOrphanWarnings(a!), ['WARNING: PV /d/a is marked in use but no VG was found using it.', 'WARNING: PV /d/a might need repairing.']);
  assert.deepEqual(usedOrphanWarnings(b!), [], 'a PV that never joined a VG is a plain orphan');
  assert.equal(pvUser(scan, a!), 'unknown');
  assert.equal(pvUser(scan, b!), undefined);
  // /d/c is found in vg2 through /d/e's metadata, but its own metadata names no VG.
  assert.equal(c!.summaryFailed, true);
  assert.equal(scan.vgOfDevice(c!)?.vg.name, 'vg2');
  assert.equal(pvUser(scan, c!), 'unknown');
  assert.deepEqual(pvUser(scan, scan.device('/d/e')!), { vg: 'vg2' });
});

test('report: the used orphan shows VG [unknown], attr u--, no free space, in use; plain orphans and members do not change', async (t) => {
  const scan = scanDevices(await setup(t), DISKS);
  const out = renderReport(
    'pvs',
    { options: ['pv_name,vg_name,pv_attr,pv_free,pv_in_use'], noheadings: true, separator: ',', units: 'b', nosuffix: true },
    { pvs: pvObjects(scan, false) },
  );
  assert.equal(out.rc, 0, out.stderr);
  assert.deepEqual(
    out.stdout.split('\n').map((l) => l.trim()).filter(Boolean),
    ['/d/a,[unknown],u--,0,used', '/d/b,,---,104857600,', '/d/c,vg2,a--,100663296,used', '/d/e,vg2,a--,100663296,used'],
  );
  // The PV-segment report of the same PV names no VG, as lvm2's does.
  const segs = renderReport('pvs', { segments: true, options: ['pv_name,vg_name,pv_attr'], noheadings: true, separator: ',' }, { pvs: pvObjects(scan, false) });
  assert.equal(segs.stdout.split('\n')[0]!.trim(), '/d/a,,u--');
  assert.equal(out.rowType, 'PVS');
  assert.equal(renderReport('pvs', { options: ['pv_name,pv_uuid'] }, {}).rowType, 'LABEL', 'label fields alone read no VG');
});
