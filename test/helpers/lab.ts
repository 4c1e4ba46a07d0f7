// Loop-device labs shared by the real-lvm2 compatibility tests: image files in a private temp dir,
// loop devices over them, a private LVM_SYSTEM_DIR whose filter accepts only those devices, and
// runners for real lvm2 (child process) and ulvm (in-process). Everything is torn down in t.after.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync, fsyncSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { runCommand } from '../../src/cli/main.ts';
import { BufferIo } from '../../src/ops/io.ts';
import { fileOpener } from '../../src/devices/file.ts';
import type { DeviceOpener } from '../../src/devices/device.ts';

export interface Result {
  rc: number;
  stdout: string;
  stderr: string;
}

/** Why real-lvm2 tests cannot run here, or undefined when they can. */
export function labSkipReason(): string | undefined {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'not root (loop devices and lvm2 need root)';
  const lvm = spawnSync('lvm', ['version'], { encoding: 'utf8' });
  if (lvm.error || lvm.status !== 0) return 'lvm2 (the lvm binary) is not installed';
  const lo = spawnSync('losetup', ['--version'], { encoding: 'utf8' });
  if (lo.error || lo.status !== 0) return 'losetup is not installed';
  if (!existsSync('/dev/loop-control')) return 'no /dev/loop-control (loop driver absent)';
  return undefined;
}

function sh(cmd: string, args: string[], input?: string): Result {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input: input ?? '', timeout: 120_000 });
  if (r.error) throw r.error;
  return { rc: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export class Lab {
  readonly dir: string;
  readonly files: string[] = [];
  readonly loops: string[] = [];
  private closed = false;
  /** Fixed clock for ulvm commands (metadata creation_time). */
  now = 1_700_000_000;

  private constructor(dir: string) {
    this.dir = dir;
    mkdirSync(join(dir, 'etc-lvm'), { recursive: true });
    mkdirSync(join(dir, 'ulvm-sys'), { recursive: true });
    mkdirSync(join(dir, 'ulvm-run'), { recursive: true });
  }

  /**
   * Creates `count` sparse image files of `sizeMiB` MiB each (at most 4 loop devices per lab) and
   * attaches them; the teardown is registered on `t` before anything is attached.
   */
  static create(t: TestContext, count: number, sizeMiB: number): Lab {
    if (count > 4) throw new Error('at most 4 loop devices at a time');
    const lab = new Lab(mkdtempSync(join(tmpdir(), 'ulvm-lab-')));
    t.after(() => lab.destroy());
    for (let i = 0; i < count; i++) {
      const f = join(lab.dir, `d${i + 1}.img`);
      const fd = openSync(f, 'w');
      ftruncateSync(fd, sizeMiB * 1024 * 1024);
      closeSync(fd);
      lab.files.push(f);
      const r = sh('losetup', ['-f', '--show', f]);
      if (r.rc !== 0) throw new Error(`losetup failed: ${r.stderr}`);
      lab.loops.push(r.stdout.trim());
    }
    lab.writeLvmConf();
    return lab;
  }

  private writeLvmConf(): void {
    const accept = this.loops.map((l) => `"a|^${l}$|"`).join(', ');
    writeFileSync(join(this.dir, 'etc-lvm', 'lvm.conf'), `devices {\n\tglobal_filter = [ ${accept}, "r|.*|" ]\n}\n`);
  }

  get lvmEnv(): NodeJS.ProcessEnv {
    return { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', LVM_SYSTEM_DIR: join(this.dir, 'etc-lvm'), LVM_SUPPRESS_FD_WARNINGS: '1', TZ: 'UTC', LANG: 'C', LC_ALL: 'C' };
  }

  /** Runs a real lvm2 command (`lvm <cmd> args...`). */
  lvm(cmd: string, args: string[], input = ''): Result {
    const r = spawnSync('lvm', [cmd, ...args], { encoding: 'utf8', input, env: this.lvmEnv, timeout: 120_000 });
    if (r.error) throw r.error;
    return { rc: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  }

  /** `--devices` argument naming all of this lab's loop devices (ulvm needs no devices file then). */
  get devicesArg(): string[] {
    return ['--devices', this.loops.join(',')];
  }

  /** Runs a ulvm command in-process against the loop devices (or another opener). */
  async ulvm(cmd: string, args: string[], stdin = '', opener: DeviceOpener = fileOpener, devices: string[] = this.loops): Promise<Result> {
    const io = new BufferIo(stdin);
    const rc = await runCommand(cmd, [...args, '--devices', devices.join(',')], {
      io,
      env: { ULVM_SYSTEM_DIR: join(this.dir, 'ulvm-sys'), ULVM_RUN_DIR: join(this.dir, 'ulvm-run'), TZ: 'UTC' },
      uid: 0,
      cwd: this.dir,
      opener,
      now: () => this.now++,
    });
    return { rc, stdout: io.stdout, stderr: io.stderr };
  }

  /** Overwrites the start of loop device `i` (through the device, so caches stay coherent). */
  writeDevice(i: number, offset: number, data: Uint8Array): void {
    const fd = openSync(this.loops[i]!, 'r+');
    try {
      let done = 0;
      while (done < data.length) done += writeSync(fd, data, done, data.length - done, offset + done);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    for (const l of this.loops) {
      const r = spawnSync('losetup', ['-d', l], { encoding: 'utf8' });
      if (r.status !== 0) process.stderr.write(`warning: losetup -d ${l} failed: ${r.stderr}\n`);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Fails with the command's output when it did not exit 0. */
export function ok(r: Result, what: string): Result {
  if (r.rc !== 0) throw new Error(`${what} failed (rc ${r.rc})\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`);
  return r;
}

/** lvm2's stderr minus the expected "activation disabled" / "not zeroed" notes of --driverloaded n runs. */
export function unexpectedStderr(stderr: string): string {
  return stderr
    .split('\n')
    .filter((l) => l.trim() !== '')
    .filter((l) => !/WARNING: Activation disabled\. No device-mapper interaction will be attempted\./.test(l))
    .filter((l) => !/WARNING: Logical volume .* not zeroed\./.test(l))
    .join('\n');
}

/** True when ulvm has the named command's module (reports are being written in parallel). */
export function ulvmHasCommand(name: string): boolean {
  return existsSync(new URL(`../../src/commands/${name}.ts`, import.meta.url));
}
