// A golden-style session on memory disks with in-process activation, a VG "vg" over the given
// devices and a 20 MiB origin "lvol0" (what the snapshot tests start from).
import assert from 'node:assert/strict';
import { GoldenSession } from '../golden/harness.ts';
import { ActivationEngine } from '../../src/activation/engine.ts';

export async function engineSession(devices: string[]) {
  const s = new GoldenSession(devices);
  const engine = new ActivationEngine(s.disks);
  s.activator = engine;
  const ok = async (line: string) => {
    const r = (await s.run(line))!;
    assert.equal(r.rc, 0, `${line}: ${r.stderr}`);
    return r.stdout;
  };
  await ok(`pvcreate ${devices.join(' ')}`);
  await ok(`vgcreate vg ${devices.join(' ')}`);
  await ok('lvcreate -L 20M -n lvol0 vg');
  return { s, engine, ok };
}
