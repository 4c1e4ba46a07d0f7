// `dmsetup targets` lists the targets ulvm's mapper implements as dmsetup prints the kernel's
// ("%-16s v%d.%d.%d"): lvm2's scripts (aux have_thin …) look for them there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GoldenSession } from '../golden/harness.ts';

test('dmsetup targets lists thin-pool, thin and the snapshot targets', async () => {
  const s = new GoldenSession(['/dev/sda1']);
  const r = await s.run('dmsetup targets');
  assert.ok(r);
  assert.equal(r.rc, 0);
  const lines = r.stdout.trimEnd().split('\n');
  for (const l of lines) assert.match(l, /^[a-z-]+ {1,16}v\d+\.\d+\.\d+$/);
  const names = lines.map((l) => l.split(/\s+/)[0]);
  for (const t of ['thin-pool', 'thin', 'snapshot', 'snapshot-origin', 'snapshot-merge', 'linear', 'striped', 'zero', 'error']) assert.ok(names.includes(t), t);
  assert.equal(lines.find((l) => l.startsWith('thin-pool'))!, 'thin-pool        v1.23.0');
});
