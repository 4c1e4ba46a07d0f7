// ulvm's NBD server exporting LVs (linear across two PVs, striped) to the real clients: nbdinfo,
// nbdcopy, qemu-img, qemu-io; data written through NBD lands at the physical extents ulvm's
// metadata names, and a misbehaving client does not disturb the others.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { sparseFile } from '../helpers/files.ts';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runCommand } from '../../src/cli/main.ts';
import { BufferIo } from '../../src/ops/io.ts';
import { fileOpener } from '../../src/devices/file.ts';
import { scanDevices } from '../../src/metadata/scan.ts';
import { mapLvRange } from '../../src/mapper/extent-map.ts';
import { openLv } from '../../src/mapper/open-lv.ts';
import { NbdServer } from '../../src/nbd/server.ts';

const run = promisify(execFile);
const have = (c: string) => spawnSync('sh', ['-c', `command -v ${c}`]).status === 0;
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

test('real NBD clients read and write ulvm LVs', async (t) => {
  const missing = ['nbdinfo', 'nbdcopy', 'qemu-img', 'qemu-io'].filter((c) => !have(c));
  if (missing.length) return t.skip(`not installed: ${missing.join(', ')} (Debian: libnbd-bin, qemu-utils)`);
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-nbd-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const disks = [join(dir, 'd1.img'), join(dir, 'd2.img')];
  for (const d of disks) sparseFile(d, 64 * 1024 * 1024);
  const env = { ULVM_SYSTEM_DIR: join(dir, 'sys'), ULVM_RUN_DIR: join(dir, 'run') };
  for (const args of [['pvcreate', ...disks], ['vgcreate', 'vgn', ...disks], ['lvcreate', '-i', '2', '-I', '64k', '-l', '4', '-n', 'str', 'vgn'], ['lvcreate', '-l', '20', '-n', 'lin', 'vgn']]) {
    const io = new BufferIo();
    assert.equal(await runCommand(args[0]!, [...args.slice(1), '--devices', disks.join(',')], { io, env, uid: 0, cwd: dir, opener: fileOpener }), 0, io.stderr);
  }
  const found = scanDevices(fileOpener, disks).get('vgn')!;
  const lin = await openLv(found, 'lin');
  const str = await openLv(found, 'str');
  const server = new NbdServer();
  server.add({ name: 'vgn/lin', description: 'ulvm LV vgn/lin', target: lin.device, readOnly: false });
  server.add({ name: 'vgn/str', target: str.device, readOnly: false });
  server.add({ name: 'vgn/str-ro', target: str.device, readOnly: true });
  const sock = join(dir, 'nbd.sock');
  await server.listen({ path: sock });
  t.after(async () => {
    await server.close();
    await lin.close();
    await str.close();
  });
  const uri = (name: string) => `nbd+unix:///${name}?socket=${sock}`;

  await t.test('nbdinfo --list and the size of each export', async () => {
    const { stdout } = await run('nbdinfo', ['--list', '--json', uri('')]);
    const names = (JSON.parse(stdout) as { exports: { 'export-name': string; 'export-size': number }[] }).exports.map((e) => [e['export-name'], e['export-size']]);
    assert.deepEqual(names.sort(), [['vgn/lin', 80 * 1024 * 1024], ['vgn/str', 16 * 1024 * 1024], ['vgn/str-ro', 16 * 1024 * 1024]]);
    const info = JSON.parse((await run('nbdinfo', ['--json', uri('vgn/str-ro')])).stdout) as { exports: { 'is_read_only': boolean; 'can_flush': boolean }[] };
    assert.equal(info.exports[0]!.is_read_only, true);
    assert.equal(info.exports[0]!.can_flush, true);
  });

  await t.test('nbdcopy both ways: data lands at the extents the metadata names', async () => {
    const data = randomBytes(80 * 1024 * 1024);
    writeFileSync(join(dir, 'in.raw'), data);
    await run('nbdcopy', [join(dir, 'in.raw'), uri('vgn/lin')]);
    await run('nbdcopy', [uri('vgn/lin'), join(dir, 'out.raw')]);
    assert.equal(sha(readFileSync(join(dir, 'out.raw'))), sha(data));
    // Read the same bytes straight from the PV images through the metadata's extent map.
    const lv = found.vg.lvs.find((l) => l.name === 'lin')!;
    const parts: Buffer[] = [];
    for (const p of mapLvRange(found.vg, lv, 0, data.length)) {
      const img = readFileSync(found.pvDevices.get(p.pv.id)!.path);
      parts.push(img.subarray(p.offset, p.offset + p.length));
    }
    assert.equal(sha(Buffer.concat(parts)), sha(data));
  });

  await t.test('qemu-img info, convert and compare; qemu-io writes and reads a pattern on the striped LV', async () => {
    const info = JSON.parse((await run('qemu-img', ['info', '--output=json', '--image-opts', `driver=nbd,server.type=unix,server.path=${sock},export=vgn/str`])).stdout) as { 'virtual-size': number };
    assert.equal(info['virtual-size'], 16 * 1024 * 1024);
    const io = await run('qemu-io', ['-f', 'raw', '-c', 'write -P 0xab 1M 192k', '-c', 'read -P 0xab 1M 192k', '-c', 'write -z 4M 64k', '-c', 'read -P 0 4M 64k', '-c', 'flush', uri('vgn/str')]);
    assert.doesNotMatch(io.stdout + io.stderr, /fail|error|mismatch/i);
    await run('qemu-img', ['convert', '-f', 'raw', '-O', 'raw', uri('vgn/str'), join(dir, 'str.raw')]);
    const { stdout } = await run('qemu-img', ['compare', '-f', 'raw', '-F', 'raw', join(dir, 'str.raw'), uri('vgn/str')]);
    assert.match(stdout, /Images are identical/);
    const raw = readFileSync(join(dir, 'str.raw'));
    assert.ok(raw.subarray(1024 * 1024, 1024 * 1024 + 192 * 1024).every((b) => b === 0xab));
  });

  await t.test('nbdinfo --map reports the allocation of an export', async () => {
    const { stdout } = await run('nbdinfo', ['--map', uri('vgn/str')]);
    // What qemu-io wrote above is data; the rest of the sparse PV images shows as holes.
    const rows = stdout.trim().split('\n').map((l) => l.trim().split(/\s+/)).map((f) => ({ off: Number(f[0]), len: Number(f[1]), type: f.slice(3).join(' ') }));
    assert.equal(rows.reduce((n, r) => n + r.len, 0), 16 * 1024 * 1024, stdout);
    assert.ok(rows.some((r) => r.type === 'data' && r.off <= 1024 * 1024 && r.off + r.len >= 1024 * 1024 + 192 * 1024), stdout);
    assert.equal(rows.at(-1)?.type, 'hole,zero', stdout);
  });

  await t.test('a read-only export refuses writes; a misbehaving client does not disturb others', async () => {
    await assert.rejects(run('qemu-io', ['-f', 'raw', '-c', 'write -P 1 0 4k', uri('vgn/str-ro')]));
    // Garbage instead of a handshake, then a write bigger than the server accepts.
    await new Promise<void>((resolve) => {
      const s = connect(sock, () => s.write(Buffer.from('this is not NBD at all, not even close................')));
      s.on('close', () => resolve());
      s.on('error', () => resolve());
      s.resume();
    });
    const { stdout } = await run('nbdinfo', ['--size', uri('vgn/lin')]);
    assert.equal(stdout.trim(), String(80 * 1024 * 1024));
  });
});
