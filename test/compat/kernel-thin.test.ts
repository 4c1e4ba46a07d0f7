// Thin pools both ways between ulvm and the real kernel (lvm2 + dm-thin in a libguestfs
// appliance), in one boot: (a) a pool ulvm made, with a thin LV and a diverged thin snapshot,
// activates in the kernel with the same bytes and Data%; (b) a pool the kernel made, with a thin
// LV written before and after a thin snapshot, is read by ulvm as the kernel left it, and ulvm
// keeps using it (thin_check clean after ulvm's writes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sparseFile } from '../helpers/files.ts';
import { runCommand } from '../../src/cli/main.ts';
import { BufferIo } from '../../src/ops/io.ts';
import { fileOpener } from '../../src/devices/file.ts';
import { ActivationEngine } from '../../src/activation/engine.ts';
import { assertThinCheckClean, haveThinCheck, lvImage } from '../helpers/thin-meta.ts';
import { applianceSh, guestfish, haveGuestfish } from '../helpers/guestfish.ts';

const MiB = 1024 * 1024;
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

test('thin pools between ulvm and the kernel: each activates, reads and keeps using what the other wrote', { timeout: 600_000 }, async (t) => {
  if (!haveGuestfish()) return t.skip('guestfish (libguestfs-tools) is not installed');
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-kthin-'));
  let engine = new ActivationEngine(fileOpener);
  t.after(async () => {
    await engine.closeAll();
    rmSync(dir, { recursive: true, force: true });
  });
  const du = join(dir, 'du.img');
  const dk = join(dir, 'dk.img');
  sparseFile(du, 96 * MiB);
  sparseFile(dk, 96 * MiB);
  const env = { ULVM_SYSTEM_DIR: join(dir, 'sys'), ULVM_RUN_DIR: join(dir, 'run'), TZ: 'UTC' };
  const ulvm = async (disk: string, cmd: string, ...args: string[]) => {
    const io = new BufferIo();
    const rc = await runCommand(cmd, [...args, '--devices', disk], { io, env, uid: 0, cwd: dir, opener: fileOpener, activator: engine });
    assert.equal(rc, 0, `${cmd} ${args.join(' ')}: ${io.stderr}`);
    return io.stdout;
  };

  // (a) ulvm's pool.
  await ulvm(du, 'pvcreate', du);
  await ulvm(du, 'vgcreate', 'vgu', du);
  await ulvm(du, 'lvcreate', '-T', '-L', '32M', 'vgu/pool');
  await ulvm(du, 'lvcreate', '-V', '48M', '-T', 'vgu/pool', '-n', 't1');
  const t1 = engine.device('vgu', 't1')!;
  for (const [at, len] of [[0, 4096], [64 * 1024, 3 * 64 * 1024], [10 * MiB + 512, 70_000], [47 * MiB, MiB]] as const) await t1.write(at, randomBytes(len));
  await t1.flush();
  await ulvm(du, 'lvcreate', '-s', '-n', 's1', 'vgu/t1');
  await ulvm(du, 'lvchange', '-ay', '-K', 'vgu/s1');
  const s1 = engine.device('vgu', 's1')!;
  await t1.write(64 * 1024, randomBytes(64 * 1024));
  await s1.write(20 * MiB, randomBytes(128 * 1024));
  await t1.flush();
  await s1.flush();
  const uT1 = sha(await t1.read(0, t1.size));
  const uS1 = sha(await s1.read(0, s1.size));
  const uLvs = (await ulvm(du, 'lvs', '--noheadings', '-o', 'lv_name,lv_attr,data_percent', 'vgu')).trim().split('\n').map((l) => l.trim().split(/\s+/).join(' ')).sort();
  await ulvm(du, 'vgchange', '-an', 'vgu');

  const k = guestfish([
    `add-drive-opts ${du} format:raw readonly:true`,
    `add-drive-opts ${dk} format:raw`,
    'run',
    applianceSh(
      [
        'lvm vgchange -ay vgu >/dev/null 2>&1',
        'lvm lvchange -ay -K vgu/s1 >/dev/null 2>&1',
        'echo "a:t1:$(sha256sum /dev/vgu/t1 | cut -d" " -f1)"',
        'echo "a:s1:$(sha256sum /dev/vgu/s1 | cut -d" " -f1)"',
        'lvm lvs --noheadings -o lv_name,lv_attr,data_percent vgu 2>/dev/null | sed -e "s/^/a:lvs:/"',
        'lvm vgchange -an vgu >/dev/null 2>&1',
        // (b) the kernel's pool on the second disk.
        'lvm pvcreate -y /dev/sdb >/dev/null 2>&1',
        'lvm vgcreate vgk /dev/sdb >/dev/null 2>&1',
        'lvm lvcreate -T -L 24M vgk/pool >/dev/null 2>&1',
        'lvm lvcreate -V 40M -T vgk/pool -n t >/dev/null 2>&1',
        'dd if=/dev/urandom of=/dev/vgk/t bs=64k seek=3 count=40 oflag=direct 2>/dev/null',
        'dd if=/dev/urandom of=/dev/vgk/t bs=4k seek=9000 count=3 oflag=direct 2>/dev/null',
        'lvm lvcreate -s -n s vgk/t >/dev/null 2>&1',
        'dd if=/dev/urandom of=/dev/vgk/t bs=64k seek=5 count=2 oflag=direct 2>/dev/null',
        'lvm lvchange -ay -K vgk/s >/dev/null 2>&1',
        'echo "b:t:$(sha256sum /dev/vgk/t | cut -d" " -f1)"',
        'echo "b:s:$(sha256sum /dev/vgk/s | cut -d" " -f1)"',
        'lvm lvs --noheadings -o lv_name,lv_attr,data_percent vgk 2>/dev/null | sed -e "s/^/b:lvs:/"',
        'lvm vgchange -an vgk >/dev/null 2>&1',
        'echo "b:done:$?"',
      ].join('\n'),
    ),
  ]);
  const get = (p: string) => k.filter((l) => l.startsWith(p)).map((l) => l.slice(p.length).trim().split(/\s+/).join(' '));

  await t.test('the kernel reads ulvm’s thin LV and snapshot as ulvm wrote them, with the same Data%', () => {
    assert.deepEqual(get('a:t1:'), [uT1], k.join('\n'));
    assert.deepEqual(get('a:s1:'), [uS1]);
    // The snapshot was activated by the kernel too, hence -a- for both.
    assert.deepEqual(get('a:lvs:').sort(), uLvs);
  });

  await t.test('ulvm reads the kernel’s pool, thin LV and snapshot, and keeps using them', async () => {
    assert.deepEqual(get('b:done:'), ['0'], k.join('\n'));
    engine = new ActivationEngine(fileOpener);
    await ulvm(dk, 'vgchange', '-ay', 'vgk');
    await ulvm(dk, 'lvchange', '-ay', '-K', 'vgk/s');
    const tt = engine.device('vgk', 't')!;
    const ss = engine.device('vgk', 's')!;
    assert.equal(sha(await tt.read(0, tt.size)), get('b:t:')[0]);
    assert.equal(sha(await ss.read(0, ss.size)), get('b:s:')[0]);
    const kLvs = get('b:lvs:').sort();
    const ours = (await ulvm(dk, 'lvs', '--noheadings', '-o', 'lv_name,lv_attr,data_percent', 'vgk')).trim().split('\n').map((l) => l.trim().split(/\s+/).join(' ')).sort();
    assert.deepEqual(ours, kLvs);
    // ulvm goes on writing (breaking sharing with the kernel's snapshot) and the metadata stays clean.
    const fresh = randomBytes(64 * 1024);
    await tt.write(3 * 64 * 1024, fresh);
    await tt.flush();
    assert.equal(sha(await tt.read(3 * 64 * 1024, 64 * 1024)), sha(fresh));
    assert.equal(sha(await ss.read(0, ss.size)), get('b:s:')[0], 'the snapshot is untouched');
    await ulvm(dk, 'vgchange', '-an', 'vgk');
    if (haveThinCheck()) assertThinCheckClean(lvImage(fileOpener, [dk], 'vgk', 'pool_tmeta'), "the kernel's pool after ulvm's writes");
  });
});
