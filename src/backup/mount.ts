// Instant restore: a backup served as NBD exports straight from the repository, one export per
// volume named as the daemon names an LV's (`VG/LV`), read-only, or read-write over overlays so
// that a database can start from the backup while nothing in the backup changes.
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { UlvmError } from '../errors.ts';
import type { BlockTarget } from '../mapper/target.ts';
import { NbdServer } from '../nbd/server.ts';
import { ChunkCache, DEFAULT_CACHE_BYTES } from './chunk-cache.ts';
import type { ChunkSource } from './chunk-source.ts';
import { newMountStats, type BackupMountStats } from './mount-stats.ts';
import { OverlayTarget } from './overlay-target.ts';
import type { BackupVolume } from './types.ts';
import { VolumeTarget } from './volume-target.ts';

export interface ServeBackupOptions {
  /** Export name (`VG/LV`) and the backed-up volume behind it. */
  volumes: { name: string; volume: BackupVolume }[];
  source: ChunkSource;
  /** A Unix socket path to listen on (made mode 0600: the data is the backup's). */
  socket?: string;
  tcp?: { host: string; port: number };
  /**
   * Where each export's overlay lives (`<dir>/<VG>-<LV>.overlay`, dashes doubled as in
   * device-mapper names, and `.bitmap` beside it). Needed to write; read-only, an overlay left
   * by an earlier mount is served as it stands.
   */
  overlayDir?: string;
  readOnly: boolean;
  /** Decoded chunks kept, in bytes (64 MiB). */
  cacheBytes?: number;
  /** Chunks fetched ahead of a sequential reader. */
  readAhead?: number;
  log?: (msg: string) => void;
}

export interface BackupMount {
  close(): Promise<void>;
  /** The socket path, or `host:port`. */
  address: string;
  exports: string[];
  /** An export's NBD URI (`nbd+unix:///VG/LV?socket=…` or `nbd://host:port/VG/LV`). */
  uri(name: string): string;
  stats: BackupMountStats;
}

/** The overlay file of an export: `vg/lv` as device-mapper would name it, `vg-lv`. */
export function overlayFileName(name: string): string {
  return `${name.split('/').map((p) => p.replace(/-/g, '--')).join('-')}.overlay`;
}

export async function serveBackup(o: ServeBackupOptions): Promise<BackupMount> {
  if (!o.socket && !o.tcp) throw new UlvmError('BACKUP', ['A socket or a TCP address to serve the backup on is needed.'], 5);
  if (!o.readOnly && !o.overlayDir) throw new UlvmError('BACKUP', ['Serving a backup writable needs an overlay directory: the backup itself is never written.'], 5);
  const names = new Set<string>();
  for (const v of o.volumes) {
    if (names.has(v.name)) throw new UlvmError('BACKUP', [`Export name ${v.name} given twice.`], 5);
    names.add(v.name);
  }
  const stats = newMountStats();
  const cache = new ChunkCache(o.source, o.cacheBytes ?? DEFAULT_CACHE_BYTES, stats);
  const overlays: OverlayTarget[] = [];
  const server = new NbdServer(o.log);
  const closeOverlays = async () => {
    for (const ov of overlays.splice(0)) await ov.close();
  };
  try {
    if (o.overlayDir && !o.readOnly) mkdirSync(o.overlayDir, { recursive: true, mode: 0o700 });
    for (const { name, volume } of o.volumes) {
      const base = new VolumeTarget(volume, cache, { readAhead: o.readAhead });
      let target: BlockTarget = base;
      if (o.overlayDir) {
        const ov = await OverlayTarget.open(base, join(o.overlayDir, overlayFileName(name)), { readOnly: o.readOnly });
        overlays.push(ov);
        target = ov;
      }
      const kind = o.readOnly ? 'read-only' : 'with overlay';
      server.add({ name, description: `ulvm backup of ${volume.vg}/${volume.lv} (${kind})`, target, readOnly: o.readOnly });
    }
    if (o.socket) {
      await server.listen({ path: o.socket });
      chmodSync(o.socket, 0o600);
    }
    if (o.tcp) await server.listen({ port: o.tcp.port, host: o.tcp.host });
  } catch (e) {
    await server.close();
    await closeOverlays();
    throw e;
  }
  let address: string;
  let uri: (name: string) => string;
  if (o.socket) {
    const sock = o.socket;
    address = sock;
    uri = (name) => `nbd+unix:///${name}?socket=${sock}`;
  } else {
    const a = server.address(0);
    const port = a && typeof a === 'object' ? a.port : o.tcp!.port;
    address = `${o.tcp!.host}:${port}`;
    uri = (name) => `nbd://${address}/${name}`;
  }
  return {
    address,
    exports: o.volumes.map((v) => v.name),
    uri,
    stats,
    async close() {
      await server.close();
      await closeOverlays();
      if (o.socket) rmSync(o.socket, { force: true });
    },
  };
}
