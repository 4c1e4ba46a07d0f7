// A persisted change map of one LV: a bitmap of fixed-size regions written since the map's current
// generation began, kept crash-safe the way md's write-intent bitmap is (drivers/md/md-bitmap.c):
// before a write to a region whose bit is not yet durably set goes down, the bit is set, its
// bitmap page written and fdatasync'd. A crash therefore leaves a map that errs towards
// "changed" (a bit set for a write that never happened), never one that misses an acknowledged
// write. Bits are only ever set within a generation, so a torn page write can lose only bits of
// writes still waiting at the gate (not yet passed down).
//
// The file (`<dir>/<lv id>`): a 4 KiB header page, then bitmap pages of 4 KiB (bit r of the
// bitmap at byte r>>3, bit r&7). A rotate (at a backup's instant) writes the next generation's
// file beside it and renames it over, so the file on disk is always one whole generation.
import { closeSync, existsSync, fdatasync, fsyncSync, mkdirSync, openSync, readSync, renameSync, write, writeSync, fstatSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { lvmCrc } from '../formats/crc.ts';

const pwrite = promisify(write);
const datasync = promisify(fdatasync);

export const CHANGE_MAP_PAGE = 4096;
const MAGIC = 'ULVMCMAP';
const VERSION = 1;
/** The generation does not know every write since its start (the map's first, or one rebuilt from a lost file). */
const FLAG_ALL = 1;
export const DEFAULT_REGION_SIZE = 1 << 20;

/** What a rotate hands the backup: the map of the generation that ended. */
export interface RotatedChangeMap {
  /** The generation that ended (the next backup's map is of generation + 1). */
  generation: number;
  regionSize: number;
  /** The bitmap, base64 (bit r: bytes [r × regionSize, (r+1) × regionSize) may have changed). */
  bitmap: string;
  /** True when the generation cannot vouch for what it missed: everything counts as changed. */
  all: boolean;
  note?: string;
}

interface Header {
  flags: number;
  regionSize: number;
  generation: number;
}

function encodeHeader(h: Header): Uint8Array {
  const b = new Uint8Array(CHANGE_MAP_PAGE);
  const v = new DataView(b.buffer);
  b.set(new TextEncoder().encode(MAGIC), 0);
  v.setUint32(8, VERSION, true);
  v.setUint32(12, h.flags, true);
  v.setUint32(16, h.regionSize, true);
  v.setBigUint64(24, BigInt(h.generation), true);
  v.setUint32(60, lvmCrc(b.subarray(0, 60)), true);
  return b;
}

function decodeHeader(b: Uint8Array): Header | undefined {
  if (b.length < CHANGE_MAP_PAGE || new TextDecoder().decode(b.subarray(0, 8)) !== MAGIC) return undefined;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (v.getUint32(60, true) !== lvmCrc(b.subarray(0, 60)) || v.getUint32(8, true) !== VERSION) return undefined;
  const regionSize = v.getUint32(16, true);
  if (regionSize < 512 || regionSize & (regionSize - 1)) return undefined;
  return { flags: v.getUint32(12, true), regionSize, generation: Number(v.getBigUint64(24, true)) };
}

function writeWhole(path: string, h: Header, bitmap: Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.new`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, encodeHeader(h), 0, CHANGE_MAP_PAGE, 0);
    if (bitmap.length) writeSync(fd, bitmap, 0, bitmap.length, CHANGE_MAP_PAGE);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  const d = openSync(dirname(path), 'r');
  try {
    fsyncSync(d);
  } finally {
    closeSync(d);
  }
}

function pagesFor(bytes: number): number {
  return Math.ceil(bytes / CHANGE_MAP_PAGE) * CHANGE_MAP_PAGE;
}

export class ChangeMap {
  private header: Header;
  /** Bits as the running writes set them. */
  private bits: Uint8Array;
  /** Bits known to be on disk. */
  private durable: Uint8Array;
  private fd: number;
  /** Per bitmap page: the write of it under way. */
  private readonly flushing = new Map<number, Promise<void>>();
  /** Writes past the gate and not yet completed, by token: their first and last region. */
  private readonly inFlight = new Map<number, [number, number]>();
  private nextToken = 1;
  /** A rotate writing the next generation's file: page writes wait for it. */
  private rotating?: Promise<void>;
  private closed = false;
  /** Writes that had to wait for their bit to be made durable, and those that did not (for the report). */
  readonly counts = { slow: 0, fast: 0 };

  private constructor(
    readonly path: string,
    h: Header,
    bitmap: Uint8Array,
  ) {
    this.header = h;
    this.bits = bitmap;
    this.durable = bitmap.slice();
    this.fd = openSync(path, 'r+');
  }

  /** A new map: its first generation (1) says 'all', since writes before it are unknown. */
  static create(path: string, regionSize = DEFAULT_REGION_SIZE): ChangeMap {
    if (regionSize < 512 || regionSize & (regionSize - 1) || regionSize > 2 ** 31) throw new Error(`Change map region size ${regionSize} is not a power of two from 512 bytes to 2 GiB.`);
    const h = { flags: FLAG_ALL, regionSize, generation: 1 };
    writeWhole(path, h, new Uint8Array(0));
    return new ChangeMap(path, h, new Uint8Array(0));
  }

  /**
   * The map in `path`; a file that is not a map (torn header, wrong magic) is replaced by a new
   * generation that says 'all' (its number one past nothing known: 0 + 1 would equal a fresh
   * map's, so the broken one's is unknowable and the backup chain breaks either way).
   */
  static open(path: string, regionSize = DEFAULT_REGION_SIZE): { map: ChangeMap; note?: string } {
    if (!existsSync(path)) return { map: ChangeMap.create(path, regionSize), note: 'the change map file was missing' };
    const fd = openSync(path, 'r');
    let h: Header | undefined;
    let bitmap = new Uint8Array(0);
    try {
      const size = fstatSync(fd).size;
      const head = new Uint8Array(CHANGE_MAP_PAGE);
      if (readSync(fd, head, 0, CHANGE_MAP_PAGE, 0) === CHANGE_MAP_PAGE) h = decodeHeader(head);
      if (h) {
        bitmap = new Uint8Array(pagesFor(Math.max(0, size - CHANGE_MAP_PAGE)));
        readSync(fd, bitmap, 0, bitmap.length, CHANGE_MAP_PAGE);
      }
    } finally {
      closeSync(fd);
    }
    if (!h) return { map: ChangeMap.create(path, regionSize), note: 'the change map file was corrupt' };
    return { map: new ChangeMap(path, h, bitmap) };
  }

  get regionSize(): number {
    return this.header.regionSize;
  }
  get generation(): number {
    return this.header.generation;
  }

  private grow(bytes: number): void {
    if (bytes <= this.bits.length) return;
    const n = pagesFor(Math.max(bytes, this.bits.length * 2));
    const b = new Uint8Array(n);
    b.set(this.bits);
    const d = new Uint8Array(n);
    d.set(this.durable);
    this.bits = b;
    this.durable = d;
  }

  /** The gate a mapped device calls before a write, discard or write-zeroes goes down. */
  readonly beforeWrite = async (offset: number, length: number): Promise<() => void> => {
    const shift = Math.log2(this.header.regionSize);
    const first = Math.floor(offset / 2 ** shift);
    const last = Math.floor((offset + length - 1) / 2 ** shift);
    const token = this.nextToken++;
    // Counted in flight from now: a rotate from here on puts these regions into the new generation too.
    this.inFlight.set(token, [first, last]);
    let waited = false;
    try {
      for (;;) {
        const pages = this.missing(first, last);
        if (!pages.length) break;
        waited = true;
        await Promise.all(pages.map((p) => this.persistPage(p)));
      }
    } catch (e) {
      this.inFlight.delete(token);
      throw e;
    }
    if (waited) this.counts.slow++;
    else this.counts.fast++;
    return () => void this.inFlight.delete(token);
  };

  /** Sets the regions' bits; the pages whose bits are not all durable yet. */
  private missing(first: number, last: number): number[] {
    this.grow((last >> 3) + 1);
    const pages = new Set<number>();
    for (let r = first; r <= last; r++) {
      const byte = r >> 3;
      const bit = 1 << (r & 7);
      this.bits[byte]! |= bit;
      if (!(this.durable[byte]! & bit)) pages.add(Math.floor(byte / CHANGE_MAP_PAGE));
    }
    return [...pages];
  }

  /** Writes one bitmap page as it is now and waits until it is on disk (joined by whoever sets bits meanwhile). */
  private async persistPage(page: number): Promise<void> {
    for (;;) {
      if (this.rotating) {
        await this.rotating;
        continue;
      }
      const busy = this.flushing.get(page);
      if (busy) {
        // The write under way may have copied the page before our bit: wait, then look again.
        await busy;
        return;
      }
      break;
    }
    if (this.closed) throw new Error(`The change map ${this.path} is closed.`);
    const at = page * CHANGE_MAP_PAGE;
    const copy = this.bits.slice(at, at + CHANGE_MAP_PAGE);
    const fd = this.fd;
    const gen = this.header.generation;
    const job = (async () => {
      await pwrite(fd, copy, 0, copy.length, CHANGE_MAP_PAGE + at);
      await datasync(fd);
      // A rotate may have begun meanwhile: these bits are durable for the old generation only.
      if (this.header.generation === gen) for (let i = 0; i < copy.length; i++) this.durable[at + i]! |= copy[i]!;
    })();
    this.flushing.set(page, job);
    try {
      await job;
    } finally {
      if (this.flushing.get(page) === job) this.flushing.delete(page);
    }
  }

  /**
   * Ends this generation and starts the next; returns the ended one's map. Atomic with respect to
   * writes: the swap happens in one step of the event loop, and the regions of writes in flight
   * (past the gate or waiting at it) are set in the new generation too, since such a write may
   * land before or after the snapshot taken at this instant.
   */
  async rotate(): Promise<RotatedChangeMap> {
    while (this.rotating) await this.rotating;
    const ended = this.header;
    const bitmap = this.bits;
    const next: Header = { flags: 0, regionSize: ended.regionSize, generation: ended.generation + 1 };
    const fresh = new Uint8Array(bitmap.length);
    for (const [first, last] of this.inFlight.values()) for (let r = first; r <= last; r++) fresh[r >> 3]! |= 1 << (r & 7);
    this.header = next;
    this.bits = fresh;
    this.durable = new Uint8Array(fresh.length);
    const old = this.fd;
    let release!: () => void;
    this.rotating = new Promise<void>((r) => (release = r));
    try {
      // Page writes under way to the old file finish first; writes arriving now wait for the new file.
      await Promise.all([...this.flushing.values()].map((p) => p.catch(() => undefined)));
      writeWhole(this.path, next, fresh);
      this.fd = openSync(this.path, 'r+');
      closeSync(old);
      // What the new file holds (the bitmap may have grown meanwhile; the rest is not durable).
      const d = new Uint8Array(this.bits.length);
      d.set(fresh);
      this.durable = d;
    } finally {
      this.rotating = undefined;
      release();
    }
    return {
      generation: ended.generation,
      regionSize: ended.regionSize,
      bitmap: Buffer.from(bitmap.buffer, bitmap.byteOffset, bitmap.byteLength).toString('base64'),
      all: (ended.flags & FLAG_ALL) !== 0,
      ...(ended.flags & FLAG_ALL ? { note: ended.generation === 1 ? 'the change map began after the volume was in use' : 'the change map was rebuilt' } : {}),
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}

/** Where an LV's change map lives under the system directory. */
export function changeMapPath(systemDir: string, lvId: string): string {
  return join(systemDir, 'changemap', lvId);
}
