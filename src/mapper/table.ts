// A device-mapper table: consecutive segments, each a target type mapping its sectors somewhere.
// Requests that cross segment (or stripe chunk) boundaries are split, as the kernel's dm core does.
import type { AsyncBlockDevice } from '../devices/async.ts';
import { type BlockTarget, type Extent, type TargetCaps, TargetIoError } from './target.ts';

const SECTOR = 512;
const ZERO_CHUNK = 1024 * 1024;

export interface StripeArea {
  dev: AsyncBlockDevice;
  /** First sector of the area on the device. */
  start: number;
}

export type TableTarget =
  | { type: 'linear'; area: StripeArea }
  | { type: 'striped'; areas: StripeArea[]; chunkSectors: number }
  | { type: 'zero' }
  | { type: 'error' };

export interface TableLine {
  /** Logical start sector and length in sectors. */
  start: number;
  length: number;
  target: TableTarget;
}

/** A piece of a request: where in the request, and the device range (or none, for zero/error). */
interface Piece {
  from: number;
  length: number;
  dev?: AsyncBlockDevice;
  devOffset?: number;
  kind: 'data' | 'zero' | 'error';
}

export class Table implements BlockTarget {
  readonly size: number;
  readonly caps: TargetCaps;

  constructor(
    readonly lines: TableLine[],
    readOnly = false,
  ) {
    let s = 0;
    for (const l of lines) {
      if (l.start !== s) throw new Error(`table has a gap or overlap at sector ${s}`);
      s += l.length;
    }
    this.size = s * SECTOR;
    this.caps = { readOnly, discard: false, writeZeroes: true };
  }

  private pieces(offset: number, length: number): Piece[] {
    if (offset < 0 || length < 0 || offset + length > this.size) throw new TargetIoError(`I/O ${offset}+${length} beyond the end of the device (${this.size})`, 'EINVAL');
    const out: Piece[] = [];
    let pos = offset;
    const end = offset + length;
    for (const l of this.lines) {
      const lStart = l.start * SECTOR;
      const lEnd = lStart + l.length * SECTOR;
      if (pos >= end) break;
      if (lEnd <= pos) continue;
      while (pos < end && pos < lEnd) {
        const rel = pos - lStart;
        const t = l.target;
        if (t.type === 'linear') {
          const n = Math.min(end, lEnd) - pos;
          out.push({ from: pos - offset, length: n, dev: t.area.dev, devOffset: t.area.start * SECTOR + rel, kind: 'data' });
          pos += n;
        } else if (t.type === 'striped') {
          const chunk = t.chunkSectors * SECTOR;
          const c = Math.floor(rel / chunk);
          const within = rel - c * chunk;
          const area = t.areas[c % t.areas.length]!;
          const row = Math.floor(c / t.areas.length);
          const n = Math.min(chunk - within, end - pos, lEnd - pos);
          out.push({ from: pos - offset, length: n, dev: area.dev, devOffset: area.start * SECTOR + row * chunk + within, kind: 'data' });
          pos += n;
        } else {
          const n = Math.min(end, lEnd) - pos;
          out.push({ from: pos - offset, length: n, kind: t.type });
          pos += n;
        }
      }
    }
    return out;
  }

  async read(offset: number, length: number, into?: Uint8Array): Promise<Uint8Array> {
    const buf = into ?? new Uint8Array(length);
    const pieces = this.pieces(offset, length);
    const one = async (p: Piece) => {
      if (p.kind === 'error') throw new TargetIoError('read from an error target');
      const view = buf.subarray(p.from, p.from + p.length);
      if (p.kind === 'data') await p.dev!.read(p.devOffset!, p.length, view);
      else view.fill(0);
    };
    if (pieces.length === 1) await one(pieces[0]!);
    else await Promise.all(pieces.map(one));
    return buf;
  }

  async write(offset: number, data: Uint8Array): Promise<void> {
    if (this.caps.readOnly) throw new TargetIoError('device is read-only', 'EPERM');
    await Promise.all(
      this.pieces(offset, data.length).map(async (p) => {
        if (p.kind === 'error') throw new TargetIoError('write to an error target');
        if (p.kind === 'data') await p.dev!.write(p.devOffset!, data.subarray(p.from, p.from + p.length));
      }),
    );
  }

  async flush(): Promise<void> {
    const devs = new Set<AsyncBlockDevice>();
    for (const l of this.lines) {
      if (l.target.type === 'linear') devs.add(l.target.area.dev);
      else if (l.target.type === 'striped') for (const a of l.target.areas) devs.add(a.dev);
    }
    await Promise.all([...devs].map((d) => d.flush()));
  }

  async discard(): Promise<void> {
    // Discard is a hint; linear and striped targets on image files keep the data.
  }

  async writeZeroes(offset: number, length: number): Promise<void> {
    if (this.caps.readOnly) throw new TargetIoError('device is read-only', 'EPERM');
    for (let pos = 0; pos < length; pos += ZERO_CHUNK) {
      const n = Math.min(ZERO_CHUNK, length - pos);
      await this.write(offset + pos, new Uint8Array(n));
    }
  }

  async extents(offset: number, length: number): Promise<Extent[]> {
    const out: Extent[] = [];
    for (const p of this.pieces(offset, length)) {
      const zero = p.kind === 'zero';
      const last = out[out.length - 1];
      if (last && last.zero === zero) last.length += p.length;
      else out.push({ length: p.length, zero });
    }
    return out;
  }
}
