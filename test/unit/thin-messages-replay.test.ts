// A crash between lvm2's two commits of a thin LV's creation leaves the VG metadata with a queued
// create message and the pool's transaction id one ahead of the kernel's: the next activation of
// the pool sends what the kernel lacks (create_thin, then set_transaction_id), and the thin LV
// works. The same metadata with the kernel already in step sends nothing; one two ahead is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GoldenSession } from '../golden/harness.ts';
import { ActivationEngine } from '../../src/activation/engine.ts';
import { parseThinPoolStatus } from '../../src/segtypes/thin-status.ts';

const DEV = '/dev/sda1';

async function run(s: GoldenSession, line: string, rc = 0): Promise<{ stdout: string; stderr: string }> {
  const r = await s.run(line);
  assert.ok(r);
  assert.equal(r.rc, rc, `${line}: ${r.stderr}`);
  return r;
}

/** The VG text with a thin LV t2 whose create message was queued but not sent (transaction id `tid`). */
function withQueuedCreate(text: string, tid: number): string {
  const t2 = `\n\t\tt2 {\n\t\t\tid = "aaaaaa-bbbb-cccc-dddd-eeee-ffff-gggggg"\n\t\t\tstatus = ["READ", "WRITE", "VISIBLE"]\n\t\t\tflags = []\n\t\t\tsegment_count = 1\n\n\t\t\tsegment1 {\n\t\t\t\tstart_extent = 0\n\t\t\t\textent_count = 2\n\n\t\t\t\ttype = "thin"\n\t\t\t\tthin_pool = "pool"\n\t\t\t\ttransaction_id = 1\n\t\t\t\tdevice_id = 2\n\t\t\t}\n\t\t}\n`;
  const out = text
    .replace(/(\tlogical_volumes \{\n)/, `$1${t2}`)
    .replace(/(type = "thin-pool"[\s\S]*?transaction_id = )1/, `$1${tid}`)
    .replace(/(zero_new_blocks = 1\n)/, '$1\n\t\t\t\tmessage1 {\n\t\t\t\t\tcreate = "t2"\n\t\t\t\t}\n');
  assert.notEqual(out, text);
  return out;
}

async function setup(t: { after: (f: () => unknown) => void }) {
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-thin-replay-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const s = new GoldenSession([DEV], 64 * 1024 * 1024);
  const engine = new ActivationEngine(s.disks);
  s.activator = engine;
  t.after(() => engine.closeAll());
  await run(s, `pvcreate ${DEV}`);
  await run(s, `vgcreate vg ${DEV}`);
  await run(s, 'lvcreate -T -L 16M vg/pool');
  await run(s, 'lvcreate -V 8M -T vg/pool -n t1');
  await run(s, 'vgchange -an vg');
  const file = join(dir, 'vg.txt');
  await run(s, `vgcfgbackup -f ${file} vg`);
  return { s, engine, file };
}

test('a queued create message is sent when the pool comes up again', async (t) => {
  const { s, engine, file } = await setup(t);
  writeFileSync(file, withQueuedCreate(readFileSync(file, 'utf8'), 2));
  await run(s, `vgcfgrestore --force -f ${file} vg`);
  await run(s, 'vgchange -ay vg');
  const pool = (await engine.status()).find((a) => a.lvName === 'pool')!;
  assert.equal(parseThinPoolStatus(pool.thinPoolStatus!)!.transactionId, 2, 'the kernel took the batch');
  const t2 = engine.device('vg', 't2');
  assert.ok(t2, 't2 is active');
  await t2.write(0, new Uint8Array(4096).fill(5));
  assert.equal((await t2.read(0, 4096))[0], 5);
  const lvs = await run(s, 'lvs --noheadings -o lv_name,lv_attr,thin_id vg');
  assert.match(lvs.stdout, /t2\s+Vwi-a-tz--\s+2/);
  // Removing t2 goes through the pool as usual (delete 2, transaction id 3).
  await run(s, 'lvremove -f vg/t2');
  assert.equal(parseThinPoolStatus((await engine.status()).find((a) => a.lvName === 'pool')!.thinPoolStatus!)!.transactionId, 3);
});

test('a pool two transactions ahead of the kernel is refused, nothing sent', async (t) => {
  const { s, engine, file } = await setup(t);
  writeFileSync(file, withQueuedCreate(readFileSync(file, 'utf8'), 3));
  await run(s, `vgcfgrestore --force -f ${file} vg`);
  const r = await run(s, 'lvchange -ay vg/pool', 5);
  assert.match(r.stderr, /Thin pool vg-pool-tpool transaction_id is 1, while expected 3\./);
  assert.equal(engine.device('vg', 't2'), undefined);
});
