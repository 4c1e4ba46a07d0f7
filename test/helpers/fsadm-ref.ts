// What real fsadm (lvm2's, when installed) prints for the step lvresize -r would run: it runs on a
// loop device over a copy of the LV's filesystem, optionally mounted, and its output comes back
// with the loop device's name and mount point replaced by the LV's. lvm2 itself cannot activate
// LVs here (no device-mapper), so this is how its -r output is known without copying it by hand.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

export interface RefResult {
  rc: number;
  stdout: string;
  stderr: string;
}

const FSADM = ['/sbin/fsadm', '/usr/sbin/fsadm'];
const ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LVM_SUPPRESS_FD_WARNINGS: '1', LANG: 'C', LC_ALL: 'C' };

/** The fsadm to compare with, or why there is none (it needs `lvm version` to work). */
export function realFsadm(): { path: string } | { reason: string } {
  const path = FSADM.find((p) => existsSync(p));
  if (!path) return { reason: 'lvm2 fsadm is not installed' };
  if (spawnSync('lvm', ['version'], { env: ENV }).status !== 0) return { reason: 'fsadm needs a working `lvm version`' };
  return { path };
}

/**
 * Lines that only say this machine has no device-mapper (fsadm asks dmsetup about the device);
 * on a machine with one they do not appear.
 */
function dmNoise(line: string): boolean {
  return /\/dev\/mapper\/control: open failed|Failure to communicate with kernel device-mapper|Check that device-mapper is available|Incompatible libdevmapper|^Command failed\.?$|integer expression expected/.test(line);
}

export class FsadmReference {
  private loop = '';
  private mountedAt = '';
  private constructor(
    private readonly fsadm: string,
    private readonly dir: string,
  ) {}

  /** A copy of `source` grown or cut to `bytes` (the LV's size when fsadm runs), on a loop device. */
  static create(t: TestContext, fsadm: string, source: string, bytes: number, dir: string): FsadmReference {
    mkdirSync(dir, { recursive: true });
    const r = new FsadmReference(fsadm, dir);
    t.after(() => r.destroy());
    const img = join(dir, 'ref.img');
    copyFileSync(source, img);
    truncateSync(img, bytes);
    const lo = spawnSync('losetup', ['-f', '--show', img], { encoding: 'utf8' });
    if (lo.status !== 0) throw new Error(`losetup: ${lo.stderr}`);
    r.loop = lo.stdout.trim();
    return r;
  }

  mount(): void {
    const at = join(this.dir, 'mnt');
    mkdirSync(at, { recursive: true });
    const m = spawnSync('mount', [this.loop, at], { encoding: 'utf8' });
    if (m.status !== 0) throw new Error(`mount: ${m.stderr}`);
    this.mountedAt = at;
  }

  /** Runs `fsadm args…` (`DEV` stands for the device) and names the LV's device and mount point instead. */
  run(args: string[], names: { volume: string; mountPoint?: string }, input = ''): RefResult {
    const r = spawnSync(this.fsadm, args.map((a) => (a === 'DEV' ? this.loop : a)), { encoding: 'utf8', input, env: ENV, timeout: 120_000 });
    if (r.error) throw r.error;
    const rename = (s: string) => {
      let out = s.split(this.loop).join(names.volume);
      if (this.mountedAt && names.mountPoint) out = out.split(this.mountedAt).join(names.mountPoint);
      return out;
    };
    const stderr = r.stderr.split('\n').filter((l) => !dmNoise(l));
    return { rc: r.status ?? -1, stdout: rename(r.stdout), stderr: rename(stderr.join('\n')) };
  }

  destroy(): void {
    if (this.mountedAt) spawnSync('umount', [this.mountedAt]);
    this.mountedAt = '';
    if (this.loop) spawnSync('losetup', ['-d', this.loop]);
    this.loop = '';
    rmSync(this.dir, { recursive: true, force: true });
  }
}
