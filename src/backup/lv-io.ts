// Reading and writing an LV from a backup command: in the library's own process (in-process
// activation: the session's BlockHandle), or through the daemon that keeps the VG's LVs active —
// its device-tree file where FUSE is up, else its NBD export on the run directory's socket.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Session } from '../api/session.ts';
import type { VolumeReader } from './types.ts';
import type { VolumeWriter } from './restore.ts';
import { fileWriter } from './restore.ts';
import { daemonPaths } from '../daemon/paths.ts';
import { nbdVolume } from './nbd-volume.ts';

/** Where the LV's bytes are, for a session whose LVs are active in a daemon of `runDir` (or in-process when runDir is undefined). */
export async function openLvIo(session: Session, runDir: string | undefined, vg: string, lv: string): Promise<VolumeWriter> {
  if (!runDir) {
    const h = await session.open(`${vg}/${lv}`);
    return { size: h.size, read: (o, n) => h.read(o, n), write: (o, d) => h.write(o, d), flush: () => h.flush(), close: () => h.close() };
  }
  await session.activate(vg, [lv]);
  const p = daemonPaths(runDir);
  const tree = join(p.tree, vg, lv);
  if (existsSync(tree)) {
    const size = (await session.listLvs(vg)).find((l) => l.name === lv)?.size ?? 0;
    return (await fileWriter(tree, size)).writer;
  }
  return nbdVolume(p.nbd, `${vg}/${lv}`);
}

export function readerOf(w: VolumeWriter): VolumeReader {
  return { size: w.size, read: (o, n) => w.read(o, n), close: () => w.close() };
}
