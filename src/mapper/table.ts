// A device-mapper table: consecutive segments, each a target type mapping its sectors somewhere.
// Requests that cross segment (or stripe chunk) boundaries are split, as the kernel's dm core does.
import type { AsyncBlockDevice } from '../devices/async.ts';
import { type BlockTarget, type Extent, type TargetCaps, TargetIoError } from './target.ts';

const SECTOR = 512;

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
    this.caps = { readOnly, discard: true, writeZeroes: true };
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

  /**
   * The device ranges a request covers, one per run that is contiguous on its device: a discard
   * of a striped LV becomes one punch per stripe and area, not one per chunk. Throws for the
   * error target, as the kernel's fails every request that reaches it.
   */
  private deviceRuns(offset: number, length: number, what: string): { dev: AsyncBlockDevice; at: number; length: number }[] {
    const runs: { dev: AsyncBlockDevice; at: number; length: number }[] = [];
    const lastOn = new Map<AsyncBlockDevice, { dev: AsyncBlockDevice; at: number; length: number }>();
    for (const p of this.pieces(offset, length)) {
      if (p.kind === 'error') throw new TargetIoError(`${what} on an error target`);
      if (p.kind === 'zero') continue; // the zero target holds nothing to free or to zero
      const last = lastOn.get(p.dev!);
      if (last && last.at + last.length === p.devOffset) last.length += p.length;
      else {
        const run = { dev: p.dev!, at: p.devOffset!, length: p.length };
        runs.push(run);
        lastOn.set(p.dev!, run);
      }
    }
    return runs;
  }

  /** Linear and striped targets pass discards down: the PV image gets holes. */
  async discard(offset: number, length: number): Promise<void> {
    if (this.caps.readOnly) throw new TargetIoError('device is read-only', 'EPERM');
    await Promise.all(this.deviceRuns(offset, length, 'discard').map((r) => r.dev.discard(r.at, r.length)));
  }

  async writeZeroes(offset: number, length: number, noUnmap = false): Promise<void> {
    if (this.caps.readOnly) throw new TargetIoError('device is read-only', 'EPERM');
    await Promise.all(this.deviceRuns(offset, length, 'write zeroes').map((r) => r.dev.writeZeroes(r.at, r.length, noUnmap)));
  }

  /** Holes of the PV files within the LV's extents are holes of the LV; the zero target is one. */
  async extents(offset: number, length: number): Promise<Extent[]> {
    const out: Extent[] = [];
    const push = (n: number, zero: boolean, hole: boolean) => {
      const last = out[out.length - 1];
      if (last && last.zero === zero && !!last.hole === hole) last.length += n;
      else out.push(hole ? { length: n, zero, hole } : { length: n, zero });
    };
    const pieces = this.pieces(offset, length);
    const maps = await Promise.all(pieces.map((p) => (p.kind === 'data' ? p.dev!.allocation(p.devOffset!, p.length) : undefined)));
    pieces.forEach((p, i) => {
      if (p.kind === 'data') for (const a of maps[i]!) push(a.length, a.hole, a.hole);
      else push(p.length, p.kind === 'zero', p.kind === 'zero');
    });
    return out;
  }
}
