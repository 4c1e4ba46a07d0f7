// Who else is using a device: loop devices backed by a file, filesystems mounted from a device.
// The kernel answers through sysfs and /proc/self/mountinfo; Node has no ioctls, so this reads
// those files. Used to refuse writes to a device in use (lvm2's exclusive open), to resize the
// filesystem on an LV (-r), and to freeze a mounted filesystem around a snapshot.
import { closeSync, constants, existsSync, openSync, readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { errnoCode } from './errno.ts';

export interface LoopDevice {
  /** /dev/loopN */
  dev: string;
  /** `major:minor` */
  devno: string;
  /** Where the loop starts in its backing file, and how much of it it covers (0: to the end). */
  offset: number;
  sizeLimit: number;
}

export interface Mount {
  /** `major:minor` of the mounted device. */
  devno: string;
  mountPoint: string;
  fsType: string;
  source: string;
}

function readSys(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function canonical(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/**
 * Loop devices whose backing file is `file`; with `range` (bytes) only those that overlap it (a
 * partition `disk.img:p1` is used by a loop over the whole disk, or one with that offset).
 */
export function loopDevicesBackedBy(file: string, range?: { offset: number; length: number }): LoopDevice[] {
  const want = canonical(file);
  let names: string[];
  try {
    names = readdirSync('/sys/block').filter((n) => n.startsWith('loop'));
  } catch {
    return [];
  }
  const out: LoopDevice[] = [];
  for (const n of names) {
    const backing = readSys(`/sys/block/${n}/loop/backing_file`);
    // The kernel appends " (deleted)" when the file was unlinked; such a loop holds no name.
    if (!backing || canonical(backing) !== want) continue;
    const offset = Number(readSys(`/sys/block/${n}/loop/offset`) ?? 0);
    const sizeLimit = Number(readSys(`/sys/block/${n}/loop/sizelimit`) ?? 0);
    if (range) {
      const end = sizeLimit ? offset + sizeLimit : Infinity;
      if (end <= range.offset || offset >= range.offset + range.length) continue;
    }
    out.push({ dev: `/dev/${n}`, devno: readSys(`/sys/block/${n}/dev`) ?? '', offset, sizeLimit });
  }
  return out;
}

/** mountinfo escapes space, tab, newline and backslash as octal. */
function unescape(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

export function mounts(): Mount[] {
  const text = readSys('/proc/self/mountinfo');
  if (!text) return [];
  const out: Mount[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    const sep = f.indexOf('-');
    if (sep < 0 || f.length < sep + 3) continue;
    out.push({ devno: f[2]!, mountPoint: unescape(f[4]!), fsType: f[sep + 1]!, source: unescape(f[sep + 2]!) });
  }
  return out;
}

/** `major:minor` of a block device node, undefined for anything else. */
export function blockDevno(path: string): string | undefined {
  try {
    const st = statSync(path);
    if (!st.isBlockDevice()) return undefined;
    return `${(st.rdev >> 8) & 0xfff}:${(st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00)}`;
  } catch {
    return undefined;
  }
}

/** Filesystems mounted from the block device `devno` (a device may be mounted at several places). */
export function mountsOfDevno(devno: string): Mount[] {
  return mounts().filter((m) => m.devno === devno);
}

/** Holders of a block device in the kernel (device-mapper, md, …): /sys/class/block/X/holders. */
export function kernelHolders(path: string): string[] {
  try {
    const name = realpathSync(path).replace(/^.*\//, '');
    return readdirSync(`/sys/class/block/${name}/holders`);
  } catch {
    return [];
  }
}

export interface InUse {
  /** What to tell the user, e.g. `/dev/loop3 mounted on /mnt`. */
  what: string;
}

/**
 * Why a device (a block device, or a file with an optional byte range in it) is in use by the
 * kernel right now: mounted, or backing a loop device. Empty when nobody is using it.
 */
export function deviceUsers(path: string, range?: { offset: number; length: number }): InUse[] {
  const devno = blockDevno(path);
  if (devno) {
    const out: InUse[] = mountsOfDevno(devno).map((m) => ({ what: `${path} mounted on ${m.mountPoint}` }));
    for (const h of kernelHolders(path)) out.push({ what: `${path} held by ${h}` });
    return out;
  }
  const out: InUse[] = [];
  for (const loop of loopDevicesBackedBy(path, range)) {
    const m = mountsOfDevno(loop.devno);
    out.push({ what: m.length ? `${loop.dev} (backed by ${path}) mounted on ${m[0]!.mountPoint}` : `${loop.dev} is backed by ${path}` });
  }
  return out;
}

/** Mount points of filesystems living on `file` through a loop device (the LV files of the device tree). */
export function mountsThroughLoop(file: string): { loop: LoopDevice; mount: Mount }[] {
  const out: { loop: LoopDevice; mount: Mount }[] = [];
  for (const loop of loopDevicesBackedBy(file)) for (const mount of mountsOfDevno(loop.devno)) out.push({ loop, mount });
  return out;
}

/**
 * True when the kernel refuses to let us claim the block device: open(O_EXCL) without O_CREAT
 * fails with EBUSY while it is mounted, held by a loop/dm/md device, or claimed by a process.
 */
export function claimedExclusively(dev: string): boolean {
  try {
    closeSync(openSync(dev, constants.O_RDONLY | constants.O_EXCL));
    return false;
  } catch (e) {
    return errnoCode(e) === 'EBUSY';
  }
}

export interface KernelPartition {
  /** /dev/sdb1 */
  dev: string;
  /** Bytes from the start of the disk. */
  offset: number;
  length: number;
}

/** The partitions the kernel made of a block device (/sys/class/block/DISK/PART/{start,size}). */
export function kernelPartitions(disk: string): KernelPartition[] {
  let name: string;
  try {
    name = realpathSync(disk).replace(/^.*\//, '');
  } catch {
    return [];
  }
  let entries: string[];
  try {
    entries = readdirSync(`/sys/class/block/${name}`);
  } catch {
    return [];
  }
  const out: KernelPartition[] = [];
  for (const e of entries) {
    const base = `/sys/class/block/${name}/${e}`;
    if (!existsSync(`${base}/partition`)) continue;
    const start = Number(readSys(`${base}/start`) ?? NaN);
    const size = Number(readSys(`${base}/size`) ?? NaN);
    if (!Number.isFinite(start) || !Number.isFinite(size)) continue;
    out.push({ dev: `/dev/${e}`, offset: start * 512, length: size * 512 });
  }
  return out;
}

function overlaps(a: { offset: number; length: number }, b: { offset: number; length: number }): boolean {
  return a.offset < b.offset + b.length && b.offset < a.offset + a.length;
}

/**
 * Who keeps a range of a block device (one of ulvm's `disk:pN` partitions) from being claimed.
 * A claimed kernel partition also makes its whole disk unclaimable, so when the disk is busy only
 * the partitions that overlap the range count; when none is claimed, the disk itself is held.
 */
export function blockRangeUsers(disk: string, range: { offset: number; length: number }): string[] {
  if (!claimedExclusively(disk)) return [];
  const claimed = kernelPartitions(disk).filter((p) => claimedExclusively(p.dev));
  if (!claimed.length) {
    const users = deviceUsers(disk).map((u) => u.what);
    return users.length ? users : [`${disk} is claimed by another process`];
  }
  return claimed.filter((p) => overlaps(p, range)).map((p) => `${p.dev} is in use`);
}

/**
 * Why an image file (or a byte range of one) cannot be claimed: the kernel has no exclusive open
 * for regular files, so a loop device over it (mounted or not) stands for lvm2's EBUSY.
 */
export function fileRangeUsers(file: string, range?: { offset: number; length: number }): string[] {
  return deviceUsers(file, range).map((u) => u.what);
}
