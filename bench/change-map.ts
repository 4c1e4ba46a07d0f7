// The change map's cost on a write-heavy loop, in-process on an image file: 4 KiB writes at
// queue depth 1 and 16 to an LV without a map, then with one — the first write to each region
// (its bitmap page is written and fdatasync'd first) and later writes to the same regions (only
// a bit test). Prints median and mean microseconds per write.
//   node --import tsx bench/change-map.ts [--regions 256] [--region-kib 1024]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from '../src/api/session.ts';
import { sparseFile } from '../test/helpers/files.ts';

const arg = (n: string, d: number) => {
  const i = process.argv.indexOf(`--${n}`);
  return i > 0 ? Number(process.argv[i + 1]) : d;
};
const REGIONS = arg('regions', 256);
const REGION = arg('region-kib', 1024) * 1024;
const MiB = 1 << 20;

const dir = mkdtempSync(join(tmpdir(), 'ulvm-bench-cmap-'));
try {
  const disk = join(dir, 'a.img');
  sparseFile(disk, (2 * REGIONS * REGION) / MiB * MiB + 64 * MiB);
  const s = new Session({ dir, devices: [disk], activation: 'in-process' });
  await s.vgcreate({ name: 'vg', pvs: [disk] });
  const size = REGIONS * REGION;
  await s.createLv({ vg: 'vg', name: 'plain', size });
  await s.createLv({ vg: 'vg', name: 'mapped', size });
  await s.enableChangeMap('vg', 'mapped', { regionSize: REGION });
  const buf = new Uint8Array(4096).fill(0x5a);
  const pass = async (lv: string, depth: number, offsetInRegion: number) => {
    const h = await s.open(`vg/${lv}`);
    const times: number[] = [];
    let next = 0;
    const t0 = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: depth }, async () => {
        for (let r = next++; r < REGIONS; r = next++) {
          const a = process.hrtime.bigint();
          await h.write(r * REGION + offsetInRegion, buf);
          times.push(Number(process.hrtime.bigint() - a) / 1000);
        }
      }),
    );
    const total = Number(process.hrtime.bigint() - t0) / 1000;
    await h.close();
    times.sort((a, b) => a - b);
    return { median: times[times.length >> 1]!, mean: times.reduce((a, b) => a + b, 0) / times.length, perWrite: total / REGIONS };
  };
  const fmt = (x: { median: number; mean: number; perWrite: number }) => `median ${x.median.toFixed(1)} µs, mean ${x.mean.toFixed(1)} µs, wall/write ${x.perWrite.toFixed(1)} µs`;
  for (const depth of [1, 16]) {
    await s.rotateChangeMap('vg', 'mapped');
    const off = depth === 1 ? 0 : 8192;
    await pass('plain', depth, off); // warm the plain LV's blocks as the mapped one's get warmed below
    const base = await pass('plain', depth, off + 4096 * 4);
    const first = await pass('mapped', depth, off);
    const later = await pass('mapped', depth, off + 4096 * 4);
    console.log(`queue depth ${depth}, ${REGIONS} regions of ${REGION / 1024} KiB, 4 KiB writes:`);
    console.log(`  no change map:              ${fmt(base)}`);
    console.log(`  first write to a region:    ${fmt(first)}`);
    console.log(`  later writes to the region: ${fmt(later)}`);
  }
  await s.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
