// dmeventd's thin pool plugin as the daemon runs it: with activation/thin_pool_autoextend_threshold
// 70 and _percent 20, a pool filled past 70% grows by the policy's amount (lvextend --usepolicies),
// the "data is now N% full" warning appears above 80%, and nothing happens with the default
// threshold of 100 but the warning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session, MemoryDisks } from '../../src/index.ts';
import { ThinPoolWatch } from '../../src/daemon/thin-watch.ts';
import { adjustAmount } from '../../src/ops/extend-by-policy.ts';
import { UlvmError } from '../../src/errors.ts';
import type { ActivationEngine } from '../../src/activation/engine.ts';

const MiB = 1024 * 1024;

test("lvm2's policy amount: at least the percent, else enough to get back under the threshold", () => {
  assert.equal(adjustAmount(40, 70, 20), 0, 'not above 50%');
  assert.equal(adjustAmount(65, 70, 20), 0, 'under the threshold');
  assert.equal(adjustAmount(75, 70, 20), 20);
  // 100% full at 70%: 100/70 = 1.43 → +43%.
  assert.equal(adjustAmount(100, 70, 20), 43);
});

async function setup(t: { after: (fn: () => unknown) => void }, config: string[]) {
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-thin-watch-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const disks = new MemoryDisks();
  disks.add('/dev/mema', 64 * MiB);
  const s = new Session({ dir, devices: ['/dev/mema'], opener: disks, activation: 'in-process', config });
  t.after(() => s.close());
  await s.vgcreate({ name: 'vg', pvs: ['/dev/mema'] });
  await s.createThinPool({ vg: 'vg', name: 'pool', size: '8m' });
  await s.createThin({ vg: 'vg', pool: 'pool', name: 't', virtualSize: 32 * MiB });
  const engine = (s as unknown as { engine: ActivationEngine }).engine;
  const log: string[] = [];
  const watch = new ThinPoolWatch(
    engine,
    async (vg, pool) => {
      try {
        await s.extendByPolicy(vg, pool);
        return { rc: 0, messages: [] };
      } catch (e) {
        return { rc: (e as UlvmError).rc ?? 5, messages: (e as UlvmError).lines ?? [] };
      }
    },
    (m) => log.push(m),
  );
  const h = await s.open('vg/t');
  t.after(() => h.close());
  return { s, watch, log, h };
}

test('the daemon grows a pool past its threshold and warns above 80%', async (t) => {
  const { s, watch, log, h } = await setup(t, ['activation/thin_pool_autoextend_threshold=70', 'activation/thin_pool_autoextend_percent=20']);
  await h.write(0, new Uint8Array(7 * MiB).fill(1));
  await h.flush();
  await watch.round();
  assert.deepEqual(log, ['WARNING: Thin pool vg-pool-tpool data is now 87.50% full.']);
  const pool = (await s.listLvs('vg')).find((l) => l.name === 'pool')!;
  // 87.5% at a 70% threshold: 87.5/70 → +25%, over the 20% policy: 8 MiB + 25% → 12 MiB (3 extents).
  assert.equal(pool.size, 12 * MiB);
  assert.ok(pool.dataPercent! < 70, `${pool.dataPercent}`);
  // Below the next step nothing more happens.
  await watch.round();
  assert.equal(log.length, 1);
  assert.equal((await s.listLvs('vg')).find((l) => l.name === 'pool')!.size, 12 * MiB);
});

test('with the default threshold (100) the pool only warns', async (t) => {
  const { s, watch, log, h } = await setup(t, []);
  await h.write(0, new Uint8Array(7 * MiB).fill(1));
  await h.flush();
  await watch.round();
  await watch.round();
  assert.deepEqual(log, ['WARNING: Thin pool vg-pool-tpool data is now 87.50% full.']);
  assert.equal((await s.listLvs('vg')).find((l) => l.name === 'pool')!.size, 8 * MiB);
});
