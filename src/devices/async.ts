// Asynchronous access to a PV device for the data path: many requests in flight, the event loop
// free while the kernel reads and writes. (Metadata I/O stays synchronous: see device.ts.)
import { open, type FileHandle } from 'node:fs/promises';
import { fdatasync, read as readCb, write as writeCb } from 'node:fs';
import type { BlockDevice } from './device.ts';
import { splitPartitionName } from '../formats/partitions.ts';
import { fileOpener } from './file.ts';
import type { PartitionDevice } from './partition.ts';

export interface AsyncBlockDevice {
  readonly path: string;
  /** Reads into `into` when given (no extra copy on the data path). */
  read(offset: number, length: number, into?: Uint8Array): Promise<Uint8Array>;
  write(offset: number, data: Uint8Array): Promise<void>;
  /** fdatasync: everything written before is on stable storage when it resolves. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

// The callback forms of read/write/fdatasync on the handle's descriptor: with many requests in
// flight they cost about half of FileHandle's promise methods per call (measured: 7 µs against
// 13-17 µs per 4 KiB page-cache read at 16 in flight), and the data path makes one call per request.
const preadAt = (fd: number, buf: Uint8Array, at: number, length: number, position: number): Promise<number> =>
  new Promise((resolve, reject) => readCb(fd, buf, at, length, position, (e, n) => (e ? reject(e) : resolve(n))));
const pwriteAt = (fd: number, buf: Uint8Array, at: number, length: number, position: number): Promise<number> =>
  new Promise((resolve, reject) => writeCb(fd, buf, at, length, position, (e, n) => (e ? reject(e) : resolve(n))));

export class AsyncFileDevice implements AsyncBlockDevice {
  private constructor(
    readonly path: string,
    private readonly fh: FileHandle,
    /** Where the device starts in the file (partitions). */
    private readonly base = 0,
  ) {}

  /** `disk.img:p1` opens the disk and works within the partition. */
  static async open(path: string, writable: boolean): Promise<AsyncFileDevice> {
    const s = splitPartitionName(path);
    if (!s) return new AsyncFileDevice(path, await open(path, writable ? 'r+' : 'r'));
    const probe = fileOpener.open(path, false) as PartitionDevice;
    const { offset } = probe;
    probe.close();
    return new AsyncFileDevice(path, await open(s.disk, writable ? 'r+' : 'r'), offset);
  }

  async read(offset: number, length: number, into?: Uint8Array): Promise<Uint8Array> {
    const buf = into ?? new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const bytesRead = await preadAt(this.fh.fd, buf, done, length - done, this.base + offset + done);
      if (bytesRead === 0) {
        buf.fill(0, done, length); // beyond the end of a sparse image reads as zeros
        break;
      }
      done += bytesRead;
    }
    return buf;
  }

  async write(offset: number, data: Uint8Array): Promise<void> {
    let done = 0;
    while (done < data.length) {
      const bytesWritten = await pwriteAt(this.fh.fd, data, done, data.length - done, this.base + offset + done);
      done += bytesWritten;
    }
  }

  flush(): Promise<void> {
    return new Promise((resolve, reject) => fdatasync(this.fh.fd, (e) => (e ? reject(e) : resolve())));
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
  async read(offset: number, length: number, into?: Uint8Array): Promise<Uint8Array> {
    const data = this.dev.read(offset, length);
    if (!into) return data;
    into.set(data);
    return into;
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
