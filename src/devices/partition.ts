// A partition of a disk (image file or block device) as a device of its own: `disk.img:p1`.
import type { BlockDevice } from './device.ts';
import { DeviceBusyError, DeviceNotFoundError } from './device.ts';
import { gptEntryArea, readPartitions, splitPartitionName, type Partition } from '../formats/partitions.ts';

export class PartitionDevice implements BlockDevice {
  constructor(
    readonly path: string,
    private readonly disk: BlockDevice,
    readonly offset: number,
    readonly size: number,
  ) {}
  get writable(): boolean {
    return this.disk.writable;
  }
  read(offset: number, length: number): Uint8Array {
    return this.disk.read(this.offset + offset, Math.max(0, Math.min(length, this.size - offset)));
  }
  write(offset: number, data: Uint8Array): void {
    if (offset + data.length > this.size) throw new RangeError(`write past the end of ${this.path}`);
    this.disk.write(this.offset + offset, data);
  }
  flush(): void {
    this.disk.flush();
  }
  close(): void {
    this.disk.close();
  }
}

export function partitionsOf(disk: BlockDevice): Partition[] | undefined {
  const head = disk.read(0, 1024);
  const area = gptEntryArea(head);
  return readPartitions(head, area ? disk.read(area.offset, area.length) : undefined);
}

/**
 * Opens `disk:pN` through `openDisk`; undefined when the name has no partition suffix. With
 * `usersOf`, the partition is being claimed: it fails with DeviceBusyError while anything uses
 * the disk's bytes that the partition covers (other partitions of the disk may be in use).
 */
export function openPartition(
  name: string,
  writable: boolean,
  openDisk: (p: string, w: boolean) => BlockDevice,
  usersOf?: (disk: string, range: { offset: number; length: number }) => string[],
): BlockDevice | undefined {
  const s = splitPartitionName(name);
  if (!s) return undefined;
  const disk = openDisk(s.disk, writable);
  const part = partitionsOf(disk)?.find((p) => p.index === s.index);
  if (!part) {
    disk.close();
    throw new DeviceNotFoundError(name);
  }
  const users = usersOf?.(s.disk, { offset: part.offset, length: part.length }) ?? [];
  if (users.length) {
    disk.close();
    throw new DeviceBusyError(name, users);
  }
  return new PartitionDevice(name, disk, part.offset, part.length);
}
