// Reads exact byte counts from a socket, with a bound on what may be buffered.
import type { Socket } from 'node:net';

export class ConnectionClosed extends Error {}

export class SocketReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private waiting?: { n: number; resolve: (b: Buffer) => void; reject: (e: Error) => void };
  private ended = false;
  private failure?: Error;

  constructor(private readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.chunks.push(d);
      this.buffered += d.length;
      // Back-pressure: stop reading while far more is buffered than any single request needs.
      if (this.buffered > 64 * 1024 * 1024) socket.pause();
      this.pump();
    });
    socket.on('end', () => this.close(new ConnectionClosed('client closed the connection')));
    socket.on('close', () => this.close(new ConnectionClosed('connection closed')));
    socket.on('error', (e) => this.close(e));
  }

  private close(e: Error): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = e;
    this.pump();
  }

  private take(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    let off = 0;
    while (off < n) {
      const c = this.chunks[0]!;
      const k = Math.min(c.length, n - off);
      c.copy(out, off, 0, k);
      off += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    this.buffered -= n;
    if (this.socket.isPaused() && this.buffered < 16 * 1024 * 1024) this.socket.resume();
    return out;
  }

  private pump(): void {
    const w = this.waiting;
    if (!w) return;
    if (this.buffered >= w.n) {
      this.waiting = undefined;
      w.resolve(this.take(w.n));
    } else if (this.ended) {
      this.waiting = undefined;
      w.reject(this.failure ?? new ConnectionClosed('connection closed'));
    }
  }

  read(n: number): Promise<Buffer> {
    if (this.waiting) return Promise.reject(new Error('concurrent read on one connection'));
    if (this.buffered >= n) return Promise.resolve(this.take(n));
    if (this.ended) return Promise.reject(this.failure ?? new ConnectionClosed('connection closed'));
    return new Promise((resolve, reject) => {
      this.waiting = { n, resolve, reject };
    });
  }
}
