// The FUSE kernel protocol spoken directly over /dev/fuse (no libfuse): the daemon's device tree.
// Mounting goes through util-linux mount with the open /dev/fuse as fd 3 (root only); requests are
// read on libuv pool threads (the daemon runs with a larger UV_THREADPOOL_SIZE), answered here.
import { closeSync, openSync, read, write, writeSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { DeviceTree, ROOT_ID, type LvFile } from './tree.ts';

const OP = { LOOKUP: 1, FORGET: 2, GETATTR: 3, SETATTR: 4, OPEN: 14, READ: 15, WRITE: 16, STATFS: 17, RELEASE: 18, FSYNC: 20, FLUSH: 25, INIT: 26, OPENDIR: 27, READDIR: 28, RELEASEDIR: 29, FSYNCDIR: 30, ACCESS: 34, INTERRUPT: 36, BATCH_FORGET: 42, FALLOCATE: 43 } as const;
const E = { PERM: 1, NOENT: 2, IO: 5, NOTDIR: 20, ISDIR: 21, NOSPC: 28, ROFS: 30, NOSYS: 38, OPNOTSUPP: 95 } as const;
/** fallocate(2) modes the kernel's FUSE passes on (FALLOC_FL_KEEP_SIZE 1, PUNCH_HOLE 2, ZERO_RANGE 0x10). */
const FALLOC = { PUNCH_HOLE_KEEP_SIZE: 0x3, ZERO_RANGE: 0x10, ZERO_RANGE_KEEP_SIZE: 0x11 } as const;
const MAX_WRITE = 1024 * 1024;
const READERS = 4;
const FATTR_SIZE = 8;
const O_ACCMODE = 3;

function run(cmd: string, args: string[], fd?: number): Promise<number> {
  return new Promise((resolve) => {
    const c = spawn(cmd, args, { stdio: fd === undefined ? 'ignore' : ['ignore', 'ignore', 'ignore', fd] });
    c.on('exit', (code) => resolve(code ?? 1));
    c.on('error', () => resolve(127));
  });
}

/** umount(8) with its complaint (LC_ALL=C: the text goes to the user and the log as is). */
function umount(args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn('umount', args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    let stderr = '';
    c.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    c.on('close', (code) => resolve({ code: code ?? 1, stderr: stderr.trim() }));
    c.on('error', (e) => resolve({ code: 127, stderr: e.message }));
  });
}

export class FuseServer {
  private fd = -1;
  private stopped = false;
  /** Reader loops still waiting in /dev/fuse, and who waits for the last one to end. */
  private readers = 0;
  private readersDone: (() => void) | undefined;
  private readonly started = Math.floor(Date.now() / 1000);

  constructor(
    readonly tree: DeviceTree,
    private readonly log: (m: string) => void,
  ) {}

  async mount(mountpoint: string): Promise<boolean> {
    this.fd = openSync('/dev/fuse', 'r+');
    const uid = process.getuid?.() ?? 0;
    const gid = process.getgid?.() ?? 0;
    const code = await run('mount', ['-i', '-t', 'fuse.ulvm', '-o', `fd=3,rootmode=40000,user_id=${uid},group_id=${gid},allow_other,default_permissions`, 'ulvm', mountpoint], this.fd);
    if (code !== 0) {
      closeSync(this.fd);
      this.fd = -1;
      this.log(`fuse: mount of ${mountpoint} failed (exit ${code})`);
      return false;
    }
    this.mountpoint = mountpoint;
    this.mounted = true;
    this.readers = READERS;
    for (let i = 0; i < READERS; i++) this.readLoop();
    return true;
  }

  private mountpoint = '';
  private mounted = false;

  /**
   * Unmounts the tree; the kernel then ends the connection and the readers return. A busy tree
   * (a loop device or an open file on an LV, a shell's cwd) stays mounted unless `force`: then
   * `umount -f` aborts the connection (FUSE's umount_begin: every waiting and future request
   * fails with ENOTCONN instead of waiting for a daemon that is going away) and `umount -l`
   * detaches it. Returns why it is still mounted, or undefined.
   */
  async unmount(force: boolean): Promise<string | undefined> {
    if (this.fd < 0 || !this.mounted) return undefined;
    // The readers see ENODEV while umount runs: expected from here on, not worth a log line.
    this.stopped = true;
    const r = await umount([this.mountpoint]);
    if (r.code !== 0 && !force) {
      this.stopped = false;
      return r.stderr || `umount exit ${r.code}`;
    }
    if (r.code !== 0) {
      const f = await umount(['-f', this.mountpoint]);
      const l = await umount(['-l', this.mountpoint]);
      this.log(`fuse: ${this.mountpoint} busy (${r.stderr}): connection aborted (${f.code === 0 ? 'unmounted' : f.stderr}), ${l.code === 0 ? 'detached' : `not detached: ${l.stderr}`}`);
    }
    this.mounted = false;
    return undefined;
  }

  /**
   * Closes /dev/fuse once every reader has returned (a read still waiting would keep the process
   * from exiting: libuv joins its pool threads at exit). False when they did not within `ms`.
   */
  async close(ms: number): Promise<boolean> {
    if (this.fd < 0) return true;
    if (this.readers > 0) {
      const ended = new Promise<boolean>((resolve) => (this.readersDone = () => resolve(true)));
      const late = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms).unref());
      if (!(await Promise.race([ended, late]))) return false;
    }
    const fd = this.fd;
    this.fd = -1;
    closeSync(fd);
    return true;
  }

  private readLoop(): void {
    const buf = Buffer.alloc(MAX_WRITE + 4096);
    read(this.fd, buf, 0, buf.length, null, (err, n) => {
      if (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'EINTR' || code === 'EAGAIN') return this.readLoop();
        if (!this.stopped) this.log(`fuse: reader stopped: ${err.message}`);
        if (--this.readers === 0) this.readersDone?.();
        return;
      }
      const req = Buffer.from(buf.subarray(0, n));
      this.readLoop();
      void this.handle(req);
    });
  }

  private reply(unique: bigint, error: number, payload?: Buffer): void {
    const h = Buffer.alloc(16);
    h.writeUInt32LE(16 + (error ? 0 : payload?.length ?? 0), 0);
    h.writeInt32LE(-error, 4);
    h.writeBigUInt64LE(unique, 8);
    try {
      writeSync(this.fd, error || !payload ? h : Buffer.concat([h, payload]));
    } catch {
      /* the request was interrupted: the kernel no longer waits for it */
    }
  }

  /** Notifications go out on a pool thread: they may wait for pages that a READ of ours must free. */
  private notify(code: number, body: Buffer): void {
    if (this.fd < 0) return;
    const h = Buffer.alloc(16);
    h.writeUInt32LE(16 + body.length, 0);
    h.writeInt32LE(code, 4);
    const msg = Buffer.concat([h, body]);
    write(this.fd, msg, () => undefined);
  }

  /** Size changed: the next stat asks us again (attributes only; growth keeps cached pages valid). */
  invalidateSize(id: number): void {
    const b = Buffer.alloc(24);
    b.writeBigUInt64LE(BigInt(id), 0);
    b.writeBigInt64LE(-1n, 8);
    this.notify(2, b);
  }

  /** A name went away (deactivation, rename). */
  invalidateEntry(parent: number, name: string): void {
    const n = Buffer.from(name);
    const b = Buffer.alloc(16 + n.length + 1);
    b.writeBigUInt64LE(BigInt(parent), 0);
    b.writeUInt32LE(n.length, 8);
    n.copy(b, 16);
    this.notify(3, b);
  }

  private attr(id: number): Buffer {
    const a = Buffer.alloc(88);
    const f = this.tree.file(id);
    const size = f ? f.target.size : 4096;
    a.writeBigUInt64LE(BigInt(id), 0);
    a.writeBigUInt64LE(BigInt(size), 8);
    a.writeBigUInt64LE(BigInt(Math.ceil(size / 512)), 16);
    for (const off of [24, 32, 40]) a.writeBigUInt64LE(BigInt(this.started), off);
    a.writeUInt32LE(f ? (f.readOnly ? 0o100440 : 0o100660) : 0o40755, 60);
    a.writeUInt32LE(2, 64);
    a.writeUInt32LE(process.getuid?.() ?? 0, 68);
    a.writeUInt32LE(process.getgid?.() ?? 0, 72);
    a.writeUInt32LE(4096, 80);
    return a;
  }

  private attrOut(id: number): Buffer {
    const o = Buffer.alloc(16);
    o.writeBigUInt64LE(1n, 0);
    return Buffer.concat([o, this.attr(id)]);
  }

  private async handle(req: Buffer): Promise<void> {
    const opcode = req.readUInt32LE(4);
    const unique = req.readBigUInt64LE(8);
    const node = Number(req.readBigUInt64LE(16));
    const body = req.subarray(40);
    try {
      switch (opcode) {
        case OP.INIT: {
          const kflags = body.readUInt32LE(12);
          const o = Buffer.alloc(64);
          o.writeUInt32LE(7, 0);
          o.writeUInt32LE(Math.min(31, body.readUInt32LE(4)), 4);
          o.writeUInt32LE(body.readUInt32LE(8), 8);
          o.writeUInt32LE(kflags & (1 | 8 | 32 | (1 << 18) | (1 << 22)), 12);
          o.writeUInt16LE(16, 16);
          o.writeUInt16LE(12, 18);
          o.writeUInt32LE(MAX_WRITE, 20);
          o.writeUInt32LE(1, 24);
          o.writeUInt16LE(256, 28);
          return this.reply(unique, 0, o);
        }
        case OP.LOOKUP: {
          const name = body.toString('utf8', 0, body.indexOf(0) >= 0 ? body.indexOf(0) : body.length);
          const e = this.tree.isDir(node) ? this.tree.lookup(node, name) : undefined;
          if (!e) return this.reply(unique, E.NOENT);
          const o = Buffer.alloc(40);
          o.writeBigUInt64LE(BigInt(e.id), 0);
          o.writeBigUInt64LE(1n, 16);
          o.writeBigUInt64LE(1n, 24);
          return this.reply(unique, 0, Buffer.concat([o, this.attr(e.id)]));
        }
        case OP.FORGET:
        case OP.BATCH_FORGET:
        case OP.INTERRUPT:
          return;
        case OP.GETATTR:
          if (!this.tree.isDir(node) && !this.tree.file(node)) return this.reply(unique, E.NOENT);
          return this.reply(unique, 0, this.attrOut(node));
        case OP.SETATTR: {
          const f = this.tree.file(node);
          if (f && body.readUInt32LE(0) & FATTR_SIZE && Number(body.readBigUInt64LE(16)) !== f.target.size) return this.reply(unique, E.PERM);
          return this.reply(unique, 0, this.attrOut(node));
        }
        case OP.OPEN: {
          const f = this.tree.file(node);
          if (!f) return this.reply(unique, this.tree.isDir(node) ? E.ISDIR : E.NOENT);
          if (f.readOnly && (body.readUInt32LE(0) & O_ACCMODE) !== 0) return this.reply(unique, E.ROFS);
          f.opens++;
          const o = Buffer.alloc(16);
          o.writeUInt32LE(1, 8); // FOPEN_DIRECT_IO: the LV also changes through NBD; no stale pages
          return this.reply(unique, 0, o);
        }
        case OP.RELEASE: {
          const f = this.tree.file(node);
          if (f) f.opens = Math.max(0, f.opens - 1);
          return this.reply(unique, 0);
        }
        case OP.READ: {
          const f = this.need(node);
          const off = Number(body.readBigUInt64LE(8));
          const n = Math.max(0, Math.min(body.readUInt32LE(16), f.target.size - off));
          const out = Buffer.allocUnsafe(16 + n);
          out.writeUInt32LE(16 + n, 0);
          out.writeInt32LE(0, 4);
          out.writeBigUInt64LE(unique, 8);
          if (n) await f.target.read(off, n, out.subarray(16));
          try {
            writeSync(this.fd, out);
          } catch {
            /* interrupted */
          }
          return;
        }
        case OP.WRITE: {
          const f = this.need(node);
          const off = Number(body.readBigUInt64LE(8));
          if (off >= f.target.size) return this.reply(unique, E.NOSPC);
          const n = Math.min(body.readUInt32LE(16), f.target.size - off);
          await f.target.write(off, req.subarray(80, 80 + n));
          const o = Buffer.alloc(8);
          o.writeUInt32LE(n, 0);
          return this.reply(unique, 0, o);
        }
        case OP.FSYNC:
          await this.need(node).target.flush();
          return this.reply(unique, 0);
        case OP.FALLOCATE: {
          const f = this.need(node);
          const off = Number(body.readBigUInt64LE(8));
          const len = Number(body.readBigUInt64LE(16));
          const mode = body.readUInt32LE(24);
          if (off + len > f.target.size || !(mode === FALLOC.PUNCH_HOLE_KEEP_SIZE || mode === FALLOC.ZERO_RANGE || mode === FALLOC.ZERO_RANGE_KEEP_SIZE)) return this.reply(unique, E.OPNOTSUPP);
          if (f.readOnly) return this.reply(unique, E.PERM);
          // Punch-hole is how loop devices pass discards (mkfs, fstrim) and write-zeroes that may
          // unmap: the PV image gets a hole. Zero-range (REQ_NOUNMAP) keeps the blocks allocated.
          await f.target.writeZeroes(off, len, mode !== FALLOC.PUNCH_HOLE_KEEP_SIZE);
          return this.reply(unique, 0);
        }
        case OP.STATFS: {
          const o = Buffer.alloc(80);
          o.writeBigUInt64LE(1n << 20n, 0);
          o.writeUInt32LE(4096, 40);
          o.writeUInt32LE(255, 44);
          o.writeUInt32LE(4096, 48);
          return this.reply(unique, 0, o);
        }
        case OP.OPENDIR:
          return this.reply(unique, this.tree.isDir(node) ? 0 : E.NOTDIR, Buffer.alloc(16));
        case OP.READDIR: {
          const start = Number(body.readBigUInt64LE(8));
          const max = body.readUInt32LE(16);
          const entries = [{ name: '.', id: node, dir: true }, { name: '..', id: ROOT_ID, dir: true }, ...this.tree.list(node)];
          const out: Buffer[] = [];
          let size = 0;
          for (let i = start; i < entries.length; i++) {
            const e = entries[i]!;
            const name = Buffer.from(e.name);
            const rec = Buffer.alloc((24 + name.length + 7) & ~7);
            if (size + rec.length > max) break;
            rec.writeBigUInt64LE(BigInt(e.id), 0);
            rec.writeBigUInt64LE(BigInt(i + 1), 8);
            rec.writeUInt32LE(name.length, 16);
            rec.writeUInt32LE(e.dir ? 4 : 8, 20);
            name.copy(rec, 24);
            out.push(rec);
            size += rec.length;
          }
          return this.reply(unique, 0, Buffer.concat(out));
        }
        case OP.FLUSH:
        case OP.RELEASEDIR:
        case OP.FSYNCDIR:
        case OP.ACCESS:
          return this.reply(unique, 0);
        default:
          return this.reply(unique, E.NOSYS);
      }
    } catch (e) {
      this.log(`fuse: op ${opcode} on ${node}: ${(e as Error).message}`);
      this.reply(unique, E.IO);
    }
  }

  private need(id: number): LvFile {
    const f = this.tree.file(id);
    if (!f) throw new Error(`no LV file ${id}`);
    return f;
  }
}
