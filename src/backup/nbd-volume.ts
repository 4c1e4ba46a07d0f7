// An LV of the daemon read and written over its NBD export: what a backup or a restore uses when
// the daemon keeps the LV active and no FUSE device tree is there (no root, containers, CI).
import { NbdClient } from '../nbd/client.ts';
import type { VolumeWriter } from './restore.ts';

/** Requests are split to stay under what NBD servers accept in one request (32 MiB is common). */
const MAX_REQUEST = 8 * 1024 * 1024;

export async function nbdVolume(socket: string, exportName: string): Promise<VolumeWriter> {
  const c = await NbdClient.connect(socket, exportName);
  return {
    size: c.size,
    async read(offset, length) {
      if (length <= MAX_REQUEST) return c.read(offset, length);
      const out = new Uint8Array(length);
      const parts: Promise<void>[] = [];
      for (let at = 0; at < length; at += MAX_REQUEST) parts.push(c.read(offset + at, Math.min(MAX_REQUEST, length - at)).then((d) => out.set(d, at)));
      await Promise.all(parts);
      return out;
    },
    async write(offset, data) {
      const parts: Promise<void>[] = [];
      for (let at = 0; at < data.length; at += MAX_REQUEST) parts.push(c.write(offset + at, data.subarray(at, Math.min(data.length, at + MAX_REQUEST))));
      await Promise.all(parts);
    },
    flush: () => c.flush(),
    close: () => c.close(),
  };
}
