// A pool ulvm made, used and took down is what the kernel's tools and lvm2 expect: thin_check
// finds its metadata clean, thin_dump shows the devices and mappings the writes made, lvm2 reads
// the VG (pool, hidden parts, spare, thin LVs, snapshot) from the same disks, and ulvm reads the
// data back after activating the pool again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { GoldenSession } from '../golden/harness.ts';
import { ActivationEngine } from '../../src/activation/engine.ts';
import { lvImage } from '../helpers/thin-meta.ts';
import { labSkipReason } from '../helpers/lab.ts';

const DEVICES = ['/dev/sda1', '/dev/sda2'];
const MiB = 1024 * 1024;
const have = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const toolsSkip = have('thin_check') && have('thin_dump') ? undefined : 'thin-provisioning-tools (thin_check, thin_dump) are not installed';

async function run(s: GoldenSession, line: string): Promise<string> {
  const r = await s.run(line);
  assert.ok(r, line);
  assert.equal(r.rc, 0, `${line}: ${r.stderr}`);
  assert.doesNotMatch(r.stderr, /Internal error|\n\s+at /);
  return r.stdout;
}

const digest = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

test('a pool ulvm used passes thin_check, dumps as written, reads back, and lvm2 reads its VG', { skip: toolsSkip, timeout: 120_000 }, async (t) => {
  const s = new GoldenSession(DEVICES, 64 * MiB);
  let engine = new ActivationEngine(s.disks);
  s.activator = engine;
  await run(s, `pvcreate ${DEVICES.join(' ')}`);
  await run(s, `vgcreate vgt ${DEVICES.join(' ')}`);
  await run(s, 'lvcreate -T -L 32M vgt/pool');
  await run(s, 'lvcreate -V 48M -T vgt/pool -n t1');
  const t1 = engine.device('vgt', 't1')!;
  const block = 64 * 1024;
  const written = new Map<number, string>();
  // Scattered whole and partial blocks (partial ones exercise zeroing of new blocks).
  for (const b of [0, 1, 7, 100, 300, 767]) {
    const data = randomBytes(b % 2 ? block : 4096);
    await t1.write(b * block, data);
    written.set(b, digest(data));
  }
  await t1.flush();
  await run(s, 'lvcreate -s -n s1 vgt/t1');
  await run(s, 'lvchange -ay -K vgt/s1');
  const s1 = engine.device('vgt', 's1')!;
  const before = await s1.read(block, block);
  // Diverge: the origin's block 1 changes, the snapshot keeps the old one; block 2 only in the snapshot.
  const fresh = randomBytes(block);
  await t1.write(block, fresh);
  await s1.write(2 * block, randomBytes(block));
  await t1.flush();
  await s1.flush();
  assert.equal(digest(await s1.read(block, block)), digest(before), 'the snapshot kept its block');
  const lvs = await run(s, 'lvs -a -o lv_name,lv_attr,pool_lv,origin,data_percent,thin_id vgt');
  t.diagnostic(lvs);
  await run(s, 'vgchange -an vgt');

  const bytes = lvImage(s.disks, DEVICES, 'vgt', 'pool_tmeta');
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-thin-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const meta = join(dir, 'tmeta');
  writeFileSync(meta, bytes);

  await t.test('thin_check is clean', () => {
    const r = spawnSync('thin_check', [meta], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  await t.test('thin_dump shows both devices and their mappings', () => {
    const r = spawnSync('thin_dump', [meta], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /transaction="2"/);
    const mapped = (id: number) => Number(new RegExp(`<device dev_id="${id}" mapped_blocks="(\\d+)"`).exec(r.stdout)?.[1]);
    // t1: its six blocks (block 1 now its own copy); s1: the six shared ones plus block 2.
    assert.equal(mapped(1), 6);
    assert.equal(mapped(2), 7);
  });

  await t.test('ulvm reads the data back after activating the pool again', async () => {
    engine = new ActivationEngine(s.disks);
    s.activator = engine;
    await run(s, 'vgchange -ay vgt');
    const dev = engine.device('vgt', 't1')!;
    for (const [b, h] of written) {
      if (b === 1) continue;
      const got = await dev.read(b * block, b % 2 ? block : 4096);
      assert.equal(digest(got), h, `block ${b}`);
    }
    assert.equal(digest(await dev.read(block, block)), digest(fresh));
    // Unwritten blocks read as zeros.
    assert.ok((await dev.read(50 * block, block)).every((x) => x === 0));
    await run(s, 'vgchange -an vgt');
  });

  await t.test('lvm2 reads the VG', { skip: labSkipReason() }, () => {
    const files = DEVICES.map((d, i) => {
      const p = join(dir, `pv${i}.img`);
      const dev = s.disks.open(d);
      writeFileSync(p, dev.read(0, dev.size));
      return p;
    });
    const loops: string[] = [];
    t.after(() => {
      for (const l of loops) spawnSync('losetup', ['-d', l]);
    });
    for (const file of files) {
      const r = spawnSync('losetup', ['-f', '--show', file], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      loops.push(r.stdout.trim());
    }
    const sys = join(dir, 'lvm');
    spawnSync('mkdir', ['-p', sys]);
    writeFileSync(join(sys, 'lvm.conf'), `devices { use_devicesfile = 0 filter = [ ${loops.map((l) => `"a|^${l}$|"`).join(', ')}, "r|.*|" ] }\nbackup { backup = 0 archive = 0 }\n`);
    const env = { ...process.env, LVM_SYSTEM_DIR: sys, LVM_SUPPRESS_FD_WARNINGS: '1' };
    const r = spawnSync('lvs', ['--driverloaded', 'n', '-a', '--noheadings', '--separator', ':', '-o', 'lv_name,segtype,pool_lv,origin,lv_size,thin_id', '--units', 'm', 'vgt'], { encoding: 'utf8', env });
    assert.equal(r.status, 0, r.stderr);
    const rows = r.stdout.split('\n').map((l) => l.trim()).filter(Boolean).sort();
    assert.deepEqual(rows, [
      '[lvol0_pmspare]:linear:::4.00m:',
      '[pool_tdata]:linear:::32.00m:',
      '[pool_tmeta]:linear:::4.00m:',
      'pool:thin-pool:::32.00m:',
      's1:thin:pool:t1:48.00m:2',
      't1:thin:pool::48.00m:1',
    ]);
    const ck = spawnSync('vgck', ['--driverloaded', 'n', 'vgt'], { encoding: 'utf8', env });
    assert.equal(ck.status, 0, ck.stderr);
  });
});
