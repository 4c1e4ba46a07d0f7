// A backed-up volume made writable without touching the backup: writes go to an overlay, a
// sparse file as large as the volume, and a bitmap beside it (`<overlay>.bitmap`) records which
// 4 KiB blocks the overlay holds. A block not yet written reads from the backup; a write covering
// part of a block first copies the rest of it from the backup. Zeroing and discards are writes
// too (holes punched in the overlay), so they hide the backup's bytes as well.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { AsyncFileDevice } from '../devices/async.ts';
import { TargetIoError, type BlockTarget, type Extent, type TargetCaps } from '../mapper/target.ts';
import { OVERLAY_BLOCK, OverlayBitmap, type OverlayIdentity } from './overlay-bitmap.ts';
import { RangeLock } from './range-lock.ts';
import type { VolumeTarget } from './volume-target.ts';
import type { BackupVolume } from './types.ts';
import { UlvmError } from '../errors.ts';

const B = OVERLAY_BLOCK;

/** What an overlay is bound to: the volume's identity and every chunk it is made of. */
export function overlayIdentity(v: BackupVolume): OverlayIdentity {
  const h = createHash('sha256').update(JSON.stringify([v.vg, v.lv, v.lvUuid, v.size, v.chunkSize, v.chunks]));
  return { size: v.size, fingerprint: h.digest('hex') };
}

export class OverlayTarget implements BlockTarget {
  readonly size: number;
  readonly caps: TargetCaps;
  private readonly lock = new RangeLock();
  /** Flushes one at a time: each writes the bits the one before left dirty. */
  private flushing: Promise<void> = Promise.resolve();

  private constructor(
    readonly base: VolumeTarget,
    private readonly data: AsyncFileDevice | undefined,
    readonly bitmap: OverlayBitmap,
    readOnly: boolean,
  ) {
    this.size = base.size;
    this.caps = { readOnly, discard: !readOnly, writeZeroes: !readOnly };
  }

  /**
   * Opens (or, writable, creates) the overlay at `path` over `base`. Read-only without an
   * overlay on disk, it serves the backup as it is.
   */
  static async open(base: VolumeTarget, path: string, o: { readOnly?: boolean } = {}): Promise<OverlayTarget> {
    const readOnly = o.readOnly ?? false;
    const bitmapPath = `${path}.bitmap`;
    const id = overlayIdentity(base.volume);
    const had = existsSync(bitmapPath);
    if (had && !existsSync(path)) throw new UlvmError('BACKUP', [`Overlay ${path} is missing (its bitmap ${bitmapPath} is there).`], 5, { detail: 'overlay missing' });
    if (!readOnly && !had) {
      // The data first: a bitmap exists only beside its data file. Without a bitmap nothing
      // written was ever flushed, so any old data file starts over.
      const fh = await open(path, 'w');
      await fh.truncate(base.size);
      await fh.close();
    }
    const bitmap = await OverlayBitmap.open(bitmapPath, id, !readOnly);
    const data = readOnly && !had ? undefined : await AsyncFileDevice.open(path, !readOnly);
    return new OverlayTarget(base, data, bitmap, readOnly);
  }

  private check(offset: number, length: number): void {
    if (offset < 0 || length < 0 || offset + length > this.size) throw new TargetIoError(`${length} bytes at ${offset} beyond the ${this.size} bytes of the overlay`, 'EINVAL');
  }

  private writable(): AsyncFileDevice {
    if (this.caps.readOnly || !this.data) throw new TargetIoError(`backup of ${this.base.volume.vg}/${this.base.volume.lv} is mounted read-only`, 'EPERM');
    return this.data;
  }

  /** [offset, offset+length) as runs of blocks the overlay holds or not. */
  private runs(offset: number, length: number): { from: number; to: number; overlay: boolean }[] {
    const out: { from: number; to: number; overlay: boolean }[] = [];
    const end = offset + length;
    for (let pos = offset; pos < end; ) {
      const b = Math.floor(pos / B);
      const to = Math.min(end, (b + 1) * B);
      const overlay = this.bitmap.has(b);
      const prev = out[out.length - 1];
      if (prev && prev.overlay === overlay) prev.to = to;
      else out.push({ from: pos, to, overlay });
      pos = to;
    }
    return out;
  }

  async read(offset: number, length: number, into?: Uint8Array): Promise<Uint8Array> {
    this.check(offset, length);
    const out = into ?? new Uint8Array(length);
    await Promise.all(
      this.runs(offset, length).map((r) => {
        const part = out.subarray(r.from - offset, r.to - offset);
        return r.overlay ? this.data!.read(r.from, r.to - r.from, part) : this.base.read(r.from, r.to - r.from, part);
      }),
    );
    return out;
  }

  /** Block b as it reads now (overlay or backup): the rest of a partly written block. */
  private async current(b: number): Promise<Uint8Array> {
    const start = b * B;
    const len = Math.min(B, this.size - start);
    return this.bitmap.has(b) ? this.data!.read(start, len) : this.base.read(start, len);
  }

  /**
   * Changes [offset, offset+length) in the overlay: to `data`, or to zeros (`zero`, holes
   * unless `noUnmap`). `wholeOnly` (discard) leaves partly covered blocks alone.
   */
  private async change(offset: number, length: number, what: { data: Uint8Array } | { zero: true; noUnmap: boolean; wholeOnly?: boolean }): Promise<void> {
    this.check(offset, length);
    const dev = this.writable();
    if (length === 0) return;
    const end = offset + length;
    const first = Math.floor(offset / B);
    const last = Math.floor((end - 1) / B);
    const blockEnd = (b: number) => Math.min(this.size, (b + 1) * B);
    const covered = (b: number) => offset <= b * B && end >= blockEnd(b);
    // Whole blocks [wf, wl]; the partial ones at the edges are patched.
    const wf = covered(first) ? first : first + 1;
    const wl = covered(last) ? last : last - 1;
    const edges = [...new Set([first, last])].filter((b) => !covered(b));
    if ('wholeOnly' in what && what.wholeOnly && wf > wl) return;
    await this.lock.with(first, last + 1, async () => {
      const work: Promise<void>[] = [];
      if (!('wholeOnly' in what && what.wholeOnly)) {
        for (const b of edges) {
          work.push(
            this.current(b).then((buf) => {
              const s = Math.max(offset, b * B);
              const e = Math.min(end, blockEnd(b));
              if ('data' in what) buf.set(what.data.subarray(s - offset, e - offset), s - b * B);
              else buf.fill(0, s - b * B, e - b * B);
              return dev.write(b * B, buf);
            }),
          );
        }
      }
      if (wf <= wl) {
        const from = wf * B;
        const to = blockEnd(wl);
        work.push('data' in what ? dev.write(from, what.data.subarray(from - offset, to - offset)) : dev.writeZeroes(from, to - from, what.noUnmap));
      }
      await Promise.all(work);
      const lo = 'wholeOnly' in what && what.wholeOnly ? wf : first;
      const hi = 'wholeOnly' in what && what.wholeOnly ? wl : last;
      this.bitmap.set(lo, hi);
      this.base.cache.stats.overlayBlocksWritten += hi - lo + 1;
    });
  }

  write(offset: number, data: Uint8Array): Promise<void> {
    return this.change(offset, data.length, { data });
  }

  writeZeroes(offset: number, length: number, noUnmap = false): Promise<void> {
    return this.change(offset, length, { zero: true, noUnmap });
  }

  /** Advisory: whole blocks become holes (reading zeros); the backup's bytes show no more there. */
  discard(offset: number, length: number): Promise<void> {
    return this.change(offset, length, { zero: true, noUnmap: false, wholeOnly: true });
  }

  /** The overlay's data on disk first, then the bits that name it. */
  flush(): Promise<void> {
    const next = this.flushing.then(async () => {
      if (!this.data || this.caps.readOnly) return;
      const dirty = this.bitmap.takeDirty();
      await this.data.flush();
      await this.bitmap.persist(dirty);
    });
    this.flushing = next.catch(() => undefined);
    return next;
  }

  async extents(offset: number, length: number): Promise<Extent[]> {
    this.check(offset, length);
    const out: Extent[] = [];
    const push = (e: Extent) => {
      const prev = out[out.length - 1];
      if (prev && prev.zero === e.zero && !!prev.hole === !!e.hole) prev.length += e.length;
      else if (e.length) out.push({ ...e });
    };
    for (const r of this.runs(offset, length)) {
      if (!r.overlay) for (const e of await this.base.extents(r.from, r.to - r.from)) push(e);
      else for (const a of await this.data!.allocation(r.from, r.to - r.from)) push(a.hole ? { length: a.length, zero: true, hole: true } : { length: a.length, zero: false });
    }
    return out;
  }

  /** Writes what is still only in memory, then closes the overlay's files. */
  async close(): Promise<void> {
    await this.lock.idle();
    await this.flush();
    await this.data?.close();
    await this.bitmap.close();
  }
}
