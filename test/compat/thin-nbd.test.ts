// A thin LV served over NBD to the real clients: qemu-io writes land in provisioned blocks,
// nbdinfo --map shows exactly the provisioned blocks as data and everything else as holes that
// read as zeros, qemu-img compare sees a thin snapshot keep the old contents, and a discard
// (qemu-io's write -z -u: unmap) gives the blocks back to the pool.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { sparseFile } from '../helpers/files.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runCommand } from '../../src/cli/main.ts';
import { BufferIo } from '../../src/ops/io.ts';
import { fileOpener } from '../../src/devices/file.ts';
import { ActivationEngine } from '../../src/activation/engine.ts';
import { NbdServer } from '../../src/nbd/server.ts';
import { parseThinPoolStatus } from '../../src/segtypes/thin-status.ts';

const run = promisify(execFile);
const have = (c: string) => spawnSync('sh', ['-c', `command -v ${c}`]).status === 0;
const KiB = 1024;
const MiB = 1024 * KiB;

test('a thin LV over NBD: exact allocation map, snapshot, discard', async (t) => {
  const missing = ['nbdinfo', 'qemu-img', 'qemu-io'].filter((c) => !have(c));
  if (missing.length) return t.skip(`not installed: ${missing.join(', ')} (Debian: libnbd-bin, qemu-utils)`);
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-thin-nbd-'));
  const disk = join(dir, 'd.img');
  sparseFile(disk, 96 * MiB);
  const engine = new ActivationEngine(fileOpener);
  const server = new NbdServer();
  t.after(async () => {
    await server.close();
    await engine.closeAll();
    rmSync(dir, { recursive: true, force: true });
  });
  const env = { ULVM_SYSTEM_DIR: join(dir, 'sys'), ULVM_RUN_DIR: join(dir, 'run') };
  const ulvm = async (...args: string[]) => {
    const io = new BufferIo();
    assert.equal(await runCommand(args[0]!, [...args.slice(1), '--devices', disk], { io, env, uid: 0, cwd: dir, opener: fileOpener, activator: engine }), 0, io.stderr);
  };
  await ulvm('pvcreate', disk);
  await ulvm('vgcreate', 'vgt', disk);
  await ulvm('lvcreate', '-T', '-L', '32M', 'vgt/pool');
  await ulvm('lvcreate', '-V', '64M', '-T', 'vgt/pool', '-n', 't');
  server.add({ name: 'vgt/t', target: engine.device('vgt', 't')!, readOnly: false });
  const sock = join(dir, 'nbd.sock');
  await server.listen({ path: sock });
  const uri = (name: string) => `nbd+unix:///${name}?socket=${sock}`;
  const map = async (name: string) =>
    (await run('nbdinfo', ['--map', uri(name)])).stdout.trim().split('\n').map((l) => l.trim().split(/\s+/)).map((f) => ({ off: Number(f[0]), len: Number(f[1]), type: f.slice(3).join(' ') }));

  // 4 KiB at 100 KiB provisions block 1 (64–128 KiB); 192 KiB at 10 MiB provisions three blocks.
  await run('qemu-io', ['-f', 'raw', '-c', 'write -P 0xab 100k 4k', '-c', 'write -P 0xcd 10M 192k', '-c', 'flush', uri('vgt/t')]);
  const m = await map('vgt/t');
  const data = m.filter((r) => r.type === 'data').map((r) => [r.off, r.len]);
  assert.deepEqual(data, [[64 * KiB, 64 * KiB], [10 * MiB, 192 * KiB]], JSON.stringify(m));
  assert.ok(m.filter((r) => r.type !== 'data').every((r) => r.type === 'hole,zero'), JSON.stringify(m));
  assert.equal(m.reduce((n, r) => n + r.len, 0), 64 * MiB);
  // The rest of block 1 was zeroed when it was provisioned (zeroing is on by default).
  await run('qemu-io', ['-f', 'raw', '-c', 'read -P 0 64k 36k', '-c', 'read -P 0xab 100k 4k', '-c', 'read -P 0 104k 24k', '-c', 'read -P 0 20M 1M', uri('vgt/t')]);

  await ulvm('lvcreate', '-s', '-n', 's', 'vgt/t');
  await ulvm('lvchange', '-ay', '-K', 'vgt/s');
  server.add({ name: 'vgt/s', target: engine.device('vgt', 's')!, readOnly: true });
  const same = await run('qemu-img', ['compare', '-f', 'raw', '-F', 'raw', uri('vgt/t'), uri('vgt/s')]);
  assert.match(same.stdout, /Images are identical/);
  await run('qemu-io', ['-f', 'raw', '-c', 'write -P 0x11 10M 4k', '-c', 'flush', uri('vgt/t')]);
  const diff = await run('qemu-img', ['compare', '-f', 'raw', '-F', 'raw', uri('vgt/t'), uri('vgt/s')]).then(
    () => 'identical',
    (e: { stdout: string }) => e.stdout,
  );
  assert.match(diff, /Content mismatch at offset 10485760!/);

  // Unmapping the three blocks at 10 MiB (the snapshot still holds two of them, the third was copied).
  const used = async () => parseThinPoolStatus((await engine.status()).find((a) => a.lvName === 'pool')!.thinPoolStatus!)!.usedData;
  const before = await used();
  await run('qemu-io', ['-f', 'raw', '-c', 'write -z -u 10M 192k', '-c', 'flush', uri('vgt/t')]);
  assert.equal(await used(), before - 1, 'only the block no snapshot shares goes back to the pool');
  const after = (await map('vgt/t')).filter((r) => r.type === 'data').map((r) => [r.off, r.len]);
  assert.deepEqual(after, [[64 * KiB, 64 * KiB]]);
});
