// vgimportclone against real lvm2 on loop devices: a VG's device copied block for block onto
// another (an image builder's clone) gets new PV and VG uuids and the next free name, both VGs
// are usable after it, and lvm2's refusals (devices of two VGs, a device that is no PV, a PV of
// the VG left out, an exported VG without --import) read the same.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';
import { Lab, labSkipReason, type Result } from '../helpers/lab.ts';

const skip = labSkipReason();
const D = ['--driverloaded', 'n'];

/** Copies loop device `from` onto `to` whole, as `dd` would. */
function cloneDevice(from: string, to: string, bytes: number): void {
  const a = openSync(from, 'r');
  const b = openSync(to, 'r+');
  const buf = Buffer.alloc(1024 * 1024);
  try {
    for (let at = 0; at < bytes; at += buf.length) {
      const n = readSync(a, buf, 0, buf.length, at);
      writeSync(b, buf, 0, n, at);
    }
    fsyncSync(b);
  } finally {
    closeSync(a);
    closeSync(b);
  }
}

async function session(t: TestContext, who: 'lvm2' | 'ulvm'): Promise<string> {
  const lab = Lab.create(t, 4, 16);
  const [A, B, C, E] = lab.loops as [string, string, string, string];
  const name = (s: string) => s.replace(/\/dev\/loop\d+/g, (m) => 'ABCE'[lab.loops.indexOf(m)] ?? m).replace(/[0-9a-zA-Z]{6}(-[0-9a-zA-Z]{4}){5}-[0-9a-zA-Z]{6}/g, '<uuid>').replace(/.*WARNING: Activation disabled.*\n/g, '');
  const run = async (cmd: string, ...args: string[]): Promise<string> => {
    const r: Result = who === 'lvm2' ? lab.lvm(cmd, [...D, ...args]) : await lab.ulvm(cmd, [...D, ...args]);
    assert.doesNotMatch(r.stderr, /Internal error|\n\s+at /);
    return `$ ${cmd} ${name(args.join(' '))} [rc ${r.rc}]\n${name(r.stdout)}--- stderr\n${name(r.stderr).split('\n').filter((l) => !/WARNING: (Not using device|PV .* prefers device)/.test(l)).join('\n')}\n`;
  };
  let out = '';
  out += await run('pvcreate', A, E);
  out += await run('vgcreate', 'vgc', A);
  out += await run('lvcreate', '-an', '-Zn', '-L', '4M', '-n', 'l1', 'vgc');
  out += await run('vgcreate', 'other', E);
  cloneDevice(A, B, 16 * 1024 * 1024);
  cloneDevice(A, C, 16 * 1024 * 1024);
  out += await run('vgimportclone', B);
  out += await run('vgs', '-o', 'vg_name,pv_count,lv_count', '--noheadings');
  out += await run('lvs', '-o', 'vg_name,lv_name,lv_size', '--noheadings');
  // Loop device names differ in length and order between the two labs: one row per PV, sorted.
  out += (await run('pvs', '-o', 'pv_name,vg_name', '--noheadings', '--separator', ':')).split('\n').sort().join('\n');
  out += await run('vgimportclone', '--basevgname', 'copy', C);
  out += await run('vgs', '-o', 'vg_name', '--noheadings');
  out += await run('vgimportclone', A, B);
  out += await run('vgimportclone', '/dev/nosuchdevice');
  out += await run('vgimportclone', E);
  out += await run('vgexport', 'copy');
  out += await run('vgimportclone', C);
  out += await run('vgimportclone', '--import', C);
  out += await run('vgs', '-o', 'vg_name,vg_attr', '--noheadings');
  out += await run('vgck', 'vgc1');
  return out;
}

test('vgimportclone: new uuids and name for a cloned VG, and its refusals, as lvm2', { skip, timeout: 120_000 }, async (t) => {
  const lvm2 = await session(t, 'lvm2');
  const ulvm = await session(t, "ulvm");
  assert.equal(ulvm, lvm2);
});
