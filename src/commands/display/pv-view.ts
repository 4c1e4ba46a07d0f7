// The physical_volume fields lvm2's display code reads, for the two kinds of PV a display command
// meets: a member of a VG (possibly missing) and an orphan ("new") PV.
import { formatId } from '../../formats/uuid.ts';
import type { FoundVg, ScannedDevice } from '../../metadata/scan.ts';
import type { PhysicalVolume, VolumeGroup } from '../../model/types.ts';
import { allocatedExtents } from './pv-segments.ts';

// physical_volume status bits as lvm2 prints them with -c.
const EXPORTED_VG = 0x2;
const ALLOCATABLE_PV = 0x8;
const MISSING_PV = 0x800000;

export interface PvView {
  /** pv_dev_name(): the device path, `[unknown]` for a missing PV. */
  name: string;
  /** VG name; undefined for an orphan. */
  vgName: string | undefined;
  orphan: boolean;
  exported: boolean;
  /** pv->size in sectors (metadata dev_size for members, label device size for orphans). */
  size: number;
  peStart: number;
  /** Extent size in sectors; 0 outside a VG (this is what makes a PV "NEW"). */
  peSize: number;
  peCount: number;
  peAlloc: number;
  allocatable: boolean;
  /** Numeric status bits (pvdisplay -c). */
  status: number;
  /** Formatted PV UUID. */
  uuid: string;
  tags: string[];
  vg?: VolumeGroup;
  pv?: PhysicalVolume;
  device?: ScannedDevice;
}

export function memberView(f: FoundVg, pv: PhysicalVolume): PvView {
  const dev = f.pvDevices.get(pv.id);
  const has = (s: string) => pv.status.includes(s) || pv.flags.includes(s);
  const missing = !dev || has('MISSING');
  const exported = has('EXPORTED') || f.vg.status.includes('EXPORTED');
  const allocatable = has('ALLOCATABLE');
  return {
    name: dev ? dev.path : '[unknown]',
    vgName: f.vg.name,
    orphan: false,
    exported,
    size: pv.devSize,
    peStart: pv.peStart,
    peSize: f.vg.extentSize,
    peCount: pv.peCount,
    peAlloc: allocatedExtents(f.vg, pv.id),
    allocatable,
    status: (allocatable ? ALLOCATABLE_PV : 0) | (exported ? EXPORTED_VG : 0) | (missing ? MISSING_PV : 0),
    uuid: formatId(pv.id),
    tags: pv.tags,
    vg: f.vg,
    pv,
    ...(dev ? { device: dev } : {}),
  };
}

export function orphanView(d: ScannedDevice): PvView {
  const label = d.label!;
  return {
    name: d.path,
    vgName: undefined,
    orphan: true,
    exported: false,
    size: Math.floor(label.deviceSize / 512),
    peStart: (label.dataAreas[0]?.offset ?? 0) / 512,
    peSize: 0,
    peCount: 0,
    peAlloc: 0,
    allocatable: false,
    status: 0,
    uuid: formatId(label.pvId),
    tags: [],
    device: d,
  };
}
