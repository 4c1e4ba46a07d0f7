// One NBD client: fixed-newstyle option haggling, then the transmission phase with requests
// served concurrently and every reply written as one buffer.
import type { Socket } from 'node:net';
import type { BlockTarget } from '../mapper/target.ts';
import { TargetIoError } from '../mapper/target.ts';
import { ConnectionClosed, SocketReader } from './reader.ts';
import {
  BASE_ALLOCATION, CMD, CMD_FLAG, ERR, FLAG_FIXED_NEWSTYLE, FLAG_NO_ZEROES, IHAVEOPT, INFO, MAX_OPTION, MAX_PAYLOAD,
  META_CONTEXT_ID, NBDMAGIC, OPT, OPT_REPLY_MAGIC, REP, REPLY_FLAG_DONE, REPLY_TYPE, REQUEST_MAGIC, SIMPLE_REPLY_MAGIC,
  STATE_HOLE, STATE_ZERO, STRUCTURED_REPLY_MAGIC, TFLAG,
} from './protocol.ts';

export interface NbdExport {
  name: string;
  description?: string;
  target: BlockTarget;
  readOnly: boolean;
  /** Clients currently in the transmission phase on this export (the LV's open count). */
  users?: number;
}

export interface ExportTable {
  get(name: string): NbdExport | undefined;
  list(): NbdExport[];
}

export interface ConnectionLog {
  (msg: string): void;
}

/** Largest number of requests served at once per connection (bounds memory per client). */
const MAX_IN_FLIGHT = 64;

/**
 * Reply buffers of large reads are reused once the socket has sent them: allocating a fresh
 * megabyte per request costs more than the read itself. Bounded, so memory does not grow with
 * the data served.
 */
const replyPool = new Map<number, Buffer[]>();
const POOL_PER_SIZE = 32;
const POOL_MIN = 64 * 1024;

function takeBuffer(size: number): Buffer {
  return (size >= POOL_MIN ? replyPool.get(size)?.pop() : undefined) ?? Buffer.allocUnsafe(size);
}

function giveBack(b: Buffer): void {
  if (b.length < POOL_MIN) return;
  let list = replyPool.get(b.length);
  if (!list) replyPool.set(b.length, (list = []));
  if (list.length < POOL_PER_SIZE) list.push(b);
}

class ProtocolViolation extends Error {}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

export class NbdConnection {
  private reader: SocketReader;
  private structured = false;
  private metaExport?: string;
  private metaSelected = false;
  private noZeroes = false;
  private inFlight = 0;
  private slots: (() => void)[] = [];
  private idle: (() => void)[] = [];

  constructor(
    private readonly socket: Socket,
    private readonly exports: ExportTable,
    private readonly log: ConnectionLog,
  ) {
    this.reader = new SocketReader(socket);
  }

  async serve(): Promise<void> {
    try {
      const exp = await this.handshake();
      if (exp) {
        exp.users = (exp.users ?? 0) + 1;
        try {
          await this.transmission(exp);
        } finally {
          await this.drain();
          exp.users = Math.max(0, (exp.users ?? 1) - 1);
        }
      }
    } catch (e) {
      if (!(e instanceof ConnectionClosed)) this.log(`nbd: dropping client: ${(e as Error).message}`);
    } finally {
      await this.drain();
      this.socket.destroy();
    }
  }

  // ----- handshake -------------------------------------------------------------------------------
  private send(b: Buffer): void {
    this.socket.write(b);
  }

  private optReply(opt: number, type: number, data: Buffer = Buffer.alloc(0)): void {
    const h = Buffer.alloc(20);
    h.writeBigUInt64BE(OPT_REPLY_MAGIC, 0);
    h.writeUInt32BE(opt, 8);
    h.writeUInt32BE(type >>> 0, 12);
    h.writeUInt32BE(data.length, 16);
    this.send(Buffer.concat([h, data]));
  }

  private transmissionFlags(exp: NbdExport): number {
    let f = TFLAG.HAS_FLAGS | TFLAG.SEND_FLUSH | TFLAG.SEND_FUA | TFLAG.SEND_CACHE | TFLAG.CAN_MULTI_CONN;
    if (exp.readOnly || exp.target.caps.readOnly) f |= TFLAG.READ_ONLY;
    else f |= TFLAG.SEND_TRIM | TFLAG.SEND_WRITE_ZEROES | TFLAG.SEND_FAST_ZERO;
    if (this.structured) f |= TFLAG.SEND_DF;
    return f;
  }

  private async handshake(): Promise<NbdExport | undefined> {
    const g = Buffer.alloc(18);
    g.writeBigUInt64BE(NBDMAGIC, 0);
    g.writeBigUInt64BE(IHAVEOPT, 8);
    g.writeUInt16BE(FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES, 16);
    this.send(g);
    const cflags = (await this.reader.read(4)).readUInt32BE(0);
    if (cflags & ~(FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES)) throw new ProtocolViolation(`unknown client flags ${cflags.toString(16)}`);
    this.noZeroes = (cflags & FLAG_NO_ZEROES) !== 0;
    for (;;) {
      const h = await this.reader.read(16);
      if (h.readBigUInt64BE(0) !== IHAVEOPT) throw new ProtocolViolation('bad option magic');
      const opt = h.readUInt32BE(8);
      const len = h.readUInt32BE(12);
      if (len > MAX_OPTION) throw new ProtocolViolation(`option data of ${len} bytes`);
      const data = await this.reader.read(len);
      switch (opt) {
        case OPT.EXPORT_NAME: {
          const exp = this.exports.get(data.toString('utf8'));
          if (!exp) throw new ProtocolViolation(`unknown export "${data.toString('utf8')}"`);
          const r = Buffer.alloc(this.noZeroes ? 10 : 134);
          r.writeBigUInt64BE(BigInt(exp.target.size), 0);
          r.writeUInt16BE(this.transmissionFlags(exp), 8);
          this.send(r);
          return exp;
        }
        case OPT.ABORT:
          this.optReply(opt, REP.ACK);
          return undefined;
        case OPT.LIST:
          if (len) this.optReply(opt, REP.ERR_INVALID);
          else {
            for (const e of this.exports.list()) {
              const name = Buffer.from(e.name, 'utf8');
              this.optReply(opt, REP.SERVER, Buffer.concat([u32(name.length), name, Buffer.from(e.description ?? '', 'utf8')]));
            }
            this.optReply(opt, REP.ACK);
          }
          break;
        case OPT.STRUCTURED_REPLY:
          if (len) this.optReply(opt, REP.ERR_INVALID);
          else if (this.structured) this.optReply(opt, REP.ERR_INVALID);
          else {
            this.structured = true;
            this.optReply(opt, REP.ACK);
          }
          break;
        case OPT.INFO:
        case OPT.GO: {
          const exp = this.infoOrGo(opt, data);
          if (exp && opt === OPT.GO) return exp;
          break;
        }
        case OPT.LIST_META_CONTEXT:
        case OPT.SET_META_CONTEXT:
          this.metaContext(opt, data);
          break;
        default:
          this.optReply(opt, REP.ERR_UNSUP);
      }
    }
  }

  private infoOrGo(opt: number, data: Buffer): NbdExport | undefined {
    if (data.length < 6) return void this.optReply(opt, REP.ERR_INVALID);
    const nl = data.readUInt32BE(0);
    if (nl > data.length - 6) return void this.optReply(opt, REP.ERR_INVALID);
    const name = data.toString('utf8', 4, 4 + nl);
    const nreq = data.readUInt16BE(4 + nl);
    if (data.length !== 4 + nl + 2 + 2 * nreq) return void this.optReply(opt, REP.ERR_INVALID);
    const reqs = new Set<number>();
    for (let i = 0; i < nreq; i++) reqs.add(data.readUInt16BE(6 + nl + 2 * i));
    const exp = this.exports.get(name);
    if (!exp) return void this.optReply(opt, REP.ERR_UNKNOWN, Buffer.from(`no export named "${name}"`));
    if (reqs.has(INFO.NAME)) {
      const b = Buffer.alloc(2);
      b.writeUInt16BE(INFO.NAME);
      this.optReply(opt, REP.INFO, Buffer.concat([b, Buffer.from(exp.name, 'utf8')]));
    }
    if (reqs.has(INFO.DESCRIPTION) && exp.description) {
      const b = Buffer.alloc(2);
      b.writeUInt16BE(INFO.DESCRIPTION);
      this.optReply(opt, REP.INFO, Buffer.concat([b, Buffer.from(exp.description, 'utf8')]));
    }
    const bs = Buffer.alloc(14);
    bs.writeUInt16BE(INFO.BLOCK_SIZE, 0);
    bs.writeUInt32BE(1, 2);
    bs.writeUInt32BE(4096, 6);
    bs.writeUInt32BE(MAX_PAYLOAD, 10);
    this.optReply(opt, REP.INFO, bs);
    const ex = Buffer.alloc(12);
    ex.writeUInt16BE(INFO.EXPORT, 0);
    ex.writeBigUInt64BE(BigInt(exp.target.size), 2);
    ex.writeUInt16BE(this.transmissionFlags(exp), 10);
    this.optReply(opt, REP.INFO, ex);
    this.optReply(opt, REP.ACK);
    if (opt === OPT.GO && this.metaExport !== name) this.metaSelected = false;
    return exp;
  }

  private metaContext(opt: number, data: Buffer): void {
    if (opt === OPT.SET_META_CONTEXT && !this.structured) return this.optReply(opt, REP.ERR_INVALID);
    if (data.length < 8) return this.optReply(opt, REP.ERR_INVALID);
    const nl = data.readUInt32BE(0);
    if (nl > data.length - 8) return this.optReply(opt, REP.ERR_INVALID);
    const name = data.toString('utf8', 4, 4 + nl);
    let pos = 4 + nl;
    const nq = data.readUInt32BE(pos);
    pos += 4;
    const queries: string[] = [];
    for (let i = 0; i < nq; i++) {
      if (pos + 4 > data.length) return this.optReply(opt, REP.ERR_INVALID);
      const ql = data.readUInt32BE(pos);
      pos += 4;
      if (pos + ql > data.length) return this.optReply(opt, REP.ERR_INVALID);
      queries.push(data.toString('utf8', pos, pos + ql));
      pos += ql;
    }
    if (pos !== data.length) return this.optReply(opt, REP.ERR_INVALID);
    if (!this.exports.get(name)) return this.optReply(opt, REP.ERR_UNKNOWN);
    const wanted = opt === OPT.LIST_META_CONTEXT && nq === 0 ? true : queries.some((q) => q === BASE_ALLOCATION || (opt === OPT.LIST_META_CONTEXT && q === 'base:'));
    if (opt === OPT.SET_META_CONTEXT) {
      this.metaExport = name;
      this.metaSelected = wanted;
    }
    if (wanted) this.optReply(opt, REP.META_CONTEXT, Buffer.concat([u32(opt === OPT.SET_META_CONTEXT ? META_CONTEXT_ID : 0), Buffer.from(BASE_ALLOCATION)]));
    this.optReply(opt, REP.ACK);
  }

  // ----- transmission ----------------------------------------------------------------------------
  private simpleReply(cookie: Buffer, error: number, data?: Uint8Array): void {
    const h = Buffer.alloc(16);
    h.writeUInt32BE(SIMPLE_REPLY_MAGIC, 0);
    h.writeUInt32BE(error, 4);
    cookie.copy(h, 8);
    this.send(data ? Buffer.concat([h, data]) : h);
  }

  private chunk(cookie: Buffer, type: number, payload: Buffer, done = true): Buffer {
    const h = Buffer.alloc(20);
    h.writeUInt32BE(STRUCTURED_REPLY_MAGIC, 0);
    h.writeUInt16BE(done ? REPLY_FLAG_DONE : 0, 4);
    h.writeUInt16BE(type, 6);
    cookie.copy(h, 8);
    h.writeUInt32BE(payload.length, 16);
    return Buffer.concat([h, payload]);
  }

  private errorReply(cmd: number, cookie: Buffer, error: number, message = ''): void {
    if (this.structured && (cmd === CMD.READ || cmd === CMD.BLOCK_STATUS)) {
      const m = Buffer.from(message, 'utf8').subarray(0, 4096);
      const p = Buffer.alloc(6 + m.length);
      p.writeUInt32BE(error, 0);
      p.writeUInt16BE(m.length, 4);
      m.copy(p, 6);
      this.send(this.chunk(cookie, REPLY_TYPE.ERROR, p));
    } else this.simpleReply(cookie, error);
  }

  /** Checks a request against the export once, before any I/O; returns an NBD error or 0. */
  private validate(exp: NbdExport, cmd: number, flags: number, offset: bigint, length: number): number {
    const size = BigInt(exp.target.size);
    const ro = exp.readOnly || exp.target.caps.readOnly;
    const allowed: Record<number, number> = {
      [CMD.READ]: CMD_FLAG.FUA | (this.structured ? CMD_FLAG.DF : 0),
      [CMD.WRITE]: CMD_FLAG.FUA,
      [CMD.FLUSH]: CMD_FLAG.FUA,
      [CMD.TRIM]: CMD_FLAG.FUA,
      [CMD.CACHE]: CMD_FLAG.FUA,
      [CMD.WRITE_ZEROES]: CMD_FLAG.FUA | CMD_FLAG.NO_HOLE | CMD_FLAG.FAST_ZERO,
      [CMD.BLOCK_STATUS]: CMD_FLAG.FUA | CMD_FLAG.REQ_ONE,
    };
    if (allowed[cmd] === undefined) return ERR.EINVAL;
    if (flags & ~allowed[cmd]!) return ERR.EINVAL;
    if (cmd === CMD.FLUSH) return offset === 0n && length === 0 ? 0 : ERR.EINVAL;
    if (cmd === CMD.BLOCK_STATUS && (!this.structured || !this.metaSelected)) return ERR.EINVAL;
    if (length === 0 && cmd !== CMD.WRITE) return ERR.EINVAL;
    if (offset + BigInt(length) > size) return cmd === CMD.WRITE || cmd === CMD.WRITE_ZEROES || cmd === CMD.TRIM ? ERR.ENOSPC : ERR.EINVAL;
    if ((cmd === CMD.READ || cmd === CMD.WRITE) && length > MAX_PAYLOAD) return ERR.EOVERFLOW;
    if (ro && (cmd === CMD.WRITE || cmd === CMD.TRIM || cmd === CMD.WRITE_ZEROES)) return ERR.EPERM;
    return 0;
  }

  private async slot(): Promise<void> {
    while (this.inFlight >= MAX_IN_FLIGHT) await new Promise<void>((r) => this.slots.push(r));
    this.inFlight++;
  }

  private release(): void {
    this.inFlight--;
    this.slots.shift()?.();
    if (this.inFlight === 0) for (const r of this.idle.splice(0)) r();
  }

  private drain(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((r) => this.idle.push(r));
  }

  private async transmission(exp: NbdExport): Promise<void> {
    for (;;) {
      const h = await this.reader.read(28);
      if (h.readUInt32BE(0) !== REQUEST_MAGIC) throw new ProtocolViolation('bad request magic');
      const flags = h.readUInt16BE(4);
      const cmd = h.readUInt16BE(6);
      const cookie = Buffer.from(h.subarray(8, 16));
      const offset = h.readBigUInt64BE(16);
      const length = h.readUInt32BE(24);
      if (cmd === CMD.DISC) return;
      let payload: Buffer | undefined;
      if (cmd === CMD.WRITE) {
        // The payload follows whatever we think of the request; one we cannot hold drops the client.
        if (length > MAX_PAYLOAD) throw new ProtocolViolation(`write of ${length} bytes exceeds the ${MAX_PAYLOAD}-byte limit`);
        payload = await this.reader.read(length);
      }
      const err = this.validate(exp, cmd, flags, offset, length);
      if (err) {
        this.errorReply(cmd, cookie, err);
        continue;
      }
      await this.slot();
      void this.execute(exp, cmd, flags, cookie, Number(offset), length, payload).finally(() => this.release());
    }
  }

  private async execute(exp: NbdExport, cmd: number, flags: number, cookie: Buffer, offset: number, length: number, payload?: Buffer): Promise<void> {
    const t = exp.target;
    try {
      switch (cmd) {
        case CMD.READ: {
          // One buffer for the reply header and the data, read straight into place.
          if (this.structured) {
            const out = takeBuffer(28 + length);
            out.writeUInt32BE(STRUCTURED_REPLY_MAGIC, 0);
            out.writeUInt16BE(REPLY_FLAG_DONE, 4);
            out.writeUInt16BE(REPLY_TYPE.OFFSET_DATA, 6);
            cookie.copy(out, 8);
            out.writeUInt32BE(8 + length, 16);
            out.writeBigUInt64BE(BigInt(offset), 20);
            await t.read(offset, length, out.subarray(28));
            this.socket.write(out, () => giveBack(out));
          } else {
            const out = takeBuffer(16 + length);
            out.writeUInt32BE(SIMPLE_REPLY_MAGIC, 0);
            out.writeUInt32BE(0, 4);
            cookie.copy(out, 8);
            await t.read(offset, length, out.subarray(16));
            this.socket.write(out, () => giveBack(out));
          }
          return;
        }
        case CMD.WRITE:
          await t.write(offset, payload!);
          if (flags & CMD_FLAG.FUA) await t.flush();
          break;
        case CMD.FLUSH:
          await t.flush();
          break;
        case CMD.TRIM:
          await t.discard(offset, length);
          if (flags & CMD_FLAG.FUA) await t.flush();
          break;
        case CMD.CACHE:
          break;
        case CMD.WRITE_ZEROES:
          if (flags & CMD_FLAG.FAST_ZERO) {
            this.simpleReply(cookie, ERR.ENOTSUP);
            return;
          }
          // Without NO_HOLE the client lets us deallocate: the PV image gets a hole.
          await t.writeZeroes(offset, length, (flags & CMD_FLAG.NO_HOLE) !== 0);
          if (flags & CMD_FLAG.FUA) await t.flush();
          break;
        case CMD.BLOCK_STATUS: {
          let ext = await t.extents(offset, length);
          if (flags & CMD_FLAG.REQ_ONE) ext = ext.slice(0, 1);
          const p = Buffer.alloc(4 + 8 * ext.length);
          p.writeUInt32BE(META_CONTEXT_ID, 0);
          ext.forEach((e, i) => {
            p.writeUInt32BE(e.length, 4 + 8 * i);
            p.writeUInt32BE((e.zero ? STATE_ZERO : 0) | (e.hole ? STATE_HOLE : 0), 8 + 8 * i);
          });
          this.send(this.chunk(cookie, REPLY_TYPE.BLOCK_STATUS, p));
          return;
        }
      }
      this.simpleReply(cookie, 0);
    } catch (e) {
      const code = e instanceof TargetIoError ? e.code : 'EIO';
      this.errorReply(cmd, cookie, ERR[code], (e as Error).message);
    }
  }
}
