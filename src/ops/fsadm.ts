// fsadm's `check` and `resize` (lvm2 2.03.16 scripts/fsadm.sh), which lvresize -r runs, done in
// ulvm itself so that it needs no lvm2 installed: the same tools (blkid, fsck, resize2fs, umount,
// mount) run with the same arguments, and fsadm's own lines, prompt and exit statuses are its.
// What differs is ulvm's device: VOLUME is the LV's file in the daemon's device tree, and a
// mounted LV is mounted from a loop device over that file, not from a dm device.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { runTool, type ToolEnv, type ToolOptions, type ToolRun } from './fs-tools.ts';
import { loopDevicesBackedBy, mountsOfDevno, type LoopDevice } from '../devices/holders.ts';
import { EXT_SUPERBLOCK_OFFSET, EXT_SUPERBLOCK_SIZE, parseExtSuperblock, type ExtSuperblock } from '../formats/ext-superblock.ts';

export interface FsadmOptions extends ToolEnv {
  /** --yes: answer the unmount question. */
  yes: boolean;
  /** --force: passed on to fsck and resize2fs as -f. */
  force: boolean;
  verbose: boolean;
  /** Whether stdout is a terminal: there a bare Enter answers yes. */
  tty: boolean;
  /** fsadm's VOLUME: the LV's mapper-named file (fsadm resolves /dev/VG/LV to /dev/mapper/VG-LV). */
  volume: string;
  /** The LV's files (both names of one inode): a mounted loop device over either is the LV mounted. */
  files: string[];
}

/** fsadm's exit status (0 done, 1 failed, 3 check skipped: mounted), and why an online grow failed. */
export interface FsadmResult {
  status: number;
  /** The kernel refused to grow the mounted filesystem (no CAP_SYS_RESOURCE): where it is mounted. */
  onlineRefusedAt?: string;
}

export const FSADM_CHECK_FAILS_FOR_MOUNTED = 3;

/** fsadm's `cleanup N; exit N`. */
class FsadmExit extends Error {
  constructor(readonly status: number) {
    super(`fsadm exits with ${status}`);
  }
}

interface Mounted {
  mountPoint: string;
  /** Loop devices over the LV's file holding that mount (their size must follow the LV's). */
  loops: LoopDevice[];
}

/** resize2fs's words when the kernel refuses EXT4_IOC_RESIZE_FS for want of CAP_SYS_RESOURCE. */
const ONLINE_REFUSED = /Permission denied to resize filesystem|Operation not permitted/;

class Fsadm {
  private remount?: string;
  private fsType = '';
  private onlineRefusedAt?: string;

  constructor(private readonly o: FsadmOptions) {}

  async run(body: () => Promise<void>): Promise<FsadmResult> {
    let status = 0;
    try {
      await body();
    } catch (e) {
      if (!(e instanceof FsadmExit)) throw e;
      status = e.status;
    }
    // fsadm remounts what it unmounted whether or not the resize worked.
    if (this.remount) {
      this.verbose('Remounting unmounted filesystem back');
      await this.dry('mount', [this.o.volume, this.remount]);
    }
    return { status, ...(this.onlineRefusedAt ? { onlineRefusedAt: this.onlineRefusedAt } : {}) };
  }

  private verbose(msg: string): void {
    if (this.o.verbose) this.o.io.out(`fsadm: ${msg}\n`);
  }

  private error(...lines: string[]): never {
    for (const l of lines) this.o.io.err(`fsadm: ${l}\n`);
    throw new FsadmExit(1);
  }

  private dry(cmd: string, args: string[], opts: ToolOptions = {}): Promise<ToolRun> {
    this.verbose(`Executing ${[cmd, ...args].join(' ')}`);
    return runTool(this.o, cmd, args, opts);
  }

  private async detectFs(): Promise<void> {
    const r = await runTool(this.o, 'blkid', ['-c', '/dev/null', '-s', 'TYPE', this.o.volume], { quiet: true });
    const m = /TYPE="([^"]*)"/.exec(r.stdout);
    if (!m) this.error(`Cannot get FSTYPE of "${this.o.volume}".`);
    this.fsType = m[1]!;
    this.verbose(`"${this.fsType}" filesystem found on "${this.o.volume}".`);
  }

  /** detect_mounted: the first mount, in mountinfo's order, of a whole-LV loop device over the LV. */
  private detectMounted(): Mounted | undefined {
    const loops = new Map<string, LoopDevice>();
    for (const f of this.o.files) for (const l of loopDevicesBackedBy(f)) if (l.offset === 0 && l.sizeLimit === 0) loops.set(l.dev, l);
    const mounted = [...loops.values()].flatMap((loop) => mountsOfDevno(loop.devno).map((m) => ({ loop, m })));
    if (!mounted.length) return undefined;
    const mountPoint = mounted[0]!.m.mountPoint;
    return { mountPoint, loops: [...new Set(mounted.filter((x) => x.m.mountPoint === mountPoint).map((x) => x.loop))] };
  }

  private superblock(): ExtSuperblock | undefined {
    const buf = new Uint8Array(EXT_SUPERBLOCK_SIZE);
    let fd: number;
    try {
      fd = openSync(this.o.volume, 'r');
    } catch {
      return undefined;
    }
    try {
      return readSync(fd, buf, 0, buf.length, EXT_SUPERBLOCK_OFFSET) === buf.length ? parseExtSuperblock(buf) : undefined;
    } catch {
      return undefined;
    } finally {
      closeSync(fd);
    }
  }

  private unsupported(): never {
    // fsadm also handles these, through tools or dm devices ulvm does not drive yet.
    if (['xfs', 'reiserfs', 'crypto_LUKS'].includes(this.fsType))
      this.error(`Filesystem "${this.fsType}" on device "${this.o.volume}" is not supported by ulvm's fsadm yet (only ext2, ext3 and ext4 are).`);
    this.error(`Filesystem "${this.fsType}" on device "${this.o.volume}" is not supported by this tool.`);
  }

  private isExt(): boolean {
    return /^ext[234]$/.test(this.fsType);
  }

  /** fsadm's yes_no: the first y or n typed decides; Enter means yes on a terminal; EOF means no. */
  private yesNo(question: string): boolean {
    this.o.io.out(`${question} ? [Y|n] `);
    if (this.o.yes) {
      this.o.io.out('y\n');
      return true;
    }
    for (let line = this.o.io.readLine(); line !== null; line = this.o.io.readLine()) {
      for (const c of `${line}\n`) {
        if (c === 'y' || c === 'Y' || (c === '\n' && this.o.tty)) {
          this.o.io.out('y\n');
          return true;
        }
        if (c === 'n' || c === 'N') {
          this.o.io.out('n\n');
          return false;
        }
      }
    }
    this.o.io.out('n\n');
    return false;
  }

  private async tryUmount(mountPoint: string): Promise<void> {
    if (this.yesNo(`Do you want to unmount "${mountPoint}"`) && (await this.dry('umount', [mountPoint])).status === 0) return;
    this.error(`Cannot proceed with mounted filesystem "${mountPoint}".`);
  }

  async check(): Promise<void> {
    await this.detectFs();
    const mounted = this.detectMounted();
    if (mounted) {
      this.verbose(`Skipping filesystem check for device "${this.o.volume}" as the filesystem is mounted on ${mounted.mountPoint}`);
      throw new FsadmExit(FSADM_CHECK_FAILS_FOR_MOUNTED);
    }
    if (!this.isExt()) this.unsupported();
    let force = this.o.force;
    const sb = this.superblock();
    // tune2fs's "Last mount time" is n/a (0) until the first mount.
    if (sb && sb.mountTime !== 0 && sb.mountTime > sb.lastCheck) {
      this.verbose('Filesystem has not been checked after the last mount, using fsck -f');
      force = true;
    }
    // fsck's 1 means errors were corrected: that is success.
    const r = await this.dry('fsck', [...(force ? ['-f'] : []), '-p', this.o.volume]);
    if (r.status !== 0 && r.status !== 1) this.error(`Fsck ${this.fsType} failed.`);
  }

  async resize(sizeKiB: number): Promise<void> {
    await this.detectFs();
    let devSize: number;
    try {
      devSize = statSync(this.o.volume).size;
    } catch {
      this.error(`Cannot read size of device "${this.o.volume}".`);
    }
    this.verbose(`Device "${this.o.volume}" size is ${devSize} bytes`);
    if (!this.isExt()) this.unsupported();
    if ((await this.resizeExt(sizeKiB)) !== 0) this.error(`${this.fsType} resize failed.`);
  }

  /** resize_ext: grows mounted or not; shrinks only unmounted (after asking, then fsck -f). */
  private async resizeExt(sizeKiB: number): Promise<number> {
    const mounted = this.detectMounted();
    this.verbose(`Parsing tune2fs -l "${this.o.volume}"`);
    const sb = this.superblock();
    if (!sb) this.error('Cannot parse tune2fs output.');
    const newSize = sizeKiB * 1024;
    const newCount = Math.floor(newSize / sb.blockSize);
    let online = mounted !== undefined;
    if (newCount < sb.blockCount) {
      if (mounted) {
        this.verbose('resize2fs needs unmounted filesystem');
        await this.tryUmount(mounted.mountPoint);
        this.remount = mounted.mountPoint;
        online = false;
        const r = await this.dry('fsck', ['-f', '-p', this.o.volume]);
        if (r.status !== 0 && r.status !== 1) this.error(`Failed to fsck ${this.o.volume}`);
      }
    }
    this.verbose(`Resizing filesystem on device "${this.o.volume}" to ${newSize} bytes (${sb.blockCount} -> ${newCount} blocks of ${sb.blockSize} bytes)`);
    // The kernel grows a mounted ext4 up to its block device's size: a loop device keeps the
    // size its file had when it was set up until told to look again.
    if (online && mounted) for (const l of mounted.loops) await this.dry('losetup', ['-c', l.dev]);
    // Shrinking a regular file's filesystem, resize2fs also truncates the file; the device tree
    // refuses (the LV's size is the VG metadata's), and its complaint is not one lvm2 could print.
    const truncate = `while trying to truncate ${this.o.volume}`;
    const r = await this.dry('resize2fs', [...(this.o.force ? ['-f'] : []), this.o.volume, String(newCount)], {
      watchStderr: true,
      dropLine: (l) => l.startsWith('resize2fs: ') && l.endsWith(truncate),
    });
    if (r.status !== 0 && online && mounted && ONLINE_REFUSED.test(r.stderr)) this.onlineRefusedAt = mounted.mountPoint;
    return r.status;
  }
}

/** `fsadm check VOLUME`. */
export function fsadmCheck(o: FsadmOptions): Promise<FsadmResult> {
  const f = new Fsadm(o);
  return f.run(() => f.check());
}

/** `fsadm resize VOLUME <size>K`. */
export function fsadmResize(o: FsadmOptions, sizeKiB: number): Promise<FsadmResult> {
  const f = new Fsadm(o);
  return f.run(() => f.resize(sizeKiB));
}
