// Concurrent ulvm processes on one VG serialise on its lock; readers running alongside never see a
// half-written VG (no errors, no "inconsistent metadata" warnings).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { sparseFile } from '../helpers/files.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileOpener } from '../../src/devices/file.ts';
import { scanDevices } from '../../src/metadata/scan.ts';

const BIN = new URL('../../bin/ulvm', import.meta.url).pathname;

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ rc: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (rc) => resolve({ rc: rc ?? -1, stdout, stderr }));
  });
}

test('concurrent lvcreate processes serialise, concurrent readers see whole VGs', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-conc-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const disks = [join(dir, 'a.img'), join(dir, 'b.img')];
  for (const d of disks) sparseFile(d, 64 * 1024 * 1024);
  const env = { ...process.env, ULVM_SYSTEM_DIR: join(dir, 'sys'), ULVM_RUN_DIR: join(dir, 'run') };
  const devs = ['--devices', disks.join(',')];
  assert.equal((await run(['vgcreate', 'vgc', ...disks, ...devs], env)).rc, 0);
  const N = 8;
  const writers = Array.from({ length: N }, () => run(['lvcreate', '-an', '-l', '1', 'vgc', ...devs], env));
  const readers = Array.from({ length: 6 }, () => run(['lvs', '--noheadings', '-o', 'lv_name', 'vgc', ...devs], env));
  const w = await Promise.all(writers);
  const r = await Promise.all(readers);
  for (const x of w) assert.equal(x.rc, 0, x.stderr);
  const names = w.map((x) => /Logical volume "(\w+)" created/.exec(x.stdout)?.[1]);
  assert.equal(new Set(names).size, N, `each lvcreate got its own default name: ${names.join(' ')}`);
  for (const x of r) {
    assert.equal(x.rc, 0);
    assert.equal(x.stderr.replace(/ {2}WARNING: Logical volume vgc\/\w+ not zeroed.\n/g, ''), '', 'readers print no warnings');
  }
  const f = scanDevices(fileOpener, disks).get('vgc')!;
  assert.equal(f.vg.seqno, 1 + N);
  assert.equal(f.vg.lvs.length, N);
  assert.equal(f.inconsistent, false);
});
