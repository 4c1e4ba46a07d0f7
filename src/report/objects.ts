// What a report row is made of. Commands build these from scanned devices and loaded VGs;
// the report engine turns them into columns. Nothing here does I/O.
import type { LogicalVolume, PhysicalVolume, Segment, VolumeGroup } from '../model/types.ts';

/** Kernel-side (or ulvm daemon-side) state of an LV; undefined fields mean "unknown" (lvm's 'X'). */
export interface LvActivation {
  /** 'unknown' when there is no device-mapper to ask (`--driverloaded n`). */
  state: 'active' | 'inactive' | 'suspended' | 'unknown';
  openCount?: number;
  readOnly?: boolean;
  major?: number;
  minor?: number;
  readAheadSectors?: number;
  /** Snapshot COW usage, thin data usage ... as a percentage (0..100). */
  dataPercent?: number;
  metadataPercent?: number;
  /** Classic snapshot overflowed. */
  invalid?: boolean;
  /** Where the active LV can be opened, when not lvm2's /dev/VG/LV and /dev/mapper/VG-LV (see commands/lv-paths.ts). */
  path?: string;
  dmPath?: string;
  /** Thin pool: the discards its live table has (kernel_discards): passdown, nopassdown or ignore. */
  kernelDiscards?: string;
  /** Thin pool: the open count of the device carrying its target (`-tpool`), which lv_attr shows. */
  poolOpenCount?: number;
  /** Thin pool: its own device is the read-only layer over `-tpool` (lvdisplay's "activated read only"). */
  poolReadOnlyLayer?: boolean;
  /** Thin pool / thin LV kernel health (lv_attr position 9, lv_health_status); undefined = ok. */
  health?: 'failed' | 'out_of_data' | 'metadata_read_only';
}

export interface MdaInfo {
  /** Bytes of the whole metadata area including its header. */
  size: number;
  /** Bytes lvm reports as free (pv_mda_free). */
  free: number;
  ignored: boolean;
}

/** One device row of pvs: a PV (in a VG or orphan) or, with -a, any scanned device. */
export interface PvObject {
  /** `major:minor` of the device when it is a block device. */
  devNumber?: string;
  /** Device path as the user knows it (`/dev/loop0`, `disk.img`). */
  name: string;
  /** Device size in 512-byte sectors. */
  devSize: number;
  /** false for a plain device listed by `pvs -a`. */
  isPv: boolean;
  pvId?: string;
  /** Metadata record, present when the PV belongs to a VG. */
  vg?: VolumeGroup;
  pv?: PhysicalVolume;
  /** pe_start in sectors from the label's data area (orphans) or metadata (VG members). */
  peStart: number;
  mdas: MdaInfo[];
  /** Label sector extension flag PV_EXT_USED etc. */
  extVersion: number;
  /** pv_header_extension flags (PV_EXT_USED: a VG uses the PV, even when none was found). */
  extFlags?: number;
  missing: boolean;
  /** The unused device of a PV found on two (lvm2's pv_attr 'd'): shown with its VG, sized 0. */
  duplicate?: boolean;
}

export interface VgObject {
  vg: VolumeGroup;
  /** Number of in-use metadata areas over all PVs (vg_mda_count). */
  mdaCount: number;
  mdaUsedCount: number;
  /** Smallest mda size/free over the VG's PVs (vg_mda_size / vg_mda_free), bytes. */
  mdaSize: number;
  mdaFree: number;
  /** PV ids whose device was not found. */
  missingPvIds: Set<string>;
  /** Device path of each present PV, by PV id. */
  pvDevice: Map<string, string>;
}

export interface LvObject {
  vgo: VgObject;
  lv: LogicalVolume;
  activation: LvActivation;
}

export interface SegObject {
  lvo: LvObject;
  seg: Segment;
}

/** A PV segment: a run of PEs that is either free or one LV's. */
export interface PvSegObject {
  pvo: PvObject;
  start: number;
  size: number;
  lv?: LogicalVolume;
  seg?: Segment;
}
