// The thin mapping tree: a two-level btree, device id -> (virtual block -> block_time). The top
// level's values are subtree roots (metadata references); the bottom level's values hold data
// references. Updates shadow the top-level path before the device's subtree, as the kernel's
// multi-level insert does: if a top-level leaf is shared (a metadata snapshot holds it), shadowing
// it takes a reference on every subtree root in it, so the subtree is then copied, not changed.
import { Btree, type InsertResult, type RemoveResult } from './btree.ts';
import { type BlockTime, decodeBlockTime, decodeU64, encodeBlockTime, encodeU64 } from './thin-values.ts';
import type { TransactionManager } from './transaction-manager.ts';

export interface DataRefCounts {
  inc(b: number): void;
  dec(b: number): void;
}

export class MappingTree {
  /** Bottom level: data block references, equal when the data block is (the time is ignored). */
  readonly bottom: Btree;
  /**
   * Top level during a two-level update: the subtree root is replaced by its shadow, which already
   * released the old root, so overwriting releases nothing.
   */
  private readonly top: Btree;
  /** Top level on its own: removing an entry releases the device's whole subtree. */
  private readonly topDelete: Btree;

  constructor(
    readonly tm: TransactionManager,
    data: DataRefCounts,
  ) {
    this.bottom = new Btree(tm, {
      size: 8,
      inc: (v) => data.inc(decodeBlockTime(v).block),
      dec: (v) => data.dec(decodeBlockTime(v).block),
      equal: (a, b) => decodeBlockTime(a).block === decodeBlockTime(b).block,
    });
    const sameRoot = (a: Uint8Array, b: Uint8Array) => decodeU64(a) === decodeU64(b);
    const incRoot = (v: Uint8Array) => tm.inc(decodeU64(v));
    this.top = new Btree(tm, { size: 8, inc: incRoot, dec: () => {}, equal: sameRoot });
    this.topDelete = new Btree(tm, { size: 8, inc: incRoot, dec: (v) => this.bottom.del(decodeU64(v)), equal: sameRoot });
  }

  empty(): number {
    return this.top.empty();
  }

  deviceRoot(root: number, id: number): number | undefined {
    const v = this.top.lookup(root, id);
    return v && decodeU64(v);
  }

  /** Adds a device whose subtree root's reference the caller has already taken. */
  addDevice(root: number, id: number, subtree: number): number {
    return this.top.insert(root, id, encodeU64(subtree)).root;
  }

  /** Removes a device and releases its subtree (dm_btree_del honours sharing). */
  removeDevice(root: number, id: number): RemoveResult {
    return this.topDelete.remove(root, id);
  }

  /** Runs `f` on device `id`'s subtree; returns the new top-level root and f's result. */
  update<T>(root: number, id: number, f: (subtree: number) => { root: number; result: T }): { root: number; result: T } {
    const before = this.deviceRoot(root, id);
    if (before === undefined) throw new RangeError(`no mapping tree for device ${id}`);
    root = this.top.insert(root, id, encodeU64(before)).root;
    // The shadowing above may have changed the subtree's reference count, never its location.
    const r = f(before);
    root = this.top.insert(root, id, encodeU64(r.root)).root;
    return { root, result: r.result };
  }

  insert(root: number, id: number, vblock: number, bt: BlockTime): { root: number; result: boolean } {
    const value = encodeBlockTime(bt);
    return this.update(root, id, (sub) => {
      const r: InsertResult = this.bottom.insert(sub, vblock, value);
      return { root: r.root, result: r.inserted };
    });
  }

  remove(root: number, id: number, vblock: number): { root: number; result: boolean } {
    return this.update(root, id, (sub) => {
      const r = this.bottom.remove(sub, vblock);
      return { root: r.root, result: r.found };
    });
  }

  removeRange(root: number, id: number, begin: number, end: number): { root: number; result: number } {
    return this.update(root, id, (sub) => {
      const r = this.bottom.removeRange(sub, begin, end);
      return { root: r.root, result: r.removed };
    });
  }

  lookup(root: number, id: number, vblock: number): BlockTime | undefined {
    const sub = this.deviceRoot(root, id);
    const v = sub === undefined ? undefined : this.bottom.lookup(sub, vblock);
    return v && decodeBlockTime(v);
  }

  /** The first mapping at or after `vblock`. */
  lookupNext(root: number, id: number, vblock: number): [number, BlockTime] | undefined {
    const sub = this.deviceRoot(root, id);
    const r = sub === undefined ? undefined : this.bottom.lookupNext(sub, vblock);
    return r && [r[0], decodeBlockTime(r[1])];
  }

  lastMapped(root: number, id: number): number | undefined {
    const sub = this.deviceRoot(root, id);
    return sub === undefined ? undefined : this.bottom.last(sub)?.[0];
  }

  walk(root: number, id: number, visit: (vblock: number, bt: BlockTime) => boolean | void): void {
    const sub = this.deviceRoot(root, id);
    if (sub !== undefined) this.bottom.walk(sub, (k, v) => visit(k, decodeBlockTime(v)));
  }

  /** Deletes the whole two-level tree (a released metadata snapshot's). */
  del(root: number): void {
    this.topDelete.del(root);
  }
}
