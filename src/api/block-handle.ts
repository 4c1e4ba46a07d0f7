// An open LV for a library user: byte-addressed reads and writes through the LV's live device
// (its targets: linear/striped mapping, an origin's copy-on-write to its snapshots).
import type { BlockTarget } from '../mapper/target.ts';
import { fail } from '../errors.ts';

export class BlockHandle {
  private closed = false;

  constructor(
    private readonly device: BlockTarget,
    private readonly release: () => void,
  ) {}

  /** Bytes, as the device is now (an LV extended while open grows here too). */
  get size(): number {
    return this.device.size;
  }

  private check(offset: number, length: number): void {
    if (this.closed) fail('The logical volume was closed.', 5, 'FAILED');
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > this.device.size)
      fail(`I/O at ${offset} length ${length} is beyond the end of the device (${this.device.size} bytes).`, 5, 'INVALID_ARGUMENT');
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    this.check(offset, length);
    return this.device.read(offset, length);
  }

  async write(offset: number, data: Uint8Array): Promise<void> {
    this.check(offset, data.length);
    await this.device.write(offset, data);
  }

  /** Makes written data durable on the PVs (the devices' fsync). */
  async flush(): Promise<void> {
    if (this.closed) return;
    await this.device.flush();
  }

  async discard(offset: number, length: number): Promise<void> {
    this.check(offset, length);
    await this.device.discard(offset, length);
  }

  /** Flushes and ends the open. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.device.flush();
    this.closed = true;
    this.release();
  }
}
