// Snapshot autoextend (the daemon's dmeventd-style watch): a COW over the threshold grows by the
// configured percentage through lvextend, keeps its exceptions, and then takes writes that would
// have overflowed it; lvm2's policy rules (100 = off, below 50 counts as 50).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { engineSession } from '../helpers/engine-session.ts';
import { autoextendSnapshots, snapshotAutoextendPolicy } from '../../src/daemon/autoextend.ts';
import { Config } from '../../src/metadata/config.ts';
import { parseConfig } from '../../src/formats/config-text.ts';

const MiB = 1024 * 1024;
const policyOf = (text: string) => snapshotAutoextendPolicy(new Config([parseConfig(text)]));

test('policy from lvm.conf: default off, floor of 50', () => {
  assert.deepEqual(policyOf(''), { threshold: 100, percent: 20 });
  assert.deepEqual(policyOf('activation { snapshot_autoextend_threshold = 40 snapshot_autoextend_percent = 50 }'), { threshold: 50, percent: 50 });
  assert.deepEqual(policyOf('activation { snapshot_autoextend_threshold = 70 }'), { threshold: 70, percent: 20 });
});

test('a snapshot over the threshold is extended and then survives what would have overflowed it', async () => {
  const { s, engine, ok } = await engineSession(['/dev/sda1', '/dev/sda2', '/dev/sda3']);
  try {
    await ok('lvcreate -s -L 4M -n snap vg/lvol0');
    const origin = engine.device('vg', 'lvol0')!;
    const run = async (vg: string, lv: string, percent: number) => {
      const r = (await s.run(`lvextend -l +${percent}%LV ${vg}/${lv}`))!;
      return { rc: r.rc, messages: (r.stdout + r.stderr).split('\n') };
    };
    const log: string[] = [];
    const policy = { threshold: 60, percent: 100 };
    await origin.write(0, new Uint8Array(2 * MiB).fill(1));
    assert.deepEqual(await autoextendSnapshots(engine, policy, run, (m) => log.push(m)), [], 'about 51%: below the threshold');
    await origin.write(2 * MiB, new Uint8Array(MiB / 2).fill(1));
    assert.deepEqual(await autoextendSnapshots(engine, policy, run, (m) => log.push(m)), ['vg/snap']);
    assert.deepEqual(log, ['Size of logical volume vg/snap changed from 4.00 MiB (1 extents) to 8.00 MiB (2 extents).', 'Logical volume vg/snap successfully resized.']);
    // 6 MiB of changes in all: more than the 4 MiB COW could ever hold.
    await origin.write(3 * MiB, new Uint8Array(3 * MiB).fill(1));
    assert.match(await ok('lvs --noheadings -o lv_name,lv_size,lv_attr vg/snap'), /snap +8\.00m swi-a-s---/);
    const snap = engine.device('vg', 'snap')!;
    assert.ok((await snap.read(0, 6 * MiB)).every((b) => b === 0), 'the snapshot still shows the origin as it was');
    assert.deepEqual(await autoextendSnapshots(engine, { threshold: 100, percent: 20 }, run, () => undefined), [], 'threshold 100 is off');
  } finally {
    s.close();
  }
});
