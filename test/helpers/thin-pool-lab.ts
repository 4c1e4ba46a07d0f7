// Pools on memory devices for the thin target tests: the metadata on a sync memory device, the
// data behind a linear table (so discards punch the memory device), the kernel's log collected.
import { MemoryDevice } from '../../src/devices/memory.ts';
import { SyncAdapter } from '../../src/devices/async.ts';
import type { BlockDevice } from '../../src/devices/device.ts';
import { Table } from '../../src/mapper/table.ts';
import type { BlockTarget } from '../../src/mapper/target.ts';
import { ThinPool, type ThinPoolOptions } from '../../src/mapper/thin-pool.ts';

export const BS = 128;
export const BB = BS * 512;

export function linearOver(dev: BlockDevice, bytes = dev.size): Table {
  return new Table([{ start: 0, length: bytes / 512, target: { type: 'linear', area: { dev: new SyncAdapter(dev), start: 0 } } }]);
}

export interface Lab {
  meta: MemoryDevice;
  dataDev: MemoryDevice;
  data: BlockTarget;
  pool: ThinPool;
  logs: string[];
}

export function poolLab(o: { dataBlocks?: number; metaBlocks?: number; data?: BlockTarget; dataDev?: MemoryDevice } & Partial<ThinPoolOptions> = {}): Lab {
  const { dataBlocks = 1024, metaBlocks = 1024, ...rest } = o;
  const meta = (rest.metadata as MemoryDevice | undefined) ?? new MemoryDevice('/meta', metaBlocks * 4096);
  const dataDev = o.dataDev ?? new MemoryDevice('/data', dataBlocks * BB);
  const data = o.data ?? linearOver(dataDev);
  const logs: string[] = [];
  const pool = ThinPool.open({ dataBlockSize: BS, lowWaterMark: 0, name: '253:2', log: (m) => void logs.push(m), ...rest, metadata: meta, data });
  return { meta, dataDev, data, pool, logs };
}

/** A block's worth of one byte value (or `length` bytes of it). */
export function fill(v: number, length = BB): Uint8Array {
  return new Uint8Array(length).fill(v);
}
