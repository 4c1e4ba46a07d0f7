// A pool's metadata LV read off its PVs into one buffer (what `thin_check`/`thin_dump` are given),
// and thin_check run on it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeviceOpener } from '../../src/devices/device.ts';
import { scanDevices } from '../../src/metadata/scan.ts';
import { mapLvRange } from '../../src/mapper/extent-map.ts';
import { lvExtents } from '../../src/model/types.ts';

export const haveThinCheck = (): boolean => spawnSync('sh', ['-c', 'command -v thin_check']).status === 0;

/** The bytes of VG/LV (a pool's `_tmeta`), read through `opener` from `devices`. */
export function lvImage(opener: DeviceOpener, devices: string[], vgName: string, lvName: string): Uint8Array {
  const f = scanDevices(opener, devices).get(vgName);
  assert.ok(f, `VG ${vgName} not found`);
  const lv = f.vg.lvs.find((l) => l.name === lvName);
  assert.ok(lv, `LV ${vgName}/${lvName} not found`);
  const bytes = new Uint8Array(lvExtents(lv) * f.vg.extentSize * 512);
  let at = 0;
  for (const p of mapLvRange(f.vg, lv, 0, bytes.length)) {
    const dev = opener.open(f.pvDevices.get(p.pv.id)!.path, false);
    try {
      bytes.set(dev.read(p.offset, p.length), at);
    } finally {
      dev.close();
    }
    at += p.length;
  }
  return bytes;
}

/** Writes the metadata to a file and asserts that thin_check finds nothing wrong. */
export function assertThinCheckClean(metadata: Uint8Array, what = 'pool metadata'): void {
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-tmeta-'));
  try {
    const file = join(dir, 'tmeta');
    writeFileSync(file, metadata);
    const r = spawnSync('thin_check', [file], { encoding: 'utf8' });
    assert.equal(r.status, 0, `thin_check on ${what}: ${r.stdout}${r.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
