// Commit order and crash safety: the superblock is written last, after a flush, and a crash after
// any earlier write of a commit leaves the previous transaction intact and consistent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BlockDevice } from '../../src/devices/device.ts';
import { MemoryDevice } from '../../src/devices/memory.ts';
import { ThinMetadata } from '../../src/pdata/thin-metadata.ts';
import { checkThinMetadata } from '../../src/pdata/thin-check.ts';

type Op = { offset: number; data: Uint8Array } | 'flush';

class LoggingDevice implements BlockDevice {
  readonly writable = true;
  log: Op[] = [];
  constructor(readonly inner: MemoryDevice) {}
  get path(): string {
    return this.inner.path;
  }
  get size(): number {
    return this.inner.size;
  }
  read(offset: number, length: number): Uint8Array {
    return this.inner.read(offset, length);
  }
  write(offset: number, data: Uint8Array): void {
    this.log.push({ offset, data: data.slice() });
    this.inner.write(offset, data);
  }
  flush(): void {
    this.log.push('flush');
  }
  close(): void {}
}

function copy(dev: MemoryDevice): MemoryDevice {
  const c = new MemoryDevice('/copy', dev.size);
  c.write(0, dev.read(0, dev.size));
  return c;
}

function state(dev: BlockDevice): string {
  const md = ThinMetadata.open(dev);
  const out: unknown[] = [md.transactionId.toString(), md.time];
  for (const id of md.devices()) {
    const m: number[] = [];
    md.mappings(id, (v, bt) => void m.push(v, bt.block));
    out.push(id, md.deviceDetails(id)!.mappedBlocks, m);
  }
  return JSON.stringify(out);
}

test('a crash after any write of a commit leaves the previous commit readable and consistent', () => {
  const mem = new MemoryDevice('/meta', 4 << 20);
  const dev = new LoggingDevice(mem);
  // A small cache makes the commit's blocks reach the device early, during the transaction.
  const md = ThinMetadata.format(dev, { dataBlockSize: 128, nrDataBlocks: 8000, cacheBlocks: 16 });
  md.createThin(0);
  for (let v = 0; v < 4000; v++) md.insertMapping(0, v, md.allocDataBlock());
  md.setTransactionId(0n, 1n);
  md.commit();
  const before = copy(mem);
  const old = state(before);
  dev.log = [];
  md.createSnap(1, 0);
  for (let v = 0; v < 4000; v += 3) md.insertMapping(0, v, md.allocDataBlock());
  md.removeRange(1, 100, 300);
  md.createThin(2);
  md.insertMapping(2, 9, md.allocDataBlock());
  md.setTransactionId(1n, 2n);
  md.commit();
  const ops = dev.log;
  const writes = ops.filter((o): o is { offset: number; data: Uint8Array } => o !== 'flush');
  assert.equal(ops.at(-1), 'flush');
  const sb = ops.at(-2);
  assert.ok(sb !== 'flush' && sb !== undefined && sb.offset === 0, 'the superblock is the last write');
  assert.equal(ops.at(-3), 'flush', 'everything else is flushed before the superblock is written');
  assert.ok(writes.slice(0, -1).every((w) => w.offset !== 0), 'block 0 is written once, at the end');
  assert.ok(writes.length > 20, `${writes.length} writes`);
  const step = Math.max(1, Math.floor(writes.length / 12));
  for (let k = 0; k < writes.length; k += step) {
    const crashed = copy(before);
    for (const w of writes.slice(0, k)) crashed.write(w.offset, w.data);
    assert.equal(state(crashed), old, `crash after ${k} of ${writes.length} writes`);
    assert.deepEqual(checkThinMetadata(crashed).errors, []);
  }
  const done = copy(before);
  for (const w of writes) done.write(w.offset, w.data);
  assert.equal(state(done), state(mem));
  assert.notEqual(state(done), old);
  assert.deepEqual(checkThinMetadata(done).errors, []);
});
