// A minimal NBD client (NetworkBlockDevice/nbd doc/proto.md): fixed newstyle handshake, one
// NBD_OPT_GO for an export, then simple replies (no structured replies asked for) to READ, WRITE
// and FLUSH, several requests in flight matched by handle. Enough for a backup to read a snapshot
// through the daemon's NBD socket where no FUSE tree is mounted.
import { connect, type Socket } from 'node:net';
import { CMD, ERR, FLAG_FIXED_NEWSTYLE, FLAG_NO_ZEROES, IHAVEOPT, INFO, NBDMAGIC, OPT, OPT_REPLY_MAGIC, REP, REQUEST_MAGIC, SIMPLE_REPLY_MAGIC, TFLAG } from './protocol.ts';

export class NbdClientError extends Error {
  constructor(
    message: string,
    /** The server's errno for a failed command (EIO …), when it sent one. */
    readonly errno?: number,
  ) {
    super(message);
  }
}

/** Bytes as they arrive, handed out in exact amounts. */
class Incoming {
  private chunks: Buffer[] = [];
  private have = 0;
  private want?: { n: number; resolve: (b: Buffer) => void; reject: (e: Error) => void };
  private failed?: Error;

  push(b: Buffer): void {
    this.chunks.push(b);
    this.have += b.length;
    this.serve();
  }

  fail(e: Error): void {
    this.failed ??= e;
    const w = this.want;
    this.want = undefined;
    w?.reject(this.failed);
  }

  take(n: number): Promise<Buffer> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      this.want = { n, resolve, reject };
      this.serve();
    });
  }

  private serve(): void {
    const w = this.want;
    if (!w || this.have < w.n) return;
    this.want = undefined;
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const out = all.subarray(0, w.n);
    const rest = all.subarray(w.n);
    this.chunks = rest.length ? [rest] : [];
    this.have = rest.length;
    w.resolve(out);
  }
}

const errnoName = (e: number) => Object.entries(ERR).find(([, v]) => v === e)?.[0] ?? `errno ${e}`;

interface Pending {
  resolve: (data: Buffer) => void;
  reject: (e: Error) => void;
  /** Payload bytes that follow the reply (a read's length). */
  length: number;
}

export class NbdClient {
  private nextHandle = 1n;
  private readonly pending = new Map<bigint, Pending>();
  private closed = false;

  private constructor(
    private readonly sock: Socket,
    private readonly incoming: Incoming,
    readonly size: number,
    readonly flags: number,
  ) {
    void this.replies();
  }

  get readOnly(): boolean {
    return (this.flags & TFLAG.READ_ONLY) !== 0;
  }

  /** Connects to a unix socket path (or `{ host, port }`) and opens `exportName` with NBD_OPT_GO. */
  static async connect(to: string | { host: string; port: number }, exportName: string): Promise<NbdClient> {
    const sock = typeof to === 'string' ? connect(to) : connect(to.port, to.host);
    const incoming = new Incoming();
    sock.on('data', (d: Buffer) => incoming.push(d));
    sock.on('error', (e) => incoming.fail(e));
    sock.on('close', () => incoming.fail(new NbdClientError('The NBD server closed the connection.')));
    try {
      await new Promise<void>((resolve, reject) => {
        sock.once('connect', resolve);
        sock.once('error', reject);
      });
      const hello = await incoming.take(18);
      if (hello.readBigUInt64BE(0) !== NBDMAGIC || hello.readBigUInt64BE(8) !== IHAVEOPT) throw new NbdClientError('Not an NBD server (fixed newstyle).');
      const serverFlags = hello.readUInt16BE(16);
      if (!(serverFlags & FLAG_FIXED_NEWSTYLE)) throw new NbdClientError('The NBD server does not speak fixed newstyle.');
      const clientFlags = Buffer.alloc(4);
      clientFlags.writeUInt32BE(FLAG_FIXED_NEWSTYLE | (serverFlags & FLAG_NO_ZEROES));
      sock.write(clientFlags);
      const name = Buffer.from(exportName, 'utf8');
      const opt = Buffer.alloc(16 + 4 + name.length + 2);
      opt.writeBigUInt64BE(IHAVEOPT, 0);
      opt.writeUInt32BE(OPT.GO, 8);
      opt.writeUInt32BE(4 + name.length + 2, 12);
      opt.writeUInt32BE(name.length, 16);
      name.copy(opt, 20);
      opt.writeUInt16BE(0, 20 + name.length);
      sock.write(opt);
      let size: number | undefined;
      let flags = 0;
      for (;;) {
        const head = await incoming.take(20);
        if (head.readBigUInt64BE(0) !== OPT_REPLY_MAGIC) throw new NbdClientError('Bad NBD option reply.');
        const type = head.readUInt32BE(12);
        const len = head.readUInt32BE(16);
        const data = len ? await incoming.take(len) : Buffer.alloc(0);
        if (type === REP.ACK) break;
        if (type === REP.INFO) {
          if (data.length >= 12 && data.readUInt16BE(0) === INFO.EXPORT) {
            size = Number(data.readBigUInt64BE(2));
            flags = data.readUInt16BE(10);
          }
          continue;
        }
        if (type & 0x80000000) {
          const why = type === REP.ERR_UNKNOWN ? 'unknown export' : type === REP.ERR_UNSUP ? 'NBD_OPT_GO not supported' : `error ${type.toString(16)}`;
          throw new NbdClientError(`NBD export ${exportName}: ${why}${data.length ? `: ${data.toString('utf8')}` : ''}.`);
        }
      }
      if (size === undefined) throw new NbdClientError(`NBD export ${exportName}: the server gave no size.`);
      return new NbdClient(sock, incoming, size, flags);
    } catch (e) {
      sock.destroy();
      throw e;
    }
  }

  private async replies(): Promise<void> {
    try {
      for (;;) {
        const head = await this.incoming.take(16);
        if (head.readUInt32BE(0) !== SIMPLE_REPLY_MAGIC) throw new NbdClientError('Bad NBD reply magic.');
        const error = head.readUInt32BE(4);
        const handle = head.readBigUInt64BE(8);
        const p = this.pending.get(handle);
        if (!p) throw new NbdClientError(`NBD reply to a request never sent (${handle}).`);
        this.pending.delete(handle);
        // A failed read carries no payload (simple replies).
        if (error) {
          p.reject(new NbdClientError(`NBD request failed: ${errnoName(error)}.`, error));
          continue;
        }
        p.resolve(p.length ? await this.incoming.take(p.length) : Buffer.alloc(0));
      }
    } catch (e) {
      const err = this.closed ? new NbdClientError('The NBD connection is closed.') : (e as Error);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    }
  }

  private request(type: number, offset: number, length: number, payload?: Uint8Array, replyLength = 0): Promise<Buffer> {
    if (this.closed) return Promise.reject(new NbdClientError('The NBD connection is closed.'));
    const handle = this.nextHandle++;
    const h = Buffer.alloc(28);
    h.writeUInt32BE(REQUEST_MAGIC, 0);
    h.writeUInt16BE(0, 4);
    h.writeUInt16BE(type, 6);
    h.writeBigUInt64BE(handle, 8);
    h.writeBigUInt64BE(BigInt(offset), 16);
    h.writeUInt32BE(length, 24);
    const done = new Promise<Buffer>((resolve, reject) => this.pending.set(handle, { resolve, reject, length: replyLength }));
    this.sock.write(payload ? Buffer.concat([h, payload]) : h);
    return done;
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    if (offset < 0 || length < 0 || offset + length > this.size) throw new NbdClientError(`Read at ${offset} length ${length} is beyond the export's end (${this.size}).`);
    // Requests of at most 32 MiB (the usual servers' limit), in flight together.
    const MAX = 32 << 20;
    if (length <= MAX) return length ? this.request(CMD.READ, offset, length, undefined, length) : new Uint8Array(0);
    const parts: Promise<Buffer>[] = [];
    for (let at = 0; at < length; at += MAX) parts.push(this.request(CMD.READ, offset + at, Math.min(MAX, length - at), undefined, Math.min(MAX, length - at)));
    return Buffer.concat(await Promise.all(parts));
  }

  async write(offset: number, data: Uint8Array): Promise<void> {
    if (offset < 0 || offset + data.length > this.size) throw new NbdClientError(`Write at ${offset} length ${data.length} is beyond the export's end (${this.size}).`);
    const MAX = 32 << 20;
    const parts: Promise<Buffer>[] = [];
    for (let at = 0; at < data.length; at += MAX) {
      const piece = data.subarray(at, Math.min(data.length, at + MAX));
      parts.push(this.request(CMD.WRITE, offset + at, piece.length, piece));
    }
    await Promise.all(parts);
  }

  /** NBD_CMD_TRIM (when the export takes it). */
  async trim(offset: number, length: number): Promise<void> {
    if (!(this.flags & TFLAG.SEND_TRIM)) throw new NbdClientError('The NBD export does not take trims.');
    await this.request(CMD.TRIM, offset, length);
  }

  async flush(): Promise<void> {
    if (this.flags & TFLAG.SEND_FLUSH) await this.request(CMD.FLUSH, 0, 0);
  }

  /** NBD_CMD_DISC, then the connection is closed. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const h = Buffer.alloc(28);
    h.writeUInt32BE(REQUEST_MAGIC, 0);
    h.writeUInt16BE(CMD.DISC, 6);
    await new Promise<void>((resolve) => {
      this.sock.once('close', () => resolve());
      this.sock.end(h);
      setTimeout(() => this.sock.destroy(), 1000).unref();
    });
  }
}
