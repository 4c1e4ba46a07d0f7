// An LV turned into its device stack: the tables to load into its devices, lowest layer first.
// One builder per segment type (keyed by lvm2's segment type name), so that segment type modules
// can bring their own.
import type { LogicalVolume, VolumeGroup } from '../../model/types.ts';
import type { Table } from '../../mapper/table.ts';
import type { DmTable } from '../../mapper/dm-table.ts';
import type { DmDevice } from '../../mapper/registry.ts';
import type { CowStore } from '../../mapper/cow-store.ts';
import type { SnapshotMerge } from '../../mapper/snapshot-merge.ts';

export interface StackContext {
  /** The LV's own segments mapped onto its PVs. */
  plain: Table;
  readOnly: boolean;
  /** The LV's visible device (`vg-lv`). */
  top: DmDevice;
  /** One of the LV's hidden layer devices (`vg-lv-real`, `vg-lv-cow`), created on first use. */
  layer(kind: 'real' | 'cow'): DmDevice;
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
}

export interface StackBuilder {
  buildStack(vg: VolumeGroup, lv: LogicalVolume, ctx: StackContext): Promise<BuiltStack>;
}
