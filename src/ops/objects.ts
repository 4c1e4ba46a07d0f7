// Turning a scan into the row objects that reports and displays print.
import { lvPaths } from './lv-paths.ts';
import type { Ctx } from './context.ts';
import type { FoundVg, Scan, ScannedDevice } from '../metadata/scan.ts';
import type { LvActivation, LvObject, MdaInfo, PvObject, VgObject } from '../report/objects.ts';
import { maxMetadataSize } from '../formats/circular.ts';
import { RAW_LOCN_IGNORED } from '../formats/mda-header.ts';
import { lvExtents, type LogicalVolume, type VolumeGroup } from '../model/types.ts';
import type { ActiveLv } from '../activation/activator.ts';
import { makePercent, parseThinPoolStatus, parseThinStatus, poolHealth } from '../segtypes/thin-status.ts';
import { poolSegOf, thinSegOf } from '../model/thin.ts';
import { displaySize } from '../report/units.ts';

/** Metadata areas lvm2 counts: those whose header could be read. */
export function mdaInfos(d: ScannedDevice): MdaInfo[] {
  return d.mdas.filter((m) => m.header).map((m) => {
    const size = m.header?.size ?? m.size;
    const used = m.header?.committed.offset ? m.header.committed.size : 0;
    const free = Math.floor(Math.max(0, maxMetadataSize(size) - used) / 512) * 512;
    return { size, free, ignored: !!(m.header && m.header.committed.flags & RAW_LOCN_IGNORED) };
  });
}

export function vgObject(f: FoundVg): VgObject {
  const pvDevice = new Map<string, string>();
  let mdaCount = 0;
  let mdaUsed = 0;
  let mdaSize = 0;
  let mdaFree = 0;
  for (const [id, d] of f.pvDevices) {
    pvDevice.set(id, d.path);
    for (const m of mdaInfos(d)) {
      mdaCount++;
      if (!m.ignored) mdaUsed++;
      if (!mdaSize || m.size < mdaSize) mdaSize = m.size;
      if (!mdaFree || m.free < mdaFree) mdaFree = m.free;
    }
  }
  return { vg: f.vg, mdaCount, mdaUsedCount: mdaUsed, mdaSize, mdaFree, missingPvIds: f.missing, pvDevice };
}

function pvFromDevice(d: ScannedDevice, f: FoundVg | undefined): PvObject {
  const label = d.label!;
  const pv = f?.vg.pvs.find((p) => p.id === label.pvId);
  const o: PvObject = {
    name: d.path,
    ...(d.devNumber ? { devNumber: d.devNumber } : {}),
    devSize: d.sizeSectors,
    isPv: true,
    pvId: label.pvId,
    peStart: pv ? pv.peStart : (label.dataAreas[0]?.offset ?? 0) / 512,
    mdas: mdaInfos(d),
    extVersion: label.extVersion,
    extFlags: label.extFlags,
    missing: false,
  };
  if (f && pv) {
    o.vg = f.vg;
    o.pv = pv;
  }
  return o;
}

/** PV rows: members of VGs, orphans, missing PVs as "[unknown]", and with `all` every other device. */
export function pvObjects(scan: Scan, all: boolean): PvObject[] {
  const out: PvObject[] = [];
  for (const d of scan.devices) {
    if (d.error && !all) continue;
    if (d.label && d.duplicateOf) {
      // lvm2 lists the unused copy with -a (or when named): in its VG, no size, attr d--.
      const used = scan.device(d.duplicateOf);
      const f = used ? scan.vgOfDevice(used) : undefined;
      out.push({ name: d.path, devSize: 0, isPv: true, pvId: d.label.pvId, ...(f ? { vg: f.vg } : {}), peStart: 0, mdas: [], extVersion: d.label.extVersion, missing: false, duplicate: true });
    } else if (d.label) out.push(pvFromDevice(d, scan.vgOfDevice(d)));
    else if (all && !d.error) out.push({ name: d.path, devSize: d.sizeSectors, isPv: false, peStart: 0, mdas: [], extVersion: 0, missing: false });
  }
  for (const f of scan.all())
    for (const pv of f.vg.pvs)
      if (f.missing.has(pv.id))
        out.push({ name: '[unknown]', devSize: pv.devSize, isPv: true, pvId: pv.id, vg: f.vg, pv, peStart: pv.peStart, mdas: [], extVersion: 2, missing: true });
  return out;
}

export function activationOf(ctx: Ctx, vg: VolumeGroup, lv: LogicalVolume): LvActivation {
  if (ctx.activationDisabled) return { state: 'unknown' };
  const a = ctx.activeLv(vg.id, lv.id);
  if (!a) return { state: 'inactive' };
  // The kernel's read-ahead for dm devices: 256 sectors, more for stripes (two full stripe rows).
  const seg = lv.segments[0];
  const stripes = seg?.kind === 'striped' ? seg.areas.length : 1;
  const readAhead = seg?.kind === 'striped' && stripes > 1 ? Math.max(256, 2 * stripes * (seg.stripeSize ?? 128)) : 256;
  const paths = lvPaths(vg.name, lv.name, a);
  const out: LvActivation = { state: a.suspended ? 'suspended' : 'active', path: paths.path, dmPath: paths.dmPath, openCount: a.openCount, readOnly: a.readOnly && lv.status.includes('WRITE'), major: a.major, minor: a.minor, readAheadSectors: readAhead, ...(a.dataPercent !== undefined ? { dataPercent: a.dataPercent } : {}), ...(a.invalid ? { invalid: true } : {}) };
  return { ...out, ...thinActivation(ctx, vg, lv, a) };
}

/** Data%, Meta% and health of a pool or thin LV, from its target's status, as lvm2 computes them. */
function thinActivation(ctx: Ctx, vg: VolumeGroup, lv: LogicalVolume, a: ActiveLv): Partial<LvActivation> {
  if (a.thinPoolStatus !== undefined) {
    const s = parseThinPoolStatus(a.thinPoolStatus);
    if (!s) return {};
    const h = poolHealth(s);
    // The pool is open while its target's device is (the thin LVs hold `-tpool`).
    return {
      ...(s.fail ? {} : { dataPercent: makePercent(s.usedData, s.totalData), metadataPercent: makePercent(s.usedMetadata, s.totalMetadata) }),
      ...(h ? { health: h } : {}),
      ...(s.fail ? {} : { kernelDiscards: s.discards }),
      ...(a.tpoolOpenCount !== undefined ? { poolOpenCount: a.tpoolOpenCount } : {}),
      ...(a.tpoolMinor === undefined ? {} : { poolReadOnlyLayer: true }),
    };
  }
  if (a.thinStatus !== undefined) {
    const t = parseThinStatus(a.thinStatus);
    if (t.fail) return { health: 'failed' };
    const pool = thinSegOf(lv) ? vg.lvs.find((l) => l.name === thinSegOf(lv)!.thinPool) : undefined;
    const chunk = poolSegOf(pool)?.chunkSize ?? 128;
    const size = lvExtents(lv) * vg.extentSize;
    const csize = Math.ceil(size / chunk) * chunk;
    if (t.mappedSectors > csize) {
      ctx.warn(`WARNING: Thin volume ${vg.name}/${lv.name} maps ${displaySize(t.mappedSectors)} while the size is only ${displaySize(size)}.`);
      return { dataPercent: 100 };
    }
    return { dataPercent: makePercent(t.mappedSectors, csize) };
  }
  return {};
}

export function lvObjects(ctx: Ctx, vgo: VgObject): LvObject[] {
  return vgo.vg.lvs.map((lv) => ({ vgo, lv, activation: activationOf(ctx, vgo.vg, lv) }));
}
