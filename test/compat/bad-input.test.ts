// Damaged and incomplete VGs: ulvm prints what real lvm2 prints for the same devices (stdout,
// stderr, exit status), and neither tool writes to what it could not read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Lab, labSkipReason, ok, type Result } from '../helpers/lab.ts';

function fmt(r: Result): string {
  return `--- stdout\n${r.stdout}--- stderr\n${r.stderr}--- rc ${r.rc}\n`;
}

/** lvm2 must not consult its hint cache (it lives outside the lab) and sees only `visible`. */
function lvmConf(lab: Lab, visible: string[]): void {
  const accept = visible.map((l) => `"a|^${l}$|"`).join(', ');
  writeFileSync(join(lab.dir, 'etc-lvm', 'lvm.conf'), `devices {\n\tglobal_filter = [ ${accept}, "r|.*|" ]\n\thints = "none"\n}\n`);
}

function readDev(path: string, offset: number, length: number): Buffer {
  const b = readFileSync(path);
  return b.subarray(offset, offset + length);
}

async function both(lab: Lab, cmd: string, args: string[], devices: string[]): Promise<[string, string]> {
  const l = lab.lvm(cmd, args);
  const io = await lab.ulvm(cmd, args, '', undefined, devices);
  return [fmt(io), fmt(l)];
}

const REPORTS: [string, string[]][] = [
  ['pvs', []],
  ['vgs', []],
  ['lvs', ['--driverloaded', 'n']],
  ['vgs', ['--reportformat', 'json', '-o', 'vg_name,vg_attr,pv_count,vg_missing_pv_count,vg_size,vg_free']],
  ['pvs', ['-o', 'pv_name,vg_name,pv_attr,pv_size,pv_free,pv_mda_count']],
];

test('bad input: lvm2 and ulvm agree, and nothing unreadable is written', async (t) => {
  const skip = labSkipReason();
  if (skip) return t.skip(skip);
  const lab = Lab.create(t, 2, 32);
  const [a, b] = lab.loops as [string, string];
  lvmConf(lab, [a, b]);
  // lab.ulvm appends --devices for both loops; commands below that must see fewer pass their own.
  ok(lab.lvm('pvcreate', [a, b]), 'pvcreate');
  ok(lab.lvm('vgcreate', ['vgbad', a, b]), 'vgcreate');
  ok(lab.lvm('lvcreate', ['--driverloaded', 'n', '-an', '-Zn', '-l', '10', '-n', 'span', 'vgbad']), 'lvcreate');

  await t.test('a metadata area header with a bad checksum', async () => {
    const hdr = readDev(b, 4096, 512);
    const bad = Buffer.from(hdr);
    bad[200] ^= 0xff;
    lab.writeDevice(1, 4096, bad);
    try {
      for (const [cmd, args] of REPORTS) {
        const [u, l] = await both(lab, cmd, args, [a, b]);
        assert.equal(u, l, `${cmd} ${args.join(' ')}`);
      }
      const io = await lab.ulvm('lvcreate', ['-an', '-l', '1', '-n', 'more', 'vgbad']);
      assert.equal(io.rc, 0, io.stderr);
      assert.deepEqual(readDev(b, 4096, 512), bad, 'the damaged header was left as it was');
    } finally {
      lab.writeDevice(1, 4096, hdr);
    }
    // Both tools then see the stale copy on b and say so the same way.
    const [u, l] = await both(lab, 'vgs', [], [a, b]);
    assert.equal(u, l);
    ok(await lab.ulvm('vgck', ['--updatemetadata', 'vgbad']), 'vgck --updatemetadata');
    const clean = lab.lvm('vgck', ['vgbad']);
    assert.equal(clean.rc, 0);
    assert.equal(clean.stderr, '', 'lvm2 finds the repaired VG consistent');
  });

  await t.test('a missing PV (device gone)', async () => {
    lvmConf(lab, [a]);
    try {
      for (const [cmd, args] of REPORTS) {
        const l = lab.lvm(cmd, args);
        const io = await lab.ulvm(cmd, args, '', undefined, [a]);
        assert.equal(fmt(io), fmt(l), `${cmd} ${args.join(' ')}`);
      }
      const before = readDev(a, 0, 1024 * 1024);
      const l = lab.lvm('lvcreate', ['--driverloaded', 'n', '-an', '-Zn', '-l', '1', 'vgbad']);
      const io = await lab.ulvm('lvcreate', ['--driverloaded', 'n', '-an', '-Zn', '-l', '1', 'vgbad'], '', undefined, [a]);
      assert.equal(fmt(io), fmt(l), 'lvcreate is refused the same way');
      assert.equal(io.rc, 5);
      assert.deepEqual(readDev(a, 0, 1024 * 1024), before, 'nothing was written');
    } finally {
      lvmConf(lab, [a, b]);
    }
  });

  await t.test('a PV label with a bad checksum', async () => {
    const sec = readDev(b, 512, 512);
    const bad = Buffer.from(sec);
    bad[100] ^= 0x55;
    lab.writeDevice(1, 512, bad);
    try {
      for (const [cmd, args] of REPORTS) {
        const [u, l] = await both(lab, cmd, args, [a, b]);
        assert.equal(u, l, `${cmd} ${args.join(' ')}`);
      }
    } finally {
      lab.writeDevice(1, 512, sec);
    }
  });
});
