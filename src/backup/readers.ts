// Where a backup reads a snapshot from: an LV opened in this process (Session.open), a file (the
// daemon's device-tree file `<runDir>/dev/VG/LV`, a block device, an image), or the daemon's NBD
// socket (no FUSE needed).
import type { Session } from '../api/session.ts';
import { AsyncFileDevice } from '../devices/async.ts';
import { fileOpener } from '../devices/file.ts';
import { NbdClient } from '../nbd/client.ts';
import type { VolumeReader } from './types.ts';

/** Reads an LV (`vg/lv`) through the session's in-process activation; the open counts until close(). */
export async function lvReader(session: Session, name: string): Promise<VolumeReader> {
  const h = await session.open(name);
  return { size: h.size, read: (offset, length) => h.read(offset, length), close: () => h.close() };
}

/** Reads a file or block device read-only (its size as the device reports it: lseek's end, BLKGETSIZE64). */
export async function fileReader(path: string): Promise<VolumeReader> {
  const probe = fileOpener.open(path, false);
  const size = probe.size;
  probe.close();
  const dev = await AsyncFileDevice.open(path, false);
  return { size, read: (offset, length) => dev.read(offset, length), close: () => dev.close() };
}

/** Reads an NBD export (`VG/LV` on the daemon's `<runDir>/nbd.sock`, or any server's). */
export async function nbdReader(socket: string | { host: string; port: number }, exportName: string): Promise<VolumeReader> {
  const c = await NbdClient.connect(socket, exportName);
  return { size: c.size, read: (offset, length) => c.read(offset, length), close: () => c.close() };
}
