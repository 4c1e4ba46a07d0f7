// `ulvm demo` (the README's first command) plays the lab to the end on a fresh folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const BIN = new URL('../../bin/ulvm', import.meta.url).pathname;

test('ulvm demo runs the lab story on a partitioned image', async (t) => {
  if (!existsSync(new URL('../../dist/ulvm.cjs', import.meta.url))) return t.skip('dist/ not built (npm run build)');
  const base = mkdtempSync(join(tmpdir(), 'ulvm-demo-test-'));
  const dir = join(base, 'demo');
  t.after(async () => {
    await exec(process.execPath, [BIN, 'daemon', 'stop', '--force'], { env: { ...process.env, ULVM_RUN_DIR: join(dir, 'run') } }).catch(() => undefined);
    spawnSync('umount', ['-l', join(dir, 'run', 'dev')]);
    rmSync(base, { recursive: true, force: true });
  });
  const { stdout } = await exec(process.execPath, [BIN, 'demo', dir], { env: process.env, timeout: 240_000 });
  assert.match(stdout, /Physical volume "[^"]*disk\.img:p4" successfully created\./);
  assert.match(stdout, / {2}lab-vg2 {3}2 {3}0 {3}0 wz--n- 48\.00m 48\.00m/);
  assert.match(stdout, / {2}lvol0 lab-vg1 -wi-a----- 20\.00m/);
  assert.match(stdout, /read back "111"/);
  assert.match(stdout, /Size of logical volume lab-vg1\/lvol0 changed from 20\.00 MiB \(5 extents\) to 40\.00 MiB \(10 extents\)\./);
  assert.match(stdout, /nbd\+unix:\/\/\/lab-vg1\/lvol0\?socket=/);
  assert.doesNotMatch(stdout, /Couldn't find device|is missing PV/, 'no PV lost its label to a neighbour');
  assert.match(stdout, /Converted lab-vg2\/pool0 and lab-vg2\/pool0meta to thin pool\./);
  assert.match(stdout, / {2}thin1 +lab-vg2 Vwi-a-tz-- 80\.00m pool0/);
  assert.match(stdout, /Size of logical volume lab-vg2\/pool0_tdata changed from 28\.00 MiB \(7 extents\) to 36\.00 MiB \(9 extents\)\./);
  if (process.getuid?.() === 0 && existsSync('/dev/fuse')) {
    assert.match(stdout, /\/dev\/loop\d+ +3\dM/, 'ext4 grew to the extended LV');
    assert.match(stdout, /pool0 +lab-vg2 twi-aotzD- 28\.00m +100\.00 +\d+\.\d\d +out_of_data/, 'the pool ran out');
    assert.match(stdout, /switching pool to out-of-data-space \(queue IO\) mode/);
  }
});
