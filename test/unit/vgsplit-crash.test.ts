// vgsplit and vgmerge write two VGs; a power cut after any one of their device writes must leave
// disks on which the scan reads without problems, no PV is in two usable (not exported) VGs, and
// no LV is lost: each is in a usable VG, or in an exported one that vgimport gives back (the
// recovery lvm2's vgsplit describes), after which every PV is still in one usable VG only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from '../../src/cli/main.ts';
import { BufferIo } from '../../src/ops/io.ts';
import { MemoryDisks } from '../../src/devices/memory.ts';
import type { DeviceOpener } from '../../src/devices/device.ts';
import { FaultOpener } from '../helpers/fault-opener.ts';
import { scanDevices, type Scan } from '../../src/metadata/scan.ts';

const SIZE = 16 * 1024 * 1024;
const PATHS = ['/dev/cut1', '/dev/cut2', '/dev/cut3'];

type Image = Map<string, Uint8Array>;
const image = (d: MemoryDisks): Image => new Map([...d.disks].map(([p, dev]) => [p, dev.read(0, SIZE).slice()]));
function restore(img: Image): MemoryDisks {
  const d = new MemoryDisks();
  for (const [p, bytes] of img) d.add(p, SIZE).write(0, bytes);
  return d;
}

function harness(t: { after: (f: () => void) => void }) {
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-split-cut-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  let now = 1_700_000_000;
  return async (opener: DeviceOpener, line: string) => {
    const io = new BufferIo('');
    const [cmd, ...args] = line.split(' ');
    const rc = await runCommand(cmd!, [...args, '--devices', PATHS.join(','), '--driverloaded', 'n'], {
      io,
      env: { ULVM_SYSTEM_DIR: join(dir, 'sys'), ULVM_RUN_DIR: join(dir, 'run'), TZ: 'UTC' },
      uid: 0,
      cwd: dir,
      opener,
      now: () => now++,
    });
    return { rc, out: io.stdout, err: io.stderr };
  };
}

const exported = (s: Scan, name: string) => s.get(name)!.vg.status.includes('EXPORTED');

/** Each LV (by name and segments) with the VG that has it, usable VGs and exported ones apart. */
function lvsOf(s: Scan, usable: boolean): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of s.all()) if (exported(s, f.vg.name) !== usable) for (const lv of f.vg.lvs) out.set(`${lv.name} ${JSON.stringify(lv.segments)}`, f.vg.name);
  return out;
}

/** No device is a PV of two usable VGs. */
function noSharedPvs(s: Scan, where: string): void {
  const owner = new Map<string, string>();
  for (const f of s.all()) {
    if (exported(s, f.vg.name)) continue;
    for (const d of f.pvDevices.values()) {
      assert.equal(owner.get(d.path), undefined, `${where}: ${d.path} is in ${owner.get(d.path)} and in ${f.vg.name}`);
      owner.set(d.path, f.vg.name);
    }
  }
}

interface Case {
  name: string;
  setup: string[];
  command: string;
  /** The VG vgimport is run on when a cut leaves it exported. */
  recover: string[];
}

const CASES: Case[] = [
  {
    name: 'vgsplit into a new VG',
    setup: [`pvcreate ${PATHS.join(' ')}`, `vgcreate va ${PATHS.join(' ')}`, `lvcreate -an -Zn -L 4m -n l1 va ${PATHS[0]}`, `lvcreate -an -Zn -L 8m -n l2 va ${PATHS[1]}`],
    command: `vgsplit va vb ${PATHS[1]}`,
    recover: ['vb'],
  },
  {
    name: 'vgsplit into an existing VG',
    setup: [`pvcreate ${PATHS.join(' ')}`, `vgcreate va ${PATHS[0]} ${PATHS[1]}`, `vgcreate vb ${PATHS[2]}`, `lvcreate -an -Zn -L 4m -n l1 va ${PATHS[0]}`, `lvcreate -an -Zn -L 8m -n l2 va ${PATHS[1]}`, 'lvcreate -an -Zn -L 4m -n l3 vb'],
    command: `vgsplit va vb ${PATHS[1]}`,
    recover: ['vb'],
  },
  {
    name: 'vgmerge',
    setup: [`pvcreate ${PATHS.join(' ')}`, `vgcreate va ${PATHS[0]}`, `vgcreate vb ${PATHS[1]} ${PATHS[2]}`, 'lvcreate -an -Zn -L 4m -n l1 va', `lvcreate -an -Zn -L 8m -n l2 vb ${PATHS[1]}`, `lvcreate -an -Zn -L 4m -n l3 vb ${PATHS[2]}`],
    command: 'vgmerge va vb',
    recover: ['vb'],
  },
];

for (const c of CASES)
  test(`${c.name}: a cut after any write loses no LV and puts no PV in two usable VGs`, async (t) => {
    const ulvm = harness(t);
    const base = new MemoryDisks();
    for (const p of PATHS) base.add(p, SIZE);
    for (const l of c.setup) assert.equal((await ulvm(base, l)).rc, 0, l);
    const before = image(base);
    const allLvs = [...lvsOf(scanDevices(base, PATHS), true).keys()].sort();
    const counter = new FaultOpener(restore(before));
    const ref = await ulvm(counter, c.command);
    assert.equal(ref.rc, 0, ref.err);
    const n = counter.writes;
    let exportedSeen = 0;
    for (let k = 0; k <= n; k++) {
      const where = `${c.name}, cut after ${k}/${n} writes`;
      const disks = restore(before);
      const r = await ulvm(new FaultOpener(disks, k), c.command);
      if (k === n) assert.equal(r.rc, 0, `${where}: ${r.err}`);
      const scan = scanDevices(disks, PATHS);
      assert.deepEqual(scan.problems, [], `${where}: problems`);
      noSharedPvs(scan, where);
      const usable = lvsOf(scan, true);
      const kept = lvsOf(scan, false);
      // Every LV is usable, or kept in an exported VG.
      for (const lv of allLvs) assert.ok(usable.has(lv) || kept.has(lv), `${where}: ${lv} lost`);
      if (kept.size === 0) continue;
      // An exported VG left behind: vgimport is the recovery, and then every LV is usable once.
      exportedSeen++;
      for (const vg of c.recover) if (scan.get(vg) && exported(scan, vg)) assert.equal((await ulvm(disks, `vgimport ${vg}`)).rc, 0, `${where}: vgimport ${vg}`);
      const after = scanDevices(disks, PATHS);
      noSharedPvs(after, `${where}, after vgimport`);
      const again = lvsOf(after, true);
      for (const lv of allLvs) assert.ok(again.has(lv), `${where}, after vgimport: ${lv} lost`);
    }
    assert.ok(exportedSeen > 0, 'some cut falls between the two VGs, leaving one exported');
  });
