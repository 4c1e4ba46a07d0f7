// An LV turned into its device stack: the tables to load into its devices, lowest layer first.
// One builder per segment type (keyed by lvm2's segment type name), so that segment type modules
// can bring their own.
import type { LogicalVolume, VolumeGroup } from '../../model/types.ts';
import type { Table } from '../../mapper/table.ts';
import type { DmTable } from '../../mapper/dm-table.ts';
import type { DmDevice } from '../../mapper/registry.ts';
import type { CowStore } from '../../mapper/cow-store.ts';
import type { SnapshotMerge } from '../../mapper/snapshot-merge.ts';
import type { ThinPool } from '../../mapper/thin-pool.ts';
import type { ThinTarget } from '../../mapper/thin-target.ts';
import type { BlockDevice } from '../../devices/device.ts';

/** An active pool's runtime and the device carrying its thin-pool target (`-tpool`, or the pool's own while it is new). */
export interface ActivePool {
  pool: ThinPool;
  carrier: DmDevice;
}

export interface StackContext {
  /** The LV's own segments mapped onto its PVs. */
  plain: Table;
  readOnly: boolean;
  /** The LV's visible device (`vg-lv`). */
  top: DmDevice;
  /** One of the LV's hidden layer devices (`vg-lv-real`, `vg-lv-cow`, `vg-lv-tpool`), created on first use. */
  layer(kind: LayerKind): DmDevice;
  /** An active LV of the VG the stack is built over (a pool's `_tdata` and `_tmeta`). */
  subLv(name: string): { dev: DmDevice; table: Table } | undefined;
  /** A synchronous device over an LV's extents on its PVs (a pool's metadata); closed with the stack. */
  syncLv(name: string): BlockDevice;
  /** Pool: the runtime it already has (a reload keeps it: it holds the live metadata). */
  thinPool?: ActivePool;
  /** Thin LV: its active pool. */
  pool(name: string): ActivePool | undefined;
  /** activation/thin_pool_autoextend_threshold (a pool's low water mark) and dm_thin_pool's no_space_timeout (seconds). */
  thinSettings: { autoextendThreshold: number; noSpaceTimeout: number };
  /** An active origin of the VG: its `-real` device and the table it maps. */
  origin(name: string): { real: DmDevice; table: Table } | undefined;
  /** The active, valid exception stores of an origin (they change as snapshots come and go). */
  stores(originName: string): () => CowStore[];
  /** The merge running into this origin, with the `-cow` device it reads. */
  merge?: { merge: SnapshotMerge; cow: DmDevice; chunk: number };
  log: (m: string) => void;
}

export interface BuiltStack {
  /** Tables to load, lowest layer first, the visible device last. */
  loads: { dev: DmDevice; table: DmTable }[];
  /** Origin: the table its `-real` device maps (what its snapshots read underneath). */
  realTable?: Table;
  /** Snapshot: its exception store, and the origin it belongs to. */
  store?: CowStore;
  originName?: string;
  /** Pool: its runtime. */
  thinPool?: ActivePool;
  /** Thin LV: its target (released when its table goes). */
  thinTarget?: ThinTarget;
}

export type LayerKind = 'real' | 'cow' | 'tpool';

export interface StackBuilder {
  buildStack(vg: VolumeGroup, lv: LogicalVolume, ctx: StackContext): Promise<BuiltStack>;
}
