// Which 4 KiB blocks of a mounted backup have been written to its overlay: one bit per block,
// kept in a file beside the overlay's data so that mounting again with the same overlay sees
// the writes. Bits are only ever set, and a block's bit reaches the disk only after its data
// did (the overlay's flush syncs the data before it writes the bitmap), so a torn or lost
// bitmap write can only forget a write that had not been flushed.
import { open, rename, type FileHandle } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { UlvmError } from '../errors.ts';

export const OVERLAY_BLOCK = 4096;
const MAGIC = 'ULVMOVL1';
/** The header takes one block: the bits start block-aligned. */
const HEADER = 4096;

export interface OverlayIdentity {
  /** Bytes of the volume the overlay covers. */
  size: number;
  /** What the overlay was made over (a digest of the backup volume): another backup refuses it. */
  fingerprint: string;
}

export class OverlayBitmap {
  /** Dirty bytes of `bits` not yet written: [lo, hi). */
  private lo = Infinity;
  private hi = 0;

  private constructor(
    readonly path: string,
    private readonly fh: FileHandle | undefined,
    readonly blocks: number,
    private readonly bits: Uint8Array,
  ) {}

  static exists(path: string): boolean {
    return existsSync(path);
  }

  /**
   * Opens the bitmap at `path`, or (writable, when there is none) creates an empty one; its
   * header must name the same volume.
   */
  static async open(path: string, id: OverlayIdentity, writable: boolean): Promise<OverlayBitmap> {
    const blocks = Math.ceil(id.size / OVERLAY_BLOCK);
    const nbytes = Math.ceil(blocks / 8);
    if (!existsSync(path)) {
      if (!writable) return new OverlayBitmap(path, undefined, blocks, new Uint8Array(nbytes));
      // Created whole under a temporary name: a crash leaves no half-written header.
      const tmp = `${path}.tmp`;
      const fh = await open(tmp, 'w');
      await fh.write(header(id), 0, HEADER, 0);
      await fh.truncate(HEADER + nbytes);
      await fh.datasync();
      await fh.close();
      await rename(tmp, path);
    }
    const fh = await open(path, writable ? 'r+' : 'r');
    try {
      const h = new Uint8Array(HEADER);
      await fh.read(h, 0, HEADER, 0);
      const want = header(id);
      if (Buffer.compare(h, want) !== 0) {
        throw new UlvmError('BACKUP', [`Overlay bitmap ${path} belongs to another volume or backup.`], 5, { detail: 'overlay mismatch' });
      }
      const bits = new Uint8Array(nbytes);
      await fh.read(bits, 0, nbytes, HEADER);
      if (!writable) {
        await fh.close();
        return new OverlayBitmap(path, undefined, blocks, bits);
      }
      return new OverlayBitmap(path, fh, blocks, bits);
    } catch (e) {
      await fh.close().catch(() => undefined);
      throw e;
    }
  }

  has(block: number): boolean {
    return (this.bits[block >> 3]! & (1 << (block & 7))) !== 0;
  }

  /** Marks blocks [first, last] written (in memory until persist). */
  set(first: number, last: number): void {
    for (let b = first; b <= last; b++) this.bits[b >> 3]! |= 1 << (b & 7);
    this.lo = Math.min(this.lo, first >> 3);
    this.hi = Math.max(this.hi, (last >> 3) + 1);
  }

  /** Blocks marked written. */
  count(): number {
    let n = 0;
    for (let b = 0; b < this.blocks; b++) if (this.has(b)) n++;
    return n;
  }

  /**
   * Takes the dirty bits as they are now: the caller syncs the data they cover, then writes them
   * with `persist`. Bits set in between stay dirty for the next flush.
   */
  takeDirty(): { at: number; bytes: Uint8Array } | undefined {
    if (this.lo >= this.hi) return undefined;
    const d = { at: this.lo, bytes: this.bits.slice(this.lo, this.hi) };
    this.lo = Infinity;
    this.hi = 0;
    return d;
  }

  async persist(d: { at: number; bytes: Uint8Array } | undefined): Promise<void> {
    if (!d || !this.fh) return;
    try {
      await this.fh.write(d.bytes, 0, d.bytes.length, HEADER + d.at);
      await this.fh.datasync();
    } catch (e) {
      // Still to be written.
      this.lo = Math.min(this.lo, d.at);
      this.hi = Math.max(this.hi, d.at + d.bytes.length);
      throw e;
    }
  }

  async close(): Promise<void> {
    await this.fh?.close();
  }
}

function header(id: OverlayIdentity): Buffer {
  const h = Buffer.alloc(HEADER);
  h.write(MAGIC, 0, 'latin1');
  h.writeUInt32LE(OVERLAY_BLOCK, 8);
  h.writeBigUInt64LE(BigInt(id.size), 16);
  h.write(id.fingerprint, 32, 'latin1');
  return h;
}
