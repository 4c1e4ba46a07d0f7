// The classic-snapshot tracker: the previous backup's snapshot was kept, and its COW's exception
// table lists every origin chunk written since that snapshot was taken (the first write to a
// chunk copies it out). Read after the new snapshot's instant, the table is a superset of what
// differs between the two snapshots (later writes add chunks, never remove them).
//
// The table is read from the COW LV's extents on the PVs, read-only and without activating
// anything. It is complete for every completed write: dm-snapshot (and ulvm's CowStore.addMany,
// which the origin target awaits in `preserve` before its write goes down to `-real`) commits an
// exception — chunk data, flush, table area, flush — before the origin write is passed down, so
// an acknowledged origin write always has its record on disk. Writes to the snapshot itself add
// records too, which only makes the set bigger.
import type { Session } from '../../api/session.ts';
import type { DeviceOpener } from '../../devices/device.ts';
import { fileOpener } from '../../devices/file.ts';
import { areaChunk, decodeArea, decodeSnapshotHeader, SNAPSHOT_DISK_VERSION } from '../../formats/exception-store.ts';
import { openLv } from '../../mapper/open-lv.ts';
import { scanDevices } from '../../metadata/scan.ts';
import { snapshotOfCow, snapshotSpanBytes } from '../../model/snapshots.ts';
import { lvExtents } from '../../model/types.ts';
import { fail } from '../../errors.ts';
import type { ChangedRanges } from '../types.ts';

export interface PvSource {
  devices: string[];
  opener?: DeviceOpener;
}

async function pvsOf(src: Session | PvSource, vg: string): Promise<PvSource> {
  if (!('listPvs' in src)) return src;
  return { devices: (await src.listPvs()).filter((p) => p.vg === vg).map((p) => p.name), opener: src.deviceOpener };
}

/** The origin chunks (in bytes) recorded in `previousSnapshot`'s exception table, plus whatever the origin grew by since. */
export async function cowChanges(src: Session | PvSource, vg: string, previousSnapshot: string): Promise<ChangedRanges> {
  const pvs = await pvsOf(src, vg);
  const found = scanDevices(pvs.opener ?? fileOpener, pvs.devices).get(vg) ?? fail(`Volume group "${vg}" not found`, 5, 'VG_NOT_FOUND', { vg });
  const link = snapshotOfCow(found.vg, previousSnapshot) ?? fail(`Logical volume ${vg}/${previousSnapshot} is not a snapshot.`, 5, 'INVALID_ARGUMENT', { vg, lv: previousSnapshot });
  const all = (note: string): ChangedRanges => ({ tracker: 'cow-exceptions', ranges: 'all', note });
  if (link.merging) return all(`the snapshot ${vg}/${previousSnapshot} is merging into its origin`);
  const origin = found.vg.lvs.find((l) => l.name === link.origin)!;
  const originBytes = lvExtents(origin) * found.vg.extentSize * 512;
  const opened = await openLv(found, previousSnapshot, { ...(pvs.opener ? { opener: pvs.opener } : {}), readOnly: true });
  try {
    const cow = opened.device;
    const cb = link.chunk * 512;
    const head = decodeSnapshotHeader(await cow.read(0, cb));
    if (head.kind === 'corrupt') return all(`the snapshot ${vg}/${previousSnapshot} has no valid exception store`);
    const chunks: number[] = [];
    if (head.kind === 'header') {
      if (!head.header.valid) return all(`the snapshot ${vg}/${previousSnapshot} is invalid (it overflowed)`);
      if (head.header.version !== SNAPSHOT_DISK_VERSION || head.header.chunkSize !== link.chunk) return all(`the snapshot ${vg}/${previousSnapshot}'s exception store is not one ulvm reads`);
      for (let k = 0; ; k++) {
        const at = areaChunk(link.chunk, k);
        if ((at + 1) * cb > cow.size) break;
        const { records, full } = decodeArea(await cow.read(at * cb, cb), link.chunk);
        for (const r of records) chunks.push(r.oldChunk);
        if (!full) break;
      }
    }
    chunks.sort((a, b) => a - b);
    const ranges: { offset: number; length: number }[] = [];
    const add = (offset: number, length: number) => {
      if (offset >= originBytes) return;
      length = Math.min(length, originBytes - offset);
      const last = ranges[ranges.length - 1];
      if (last && last.offset + last.length >= offset) last.length = Math.max(last.length, offset + length - last.offset);
      else ranges.push({ offset, length });
    };
    for (const c of chunks) add(c * cb, cb);
    // An origin extended after the snapshot writes past its span without copying (as the kernel does).
    const span = snapshotSpanBytes(found.vg, link);
    if (originBytes > span) add(span, originBytes - span);
    return { tracker: 'cow-exceptions', ranges };
  } finally {
    await opened.close();
  }
}
