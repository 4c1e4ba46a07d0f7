// Restore: a backup's volume written back, chunk by chunk, several in flight (fetch, decrypt and
// decompress of one chunk overlap the writes of others). Full: every chunk written (zero chunks
// skipped on a target known to be new and sparse). Differential: the target's chunk is read and
// hashed with the repository's keyed hash first, and only chunks that differ are written: a
// volume that drifted a little from its backup is put back by writing that little.
import { open, type FileHandle } from 'node:fs/promises';
import { fail } from '../errors.ts';
import type { BackupVolume } from './types.ts';
import { isZero } from './chunks.ts';

export interface VolumeWriter {
  readonly size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
  write(offset: number, data: Uint8Array): Promise<void>;
  flush(): Promise<void>;
  close(): Promise<void>;
}

export interface ChunkReader {
  readChunk(id: string): Promise<Uint8Array>;
  chunkId(plain: Uint8Array): string;
}

export interface RestoreOptions {
  differential?: boolean;
  /** Chunks in flight (default 8). */
  parallel?: number;
  /** The target was just made and reads as zeros: zero chunks need no write. */
  targetIsNew?: boolean;
  onProgress?: (bytesDone: number, bytesTotal: number) => void;
}

export interface RestoreStats {
  chunks: number;
  chunksWritten: number;
  chunksSame: number;
  chunksZero: number;
  bytesWritten: number;
  bytesFetched: number;
  durationMs: number;
}

export async function restoreVolume(repo: ChunkReader, v: BackupVolume, w: VolumeWriter, o: RestoreOptions = {}): Promise<RestoreStats> {
  const started = Date.now();
  if (w.size < v.size) fail(`The target (${w.size} bytes) is smaller than ${v.vg}/${v.lv} in the backup (${v.size} bytes).`, 5, 'INVALID_ARGUMENT');
  const s: RestoreStats = { chunks: v.chunks.length, chunksWritten: 0, chunksSame: 0, chunksZero: 0, bytesWritten: 0, bytesFetched: 0, durationMs: 0 };
  let next = 0;
  let done = 0;
  const zero = (len: number) => new Uint8Array(len);
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= v.chunks.length) return;
      const off = i * v.chunkSize;
      const len = Math.min(v.chunkSize, v.size - off);
      const id = v.chunks[i] ?? null;
      if (o.differential) {
        const cur = await w.read(off, len);
        if (id === null ? isZero(cur) : repo.chunkId(cur) === id) {
          s.chunksSame++;
          done += len;
          o.onProgress?.(done, v.size);
          continue;
        }
      }
      if (id === null) {
        s.chunksZero++;
        if (!o.targetIsNew || o.differential) {
          await w.write(off, zero(len));
          s.bytesWritten += len;
        }
      } else {
        const data = await repo.readChunk(id);
        if (data.length !== len) fail(`Chunk ${id.slice(0, 16)} of ${v.vg}/${v.lv} has ${data.length} bytes where ${len} were expected.`, 5, 'BACKUP_CORRUPT');
        s.bytesFetched += len;
        await w.write(off, data);
        s.chunksWritten++;
        s.bytesWritten += len;
      }
      done += len;
      o.onProgress?.(done, v.size);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, o.parallel ?? 8) }, worker));
  await w.flush();
  s.durationMs = Date.now() - started;
  return s;
}

/** An image file as a restore target: made (sparse, at the volume's size) when it does not exist. */
export async function fileWriter(path: string, size: number): Promise<{ writer: VolumeWriter; created: boolean }> {
  let fh: FileHandle;
  let created = false;
  try {
    fh = await open(path, 'r+');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') fail(`Cannot open ${path}: ${(e as NodeJS.ErrnoException).code}.`, 5, 'INVALID_ARGUMENT');
    fh = await open(path, 'wx+');
    created = true;
  }
  const st = await fh.stat();
  if (st.isFile() && st.size < size) await fh.truncate(size);
  let closed = false;
  const writer: VolumeWriter = {
    size: st.isFile() ? Math.max(st.size, size) : size,
    async read(offset, length) {
      const b = Buffer.alloc(length);
      let got = 0;
      while (got < length) {
        const { bytesRead } = await fh.read(b, got, length - got, offset + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return b;
    },
    async write(offset, data) {
      let put = 0;
      while (put < data.length) put += (await fh.write(data, put, data.length - put, offset + put)).bytesWritten;
    },
    async flush() {
      await fh.sync();
    },
    async close() {
      if (closed) return;
      closed = true;
      await fh.close();
    },
  };
  return { writer, created };
}
