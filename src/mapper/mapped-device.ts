// A mapped device as the kernel keeps one: a live table, an inactive table that `load` fills,
// `suspend` (new I/O waits, in-flight I/O drains) and `resume` (the inactive table goes live).
import { type BlockTarget, type Extent, type TargetCaps, TargetIoError } from './target.ts';

/**
 * Called before a request that changes data goes down (a change map's write-intent bit); the
 * request goes down once it resolves, and calls what it resolved to when it has completed.
 */
export type WriteGate = (offset: number, length: number) => Promise<() => void>;

export class MappedDevice implements BlockTarget {
  private live: BlockTarget;
  private inactive?: BlockTarget;
  private suspended = false;
  private inFlight = 0;
  private drained: (() => void)[] = [];
  private held: (() => void)[] = [];
  /** Set while a change map follows this device's writes (it stays across table reloads). */
  writeGate?: WriteGate;

  constructor(
    readonly name: string,
    table: BlockTarget,
  ) {
    this.live = table;
  }

  get size(): number {
    return this.live.size;
  }
  get caps(): TargetCaps {
    return this.live.caps;
  }
  get isSuspended(): boolean {
    return this.suspended;
  }
  get table(): BlockTarget {
    return this.live;
  }

  load(table: BlockTarget): void {
    this.inactive = table;
  }

  /** Resolves once every request that had started has finished; later ones wait for resume. */
  async suspend(): Promise<void> {
    this.suspended = true;
    if (this.inFlight === 0) return;
    await new Promise<void>((r) => this.drained.push(r));
  }

  resume(): void {
    if (this.inactive) {
      this.live = this.inactive;
      this.inactive = undefined;
    }
    this.suspended = false;
    const waiting = this.held;
    this.held = [];
    for (const w of waiting) w();
  }

  private async io<T>(fn: (t: BlockTarget) => Promise<T>): Promise<T> {
    while (this.suspended) await new Promise<void>((r) => this.held.push(r));
    this.inFlight++;
    try {
      return await fn(this.live);
    } finally {
      if (--this.inFlight === 0 && this.drained.length) {
        const d = this.drained;
        this.drained = [];
        for (const r of d) r();
      }
    }
  }

  /** A request that changes data: through the write gate, inside the in-flight count (suspend waits for the gate too). */
  private change(offset: number, length: number, fn: (t: BlockTarget) => Promise<void>): Promise<void> {
    if (length <= 0) return this.io(fn);
    return this.io(async (t) => {
      const gate = this.writeGate;
      if (!gate) return fn(t);
      const done = await gate(offset, length);
      try {
        // The live table cannot change meanwhile: a suspend waits for this request to finish.
        await fn(t);
      } finally {
        done();
      }
    });
  }

  read(offset: number, length: number, into?: Uint8Array): Promise<Uint8Array> {
    return this.io((t) => t.read(offset, length, into));
  }
  write(offset: number, data: Uint8Array): Promise<void> {
    if (this.live.caps.readOnly) return Promise.reject(new TargetIoError('device is read-only', 'EPERM'));
    return this.change(offset, data.length, (t) => t.write(offset, data));
  }
  flush(): Promise<void> {
    return this.io((t) => t.flush());
  }
  discard(offset: number, length: number): Promise<void> {
    return this.change(offset, length, (t) => t.discard(offset, length));
  }
  writeZeroes(offset: number, length: number, noUnmap?: boolean): Promise<void> {
    return this.change(offset, length, (t) => t.writeZeroes(offset, length, noUnmap));
  }
  extents(offset: number, length: number): Promise<Extent[]> {
    return this.io((t) => t.extents(offset, length));
  }
}
