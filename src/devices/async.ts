// Asynchronous access to a PV device for the data path: many requests in flight, the event loop
// free while the kernel reads and writes. (Metadata I/O stays synchronous: see device.ts.)
import { open, type FileHandle } from 'node:fs/promises';
import type { BlockDevice } from './device.ts';

export interface AsyncBlockDevice {
  readonly path: string;
  read(offset: number, length: number): Promise<Uint8Array>;
  write(offset: number, data: Uint8Array): Promise<void>;
  /** fdatasync: everything written before is on stable storage when it resolves. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export class AsyncFileDevice implements AsyncBlockDevice {
  private constructor(
    readonly path: string,
    private readonly fh: FileHandle,
  ) {}

  static async open(path: string, writable: boolean): Promise<AsyncFileDevice> {
    return new AsyncFileDevice(path, await open(path, writable ? 'r+' : 'r'));
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    const buf = Buffer.alloc(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.fh.read(buf, done, length - done, offset + done);
      if (bytesRead === 0) break; // beyond the end of a sparse image reads as zeros
      done += bytesRead;
    }
    return buf;
  }

  async write(offset: number, data: Uint8Array): Promise<void> {
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await this.fh.write(data, done, data.length - done, offset + done);
      done += bytesWritten;
    }
  }

  flush(): Promise<void> {
    return this.fh.datasync();
  }

  close(): Promise<void> {
    return this.fh.close();
  }
}

/** Adapts a synchronous device (memory disks in tests) to the asynchronous interface. */
export class SyncAdapter implements AsyncBlockDevice {
  constructor(private readonly dev: BlockDevice) {}
  get path(): string {
    return this.dev.path;
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    return this.dev.read(offset, length);
  }
  async write(offset: number, data: Uint8Array): Promise<void> {
    this.dev.write(offset, data);
  }
  async flush(): Promise<void> {
    this.dev.flush();
  }
  async close(): Promise<void> {
    this.dev.close();
  }
}
