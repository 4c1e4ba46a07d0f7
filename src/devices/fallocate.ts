// fallocate(2) and lseek(2)'s SEEK_DATA/SEEK_HOLE on a descriptor, for the data path: Node's fs
// binds neither, so they are called in libc through koffi, an FFI whose npm packages carry their
// binaries (nothing is compiled or downloaded at install). Where it cannot load (another platform
// or libc) every call reports that it did nothing, and callers fall back: zeros are written and
// every range counts as data.
import type { KoffiFunc } from 'koffi';

const FALLOC_FL_KEEP_SIZE = 0x01;
const FALLOC_FL_PUNCH_HOLE = 0x02;
const FALLOC_FL_ZERO_RANGE = 0x10;
const SEEK_DATA = 3;
const SEEK_HOLE = 4;
const ENXIO = 6;

/** A run of a file: allocated (data) or a hole (no blocks, reads as zeros). */
export interface Allocation {
  length: number;
  hole: boolean;
}

interface Libc {
  /** Resolves false when the call failed (unsupported, misaligned on a block device, I/O error). */
  fallocate(fd: number, mode: number, offset: number, length: number): Promise<boolean>;
  /** The new offset, or -errno. */
  lseek(fd: number, offset: number, whence: number): number;
}

let libc: Promise<Libc | undefined> | undefined;

type Koffi = typeof import('koffi').default;

/**
 * Loaded only when the data path first needs it (commands never pay for it). The bundle runs as
 * CommonJS inside vm.Script, where import() of a package fails but its own require works; from
 * source (ESM under tsx) there is no require, and import() works.
 */
async function koffiModule(): Promise<Koffi> {
  return typeof require === 'function' ? (require('koffi') as Koffi) : (await import('koffi')).default;
}

function load(): Promise<Libc | undefined> {
  libc ??= (async (): Promise<Libc | undefined> => {
    if (process.platform !== 'linux') return undefined;
    try {
      const koffi = await koffiModule();
      const lib = koffi.load('libc.so.6');
      const fallocate = lib.func('int fallocate(int fd, int mode, int64_t offset, int64_t len)') as KoffiFunc<(fd: number, mode: number, offset: number, len: number) => number>;
      const lseek = lib.func('int64_t lseek(int fd, int64_t offset, int whence)') as KoffiFunc<(fd: number, offset: number, whence: number) => number | bigint>;
      return {
        // On a pool thread: punching a large range takes the filesystem a while.
        fallocate: (fd, mode, offset, length) => new Promise((resolve) => fallocate.async(fd, mode, offset, length, (err: unknown, r: number) => resolve(!err && r === 0))),
        // Synchronous: a lookup in the extent tree, cheaper than a trip to the pool (about 0.3 µs).
        lseek: (fd, offset, whence) => {
          const at = Number(lseek(fd, offset, whence));
          return at < 0 ? -koffi.errno() : at;
        },
      };
    } catch {
      return undefined;
    }
  })();
  return libc;
}

/** Deallocates [offset, offset+length): it reads as zeros after (FALLOC_FL_PUNCH_HOLE). */
export async function punchHole(fd: number, offset: number, length: number): Promise<boolean> {
  const c = await load();
  return c ? c.fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, length) : false;
}

/** Zeroes [offset, offset+length) keeping it allocated (FALLOC_FL_ZERO_RANGE: unwritten extents). */
export async function zeroRange(fd: number, offset: number, length: number): Promise<boolean> {
  const c = await load();
  return c ? c.fallocate(fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, offset, length) : false;
}

/**
 * Data and holes of [offset, offset+length) of a file, from SEEK_DATA/SEEK_HOLE. Past the end of
 * the file is a hole; where the lookup is not possible everything is data.
 */
export async function allocation(fd: number, offset: number, length: number): Promise<Allocation[]> {
  const c = await load();
  const end = offset + length;
  if (!c || length === 0) return length ? [{ length, hole: false }] : [];
  const out: Allocation[] = [];
  const push = (n: number, hole: boolean) => {
    if (n <= 0) return;
    const last = out[out.length - 1];
    if (last && last.hole === hole) last.length += n;
    else out.push({ length: n, hole });
  };
  let pos = offset;
  while (pos < end) {
    const data = c.lseek(fd, pos, SEEK_DATA);
    if (data === -ENXIO) break; // no data from here to the end of the file
    if (data < 0) return [{ length, hole: false }];
    if (data >= end) break;
    push(data - pos, true);
    const hole = c.lseek(fd, data, SEEK_HOLE);
    const to = hole < 0 ? end : Math.min(hole, end);
    if (to <= pos) return [{ length, hole: false }]; // no progress: trust nothing
    push(to - data, false);
    pos = to;
  }
  push(end - pos, true);
  return out;
}
