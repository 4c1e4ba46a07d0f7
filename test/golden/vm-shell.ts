// The non-lvm commands of the VM transcripts, replayed for their effect on what lvm sees:
// `mkfs.ext4` (the real mke2fs, run on a scratch image whose non-zero blocks are copied onto the
// memory disk or LV, so pvcreate/lvcreate find the same signature; it must be installed),
// `mount`/`umount` (the LV counts as open, as the kernel's open count does while a file system is
// mounted) and `dd if=/dev/zero of=DEVICE` (zeroes the device). Lines joining these and lvm
// commands with `;`/`&&` run part by part; output is compared only when every part's is known.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, readSync, closeSync, rmSync, writeFileSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ActivationEngine, ActivationObserver } from '../../src/activation/engine.ts';
import type { MemoryDisks } from '../../src/devices/memory.ts';

/** Counts mounts of LVs by name, and tells the activation engine about them. */
export class MountTable implements ActivationObserver {
  private readonly names = new Map<string, string>();
  /** Mount point -> `vg/lv`. */
  private readonly mounts = new Map<string, string>();
  shown(key: string, vgName: string, lvName: string): void {
    this.names.set(key, `${vgName}/${lvName}`);
  }
  hidden(key: string): void {
    this.names.delete(key);
  }
  resized(): void {}
  opens(key: string): number {
    const name = this.names.get(key);
    return [...this.mounts.values()].filter((n) => n === name).length;
  }
  mount(lv: string, at: string): void {
    this.mounts.set(at, lv);
  }
  /** Whether `path` lies in a mounted file system. */
  holds(path: string): boolean {
    return [...this.mounts.keys()].some((at) => path.startsWith(at.endsWith('/') ? at : `${at}/`));
  }
  umount(at: string): boolean {
    return this.mounts.delete(at);
  }
}

/** `/dev/VG/LV` or `/dev/mapper/VG-LV` as `VG/LV` (undefined for other paths). */
export function lvOfPath(path: string): string | undefined {
  const m = /^\/dev\/mapper\/((?:[^-]|--)+)-((?:[^-]|--)+)$/.exec(path);
  if (m) return `${m[1]!.replace(/--/g, '-')}/${m[2]!.replace(/--/g, '-')}`;
  const d = /^\/dev\/([^/]+)\/([^/]+)$/.exec(path);
  return d && d[1] !== 'mapper' && d[1] !== 'disk' ? `${d[1]}/${d[2]}` : undefined;
}

/** Runs mkfs.ext4 on a scratch image of `size` bytes and returns its non-zero 64 KiB blocks. */
function mkfsImage(size: number): { offset: number; data: Uint8Array }[] {
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-mkfs-'));
  try {
    const img = join(dir, 'fs.img');
    writeFileSync(img, '');
    truncateSync(img, size);
    const r = spawnSync('mkfs.ext4', ['-q', '-F', img], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`mkfs.ext4 failed: ${r.stderr}`);
    const out: { offset: number; data: Uint8Array }[] = [];
    const fd = openSync(img, 'r');
    try {
      const block = 64 * 1024;
      for (let off = 0; off < size; off += block) {
        const buf = new Uint8Array(Math.min(block, size - off));
        readSync(fd, buf, 0, buf.length, off);
        if (buf.some((b) => b !== 0)) out.push({ offset: off, data: buf });
      }
    } finally {
      closeSync(fd);
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const haveMkfs = (): boolean => spawnSync('sh', ['-c', 'command -v mkfs.ext4']).status === 0;

/** A command line's outcome: its output when every part's output is known, else why not. */
export type ShellResult = { kind: 'output'; stdout: string; stderr: string; rc: number } | { kind: 'effects-only'; why: string } | { kind: 'unsupported'; why: string };

type Lvm = (line: string) => Promise<{ stdout: string; stderr: string; rc: number } | undefined>;

interface Part {
  argv: string[];
  /** `;` runs the part regardless, `&&` only after success. */
  after: ';' | '&&';
  quietOut: boolean;
  quietErr: boolean;
}

/** Splits `a && b; c >/dev/null 2>&1` into parts (no pipes, quotes or substitutions). */
function parts(line: string): Part[] | undefined {
  if (/[|`$()'"<]/.test(line)) return undefined;
  const out: Part[] = [];
  let after: Part['after'] = ';';
  for (const piece of line.split(/(&&|;)/)) {
    if (piece === '&&' || piece === ';') {
      after = piece;
      continue;
    }
    const words = piece.trim().split(/\s+/).filter(Boolean);
    if (!words.length) continue;
    let quietOut = false;
    let quietErr = false;
    const argv: string[] = [];
    for (const w of words) {
      if (w === '>/dev/null' || w === '1>/dev/null') quietOut = true;
      else if (w === '2>/dev/null') quietErr = true;
      else if (w === '2>&1') quietErr = quietOut;
      else if (w.includes('>')) return undefined;
      else argv.push(w);
    }
    out.push({ argv, after, quietOut, quietErr });
  }
  return out;
}

export class VmShell {
  constructor(
    private readonly disks: MemoryDisks,
    private readonly engine: ActivationEngine,
    readonly mounts: MountTable,
    private readonly lvm: Lvm,
    private readonly isLvm: (name: string) => boolean,
  ) {}

  /** Replays a command line of lvm commands and the tools above, joined by `;` and `&&`. */
  async run(line: string): Promise<ShellResult> {
    const ps = parts(line);
    if (!ps) return { kind: 'unsupported', why: 'a shell pipeline, quoting or redirection the replay does not model' };
    let stdout = '';
    let stderr = '';
    let rc = 0;
    let unknown: string | undefined;
    for (const p of ps) {
      if (p.after === '&&' && rc !== 0) continue;
      const [cmd] = p.argv;
      if (cmd !== undefined && this.isLvm(cmd)) {
        const r = await this.lvm(p.argv.join(' '));
        if (!r) return { kind: 'unsupported', why: `${p.argv.join(' ')} could not be run` };
        if (!p.quietOut) stdout += r.stdout;
        if (!p.quietErr) stderr += r.stderr;
        rc = r.rc;
        continue;
      }
      const r = await this.tool(p.argv);
      if (r.kind === 'unsupported') {
        if (p === ps[0]) return r;
        // Its effects are not replayed, but the earlier parts' were.
        const done = ps.slice(0, ps.indexOf(p)).map((x) => x.argv[0]).join(', ');
        return { kind: 'effects-only', why: `${done} replayed for its effect; ${r.why}` };
      }
      rc = 0;
      if (r.kind === 'unknown-output' && r.streams.some((x) => !(x === 'out' ? p.quietOut : p.quietErr))) unknown ??= r.why;
    }
    return unknown ? { kind: 'effects-only', why: unknown } : { kind: 'output', stdout, stderr, rc };
  }

  /** A non-lvm tool: its effect, and whether its (successful) output is known to be empty. */
  private async tool(argv: string[]): Promise<{ kind: 'silent' } | { kind: 'unknown-output'; streams: ('out' | 'err')[]; why: string } | { kind: 'unsupported'; why: string }> {
    // `timeout N cmd …` runs cmd (the capture bounded its time; the replay does not need to).
    if (argv[0] === 'timeout' && /^\d+$/.test(argv[1] ?? '') && argv.length > 2) return this.tool(argv.slice(2));
    const [cmd, ...rest] = argv;
    const args = rest.filter((a) => !a.startsWith('-'));
    const what = argv.join(' ');
    if (cmd === 'mkfs.ext4' && args.length === 1) {
      if (!haveMkfs()) return { kind: 'unsupported', why: 'mkfs.ext4 is not installed here' };
      const target = await this.target(args[0]!);
      if (!target) return { kind: 'unsupported', why: `no device ${args[0]}` };
      for (const b of mkfsImage(target.size)) await target.write(b.offset, b.data);
      return rest.includes('-q') ? { kind: 'silent' } : { kind: 'unknown-output', streams: ['out', 'err'], why: "mkfs.ext4's output is not lvm's" };
    }
    if (cmd === 'dd') {
      // Only dd of zeros over a whole device (no count=), as the transcripts use to clear a VG's space.
      const of = rest.find((a) => a.startsWith('of='))?.slice(3);
      const target = of && rest.includes('if=/dev/zero') && rest.every((a) => /^(if|of|bs)=/.test(a)) ? await this.target(of) : undefined;
      if (!target) {
        const onFs = of !== undefined && this.mounts.holds(of);
        return { kind: 'unsupported', why: onFs ? `dd writing ${of} (a file on the mounted file system) is not replayed` : `only dd if=/dev/zero of=DEVICE is replayed, not ${what}` };
      }
      const step = 1024 * 1024;
      for (let off = 0; off < target.size; off += step) await target.write(off, new Uint8Array(Math.min(step, target.size - off)));
      return { kind: 'unknown-output', streams: ['err'], why: "dd's transfer statistics (on stderr) are not lvm's" };
    }
    if (cmd === 'mount' && args.length === 2) {
      const lv = lvOfPath(args[0]!);
      if (!lv) return { kind: 'unsupported', why: `mount of ${args[0]} is not of an LV` };
      this.mounts.mount(lv, args[1]!);
      return { kind: 'silent' };
    }
    if (cmd === 'umount' && args.length === 1) {
      return this.mounts.umount(args[0]!) ? { kind: 'silent' } : { kind: 'unsupported', why: `${args[0]} is not mounted` };
    }
    if (cmd === 'sync' || cmd === 'sleep') return { kind: 'silent' };
    return { kind: 'unsupported', why: `${what} is not an lvm command and has no replayed effect` };
  }

  /** A memory disk or an active LV's mapped device, to write to. */
  private async target(path: string): Promise<{ size: number; write(off: number, d: Uint8Array): Promise<void> } | undefined> {
    const disk = this.disks.disks.get(path);
    if (disk) return { size: disk.size, write: async (o, d) => disk.write(o, d) };
    const lv = lvOfPath(path);
    const [vg, name] = lv ? lv.split('/') : [];
    const dev = vg && name ? this.engine.device(vg, name) : undefined;
    if (!dev) return undefined;
    return { size: dev.size, write: async (o, d) => { await dev.write(o, d); await dev.flush(); } };
  }
}
