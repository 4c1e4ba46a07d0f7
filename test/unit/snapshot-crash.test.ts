// Crash consistency of the snapshot data path, by fault injection: origin writes (one at a time and
// concurrent, across an area boundary) and a merge are cut after each of their device writes. Two
// outcomes of every cut are checked: a process crash (everything written so far stays) and power
// cuts (the writes since each device's last flush are lost: all of them, or all but the newest). After reloading the COW, the snapshot
// must still read exactly as the origin did when it was taken; after a cut merge, running the
// merge again must leave the origin reading as the snapshot did.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryTarget } from '../helpers/memory-target.ts';
import { CowStore } from '../../src/mapper/cow-store.ts';
import { OriginTarget, SnapshotTarget } from '../../src/mapper/snapshot-targets.ts';
import { mergeSnapshot } from '../../src/mapper/snapshot-merge.ts';

const C = 8; // 4 KiB chunks: 256 exceptions per area
const CB = C * 512;

class Cut extends Error {}

/** Decides when the machine "dies": after `limit` writes, across every device sharing it. */
class Machine {
  writes = 0;
  constructor(readonly limit: number) {}
}

/** A RAM device that remembers what each write since its last flush overwrote (to undo a power cut). */
class Disk extends MemoryTarget {
  private unflushed: { offset: number; old: Uint8Array }[] = [];
  constructor(
    size: number,
    private readonly machine: { current?: Machine },
  ) {
    super(size);
  }
  override async write(offset: number, data: Uint8Array): Promise<void> {
    const m = this.machine.current;
    if (m && m.writes++ >= m.limit) throw new Cut('cut');
    this.unflushed.push({ offset, old: this.bytes.slice(offset, offset + data.length) });
    await super.write(offset, data);
  }
  override async flush(): Promise<void> {
    const m = this.machine.current;
    if (m && m.writes >= m.limit) throw new Cut('cut');
    this.unflushed = [];
  }
  /**
   * A power cut: writes since the last flush are lost, all of them, or all but the newest (the
   * device wrote its cache out of order: the worst case for anything that needed ordering).
   */
  powerCut(keepNewest: boolean): void {
    const lost = keepNewest ? this.unflushed.slice(0, -1) : this.unflushed;
    for (const w of lost.reverse()) this.bytes.set(w.old, w.offset);
    this.unflushed = [];
  }
  settle(): void {
    this.unflushed = [];
    this.ops.length = 0;
  }
}

const pattern = (chunk: number, salt: number) => new Uint8Array(CB).fill(((chunk * 7 + salt) % 251) + 1);

async function freshPair(machine: { current?: Machine }) {
  const origin = new Disk(512 * CB, machine);
  for (let c = 0; c < 512; c++) origin.bytes.set(pattern(c, 0), c * CB);
  const cow = new Disk(700 * CB, machine);
  const store = new CowStore(cow, C);
  await store.load();
  origin.settle();
  cow.settle();
  return { origin, cow, before: origin.bytes.slice() };
}

/** After a cut: the snapshot (reloaded from the COW) reads as the origin did when it was taken. */
async function assertSnapshotIntact(origin: Disk, cow: Disk, before: Uint8Array, what: string): Promise<void> {
  const store = new CowStore(cow, C);
  await store.load();
  assert.equal(store.invalid, false, what);
  const snap = new SnapshotTarget(origin, store);
  const seen = await snap.read(0, origin.size);
  assert.ok(Buffer.from(seen).equals(Buffer.from(before)), `${what}: the snapshot reads as the origin was`);
  for (let c = 0; c < 512; c++) {
    const now = origin.bytes[c * CB]!;
    assert.ok(now === before[c * CB] || now === pattern(c, 1)[0], `${what}: origin chunk ${c} is old or new, nothing else`);
  }
}

// Origin writes: chunks 0..299 (over the first area's 256 exceptions), some twice, in four
// concurrent streams, so commits group and one batch crosses into the second area.
async function originWrites(origin: Disk, cow: Disk): Promise<void> {
  const store = new CowStore(cow, C);
  await store.load();
  const target = new OriginTarget(origin, () => [store]);
  const streams = [0, 1, 2, 3].map(async (k) => {
    for (let c = k; c < 300; c += 4) {
      await target.write(c * CB, pattern(c, 1));
      if (c % 50 === 0) await target.write(c * CB, pattern(c, 1));
    }
  });
  // A crashed machine does nothing more: wait for every stream to stop (each fails on the cut).
  const results = await Promise.allSettled(streams);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

test('origin writes cut after every device write: the snapshot stays intact (process crash and power cut)', async () => {
  const machine: { current?: Machine } = {};
  // How many writes the whole run makes uncut.
  {
    const { origin, cow } = await freshPair(machine);
    machine.current = new Machine(Infinity);
    await originWrites(origin, cow);
  }
  const total = machine.current!.writes;
  assert.ok(total > 600, `${total} writes`);
  // Every cut point would be slow to enumerate fully; every write up to 80, then a stride.
  const cuts = [...Array(total).keys()].filter((n) => n < 80 || n % 7 === 0);
  for (const n of cuts) {
    for (const power of [undefined, 'all lost', 'newest kept'] as const) {
      machine.current = undefined;
      const { origin, cow, before } = await freshPair(machine);
      machine.current = new Machine(n);
      await originWrites(origin, cow).catch((e: unknown) => {
        if (!(e instanceof Cut)) throw e;
      });
      machine.current = undefined;
      if (power) {
        origin.powerCut(power === 'newest kept');
        cow.powerCut(power === 'newest kept');
      }
      await assertSnapshotIntact(origin, cow, before, `cut after write ${n}${power ? `, power cut (${power})` : ''}`);
    }
  }
});

test('a merge cut after every device write completes when run again', async () => {
  const machine: { current?: Machine } = {};
  const setUp = async () => {
    machine.current = undefined;
    const { origin, cow, before } = await freshPair(machine);
    await originWrites(origin, cow);
    origin.settle();
    cow.settle();
    return { origin, cow, before };
  };
  let total: number;
  {
    const { origin, cow } = await setUp();
    const store = new CowStore(cow, C);
    await store.load();
    machine.current = new Machine(Infinity);
    await mergeSnapshot(origin, store, () => []);
    total = machine.current.writes;
  }
  for (let n = 0; n < total; n++) {
    for (const power of [undefined, 'all lost', 'newest kept'] as const) {
      const { origin, cow, before } = await setUp();
      const store = new CowStore(cow, C);
      await store.load();
      machine.current = new Machine(n);
      await mergeSnapshot(origin, store, () => []).catch((e: unknown) => {
        if (!(e instanceof Cut)) throw e;
      });
      machine.current = undefined;
      if (power) {
        origin.powerCut(power === 'newest kept');
        cow.powerCut(power === 'newest kept');
      }
      const again = new CowStore(cow, C);
      await again.load();
      await mergeSnapshot(origin, again, () => []);
      assert.ok(Buffer.from(origin.bytes).equals(Buffer.from(before)), `merge cut after write ${n}${power ? `, power cut (${power})` : ''}, run again: the origin reads as the snapshot did`);
    }
  }
});
