// The kernel's thin target (drivers/md/dm-thin.c, the thin side): one thin device of a pool.
// Requests are split at data block boundaries (the kernel's max_io_len is one block); each block's
// virtual cell is held while it is read, written, provisioned or unmapped, so two writers of an
// unprovisioned block get one data block between them. Made by ThinPool.thin(); release() is
// thin_dtr (the pool then lets `delete` remove the device).
import type { ThinPool } from './thin-pool.ts';
import { ioError } from './thin-pool-errors.ts';
import { type BlockTarget, type Extent, type TargetCaps, TargetIoError } from './target.ts';

/** Bytes copied at a time when sharing is broken (blocks can be up to 1 GiB). */
const COPY_STEP = 1024 * 1024;

interface Piece {
  vblock: number;
  /** Offset within the block. */
  within: number;
  /** Offset within the request. */
  from: number;
  length: number;
}

export class ThinTarget implements BlockTarget {
  readonly caps: TargetCaps;
  private released = false;

  constructor(
    readonly pool: ThinPool,
    readonly devId: number,
    readonly size: number,
  ) {
    this.caps = { readOnly: false, discard: pool.features.discardEnabled, writeZeroes: true };
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.pool.releaseThin(this.devId);
  }

  private *pieces(offset: number, length: number): Generator<Piece> {
    if (offset < 0 || length < 0 || offset + length > this.size) throw new TargetIoError(`I/O ${offset}+${length} beyond the end of the device (${this.size})`, 'EINVAL');
    const bb = this.pool.blockBytes;
    let pos = offset;
    const end = offset + length;
    while (pos < end) {
      const vblock = Math.floor(pos / bb);
      const within = pos - vblock * bb;
      const n = Math.min(bb - within, end - pos);
      yield { vblock, within, from: pos - offset, length: n };
      pos += n;
    }
  }

  private cell(vblock: number): string {
    return `v:${this.devId}:${vblock}`;
  }

  private checkFail(): void {
    if (this.pool.mode === 'fail') throw ioError('EIO');
  }

  /** A metadata read that fails is an I/O error of the request (dm_thin_find_block's default case). */
  private lookup(vblock: number): ReturnType<ThinPool['md']['lookup']> {
    try {
      return this.pool.md.lookup(this.devId, vblock);
    } catch {
      throw ioError('EIO');
    }
  }

  async read(offset: number, length: number, into?: Uint8Array): Promise<Uint8Array> {
    this.checkFail();
    const buf = into ?? new Uint8Array(length);
    const bb = this.pool.blockBytes;
    const one = async (p: Piece) => {
      const view = buf.subarray(p.from, p.from + p.length);
      const m = this.lookup(p.vblock);
      if (!m) view.fill(0);
      else await this.pool.data.read(m.block * bb + p.within, p.length, view);
    };
    await Promise.all(
      [...this.pieces(offset, length)].map(async (p) => {
        // A block no one is provisioning or unmapping is read sharing its key.
        const key = this.cell(p.vblock);
        if (!this.pool.prison.share(key)) return this.pool.prison.detain(key, () => one(p));
        try {
          await one(p);
        } finally {
          this.pool.prison.unshare(key);
        }
      }),
    );
    return buf;
  }

  async write(offset: number, data: Uint8Array): Promise<void> {
    this.checkFail();
    await Promise.all([...this.pieces(offset, data.length)].map((p) => this.writeBlock(p, data.subarray(p.from, p.from + p.length))));
  }

  /**
   * process_cell: remap when mapped and unshared, else provision or break sharing. A write the
   * pool cannot serve now leaves its cell while it waits (retry_bios_on_resume releases the
   * cell), so reads and discards of the block go on meanwhile; it starts over when re-issued.
   */
  private async writeBlock(p: Piece, data: Uint8Array): Promise<void> {
    const pool = this.pool;
    const bb = pool.blockBytes;
    // Mapped and unshared: remapped straight to its data block, sharing the key (no cell).
    const key = this.cell(p.vblock);
    if (pool.prison.share(key)) {
      let done = false;
      try {
        this.checkFail();
        const m = this.lookup(p.vblock);
        if (m && !m.shared) {
          await pool.data.write(m.block * bb + p.within, data);
          done = true;
        }
      } finally {
        pool.prison.unshare(key);
      }
      if (done) return;
    }
    for (;;) {
      const done = await pool.prison.detain(this.cell(p.vblock), async () => {
        this.checkFail();
        const m = this.lookup(p.vblock);
        if (m && !m.shared) {
          await pool.data.write(m.block * bb + p.within, data);
          return true;
        }
        const block = await pool.allocDataBlock();
        if (block === undefined) return false;
        await this.prepare(block, m?.block, p, data);
        await pool.commitBarrier();
        if (pool.mode !== 'write' && pool.mode !== 'out-of-data-space') throw ioError('EIO');
        if (!pool.metadataOp('dm_thin_insert_block', () => pool.md.insertMapping(this.devId, p.vblock, block))) throw ioError('EIO');
        return true;
      });
      if (done) return;
      await pool.unserviceable();
    }
  }

  /**
   * schedule_zero / schedule_internal_copy: a write covering the whole block goes straight in;
   * otherwise the new block is first zeroed (unless skip_block_zeroing) or filled with a copy of
   * the shared block, and then written.
   */
  private async prepare(block: number, shared: number | undefined, p: Piece, data: Uint8Array): Promise<void> {
    const pool = this.pool;
    const bb = pool.blockBytes;
    const at = block * bb;
    if (p.length === bb) {
      await pool.data.write(at, data);
      return;
    }
    if (shared !== undefined) {
      for (let pos = 0; pos < bb; pos += COPY_STEP) {
        const n = Math.min(COPY_STEP, bb - pos);
        const chunk = await pool.data.read(shared * bb + pos, n);
        const lo = Math.max(pos, p.within);
        const hi = Math.min(pos + n, p.within + p.length);
        if (lo < hi) chunk.set(data.subarray(lo - p.within, hi - p.within), lo - pos);
        await pool.data.write(at + pos, chunk);
      }
      return;
    }
    if (pool.features.zeroNewBlocks) await pool.data.writeZeroes(at, bb);
    await pool.data.write(at + p.within, data);
  }

  /** A FLUSH: a commit point when something changed (the data device is flushed first). */
  async flush(): Promise<void> {
    this.checkFail();
    if (!(await this.pool.commit())) throw ioError('EIO');
  }

  /** Whole data blocks only (partial ones are left alone); mapped ones are unmapped. */
  async discard(offset: number, length: number): Promise<void> {
    this.checkFail();
    if (!this.pool.features.discardEnabled) return;
    if (this.pool.mode !== 'write' && this.pool.mode !== 'out-of-data-space') return;
    const bb = this.pool.blockBytes;
    await this.unmapRange(Math.ceil(offset / bb), Math.floor((offset + length) / bb), this.pool.discardPassdown);
  }

  /**
   * Unmaps the mapped blocks of [begin, end), found one at a time so that nothing proportional to
   * the range is held. A data block nobody maps any more is discarded on the data device when
   * `passdown`, pinned meanwhile so that it is not handed out again.
   */
  private async unmapRange(begin: number, end: number, passdown: boolean): Promise<void> {
    const pool = this.pool;
    const bb = pool.blockBytes;
    let at = begin;
    while (at < end) {
      let next: ReturnType<ThinPool['md']['nextMapped']>;
      try {
        next = pool.md.nextMapped(this.devId, at);
      } catch {
        throw ioError('EIO');
      }
      if (!next || next[0] >= end) return;
      const vblock = next[0];
      await pool.prison.detain(this.cell(vblock), async () => {
        const m = this.lookup(vblock);
        if (!m) return;
        if (!pool.metadataOp('dm_thin_remove_range', () => pool.md.removeRange(this.devId, vblock, vblock + 1))) throw ioError('EIO');
        if (!passdown || pool.md.dataCount(m.block) !== 0) return;
        if (!pool.metadataOp('dm_pool_inc_data_range', () => pool.md.incDataRange(m.block, m.block + 1))) throw ioError('EIO');
        try {
          await pool.data.discard(m.block * bb, bb);
        } catch {
          // The passdown failing does not undo the unmapping.
        }
        if (!pool.metadataOp('dm_pool_dec_data_range', () => pool.md.decDataRange(m.block, m.block + 1))) throw ioError('EIO');
      });
      at = vblock + 1;
    }
  }

  /**
   * Zeros: whole blocks are unmapped (they read as zeros) unless `noUnmap`; the rest is written
   * with zeros where it is mapped, or everywhere with `noUnmap`, so that it stays allocated.
   */
  async writeZeroes(offset: number, length: number, noUnmap = false): Promise<void> {
    this.checkFail();
    const bb = this.pool.blockBytes;
    const end = offset + length;
    const canUnmap = !noUnmap && (this.pool.mode === 'write' || this.pool.mode === 'out-of-data-space');
    const first = Math.ceil(offset / bb);
    const last = Math.floor(end / bb);
    if (canUnmap && first < last) {
      await this.unmapRange(first, last, false);
      // Only the partial blocks at the edges are left to zero.
      await this.zeroPieces(offset, Math.min(first * bb, end) - offset, false);
      await this.zeroPieces(last * bb, end - last * bb, false);
    } else await this.zeroPieces(offset, length, noUnmap);
  }

  /** Writes zeros block by block, a bounded batch at a time; unmapped blocks already read as zeros unless `provision`. */
  private async zeroPieces(offset: number, length: number, provision: boolean): Promise<void> {
    if (length <= 0) return;
    const BATCH = 64;
    let batch: Promise<void>[] = [];
    for (const p of this.pieces(offset, length)) {
      if (!provision && !this.lookup(p.vblock)) continue;
      batch.push(this.writeBlock(p, new Uint8Array(p.length)));
      if (batch.length === BATCH) {
        await Promise.all(batch);
        batch = [];
      }
    }
    await Promise.all(batch);
  }

  /** Exact: unprovisioned blocks are holes that read as zeros, found by walking the mappings in the range. */
  async extents(offset: number, length: number): Promise<Extent[]> {
    if (offset < 0 || length < 0 || offset + length > this.size) throw new TargetIoError(`I/O ${offset}+${length} beyond the end of the device (${this.size})`, 'EINVAL');
    const bb = this.pool.blockBytes;
    const out: Extent[] = [];
    const push = (n: number, hole: boolean) => {
      if (n <= 0) return;
      const last = out[out.length - 1];
      if (last && !!last.hole === hole) last.length += n;
      else out.push(hole ? { length: n, zero: true, hole: true } : { length: n, zero: false });
    };
    const end = offset + length;
    let pos = offset;
    while (pos < end) {
      let next: ReturnType<ThinPool['md']['nextMapped']>;
      try {
        next = this.pool.md.nextMapped(this.devId, Math.floor(pos / bb));
      } catch {
        throw ioError('EIO');
      }
      const mappedAt = next ? Math.max(next[0] * bb, pos) : end;
      if (mappedAt >= end) {
        push(end - pos, true);
        break;
      }
      push(mappedAt - pos, true);
      const stop = Math.min((next![0] + 1) * bb, end);
      push(stop - mappedAt, false);
      pos = stop;
    }
    return out;
  }

  /** thin_status: mapped sectors and the highest mapped sector, or `-` when nothing is mapped. */
  status(): string {
    if (this.pool.mode === 'fail') return 'Fail';
    try {
      const d = this.pool.md.deviceDetails(this.devId);
      if (!d) return '-';
      const bs = this.pool.dataBlockSize;
      const highest = this.pool.md.highestMapped(this.devId);
      return `${d.mappedBlocks * bs} ${highest === undefined ? '-' : (highest + 1) * bs - 1}`;
    } catch {
      return 'Error';
    }
  }
}
