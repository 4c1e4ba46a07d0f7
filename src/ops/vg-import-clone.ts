// vgimportclone: a VG on cloned devices (a copied disk image, a storage snapshot) has the PV and
// VG uuids of the original, so the two cannot both be used. The clone's devices get new PV uuids,
// its VG a new uuid and name (the old name or --basevgname, with a number when taken), as lvm2's
// tools/vgimportclone.c does; the original is not touched.
import type { Ctx } from './context.ts';
import { fail } from './context.ts';
import { scanDevices, type FoundVg } from '../metadata/scan.ts';
import { cloneVg } from '../model/clone.ts';
import { generateId, formatId } from '../formats/uuid.ts';
import { encodeLabel, scanLabel, LABEL_SCAN_SECTORS, SECTOR_SIZE } from '../formats/label.ts';
import type { VolumeGroup } from '../model/types.ts';

export interface ImportCloneOptions {
  /** The cloned devices: every PV of the cloned VG, nothing else. */
  devices: string[];
  /** --basevgname: the new name's stem (default: the old name, then a number). */
  baseVgName?: string;
  /** --import: the clone of an exported VG is imported at the same time. */
  import?: boolean;
  /** --importdevices: add the devices to the devices file (they are anyway when it is in use). */
  importDevices?: boolean;
}

const FAILED = 'Failed to update VG on devices being imported.';

/** The first of NAME1, NAME2 … (or BASE, BASE1 … with --basevgname) that no other VG has. */
function newName(old: string, base: string | undefined, taken: Set<string>): string {
  const stem = base ?? old;
  let n = base !== undefined ? 0 : 1;
  let name = base ?? `${old}1`;
  while (taken.has(name)) name = `${stem}${++n}`;
  return name;
}

export async function importCloneVg(ctx: Ctx, o: ImportCloneOptions): Promise<{ vg: string; from: string }> {
  const names = o.devices.map((d) => ctx.deviceName(d));
  for (const [i, n] of names.entries()) if (!ctx.opener.exists(n)) fail(`Failed to find device ${o.devices[i]}.`, 5, 'DEVICE_NOT_FOUND', { device: o.devices[i]! });
  // The clone is read from its own devices only: next to the original, every PV would be a duplicate.
  const mine = scanDevices(ctx.opener, names);
  for (const n of names) if (!mine.device(n)?.label) fail(`Failed to find PVID for device ${n}.`, 5, 'PV_NOT_FOUND', { device: n });
  const vgs = mine.all();
  if (vgs.length > 1) fail('Devices must be from the same VG.', 5, 'INVALID_ARGUMENT');
  const found: FoundVg = vgs[0] ?? fail('No VG found on devices.', 5, 'VG_NOT_FOUND');
  const old = found.vg.name;
  const others = scanDevices(ctx.opener, ctx.devicePaths().filter((d) => !names.includes(d)));
  const taken = new Set(others.all().map((f) => f.vg.name));
  const name = newName(old, o.baseVgName, taken);
  await ctx.locks.vg(name);
  await ctx.locks.vg(old);
  const vg: VolumeGroup = cloneVg(found.vg);
  if (vg.status.includes('EXPORTED') && !o.import) fail([`VG ${old} is exported, use the --import option.`, FAILED]);
  if (found.missing.size) fail([`VG ${old} is partial, it must be complete.`, FAILED]);
  // A device an active LV maps (its table names it) is in use.
  const busy = names.filter((n) => ctx.activeLvs().some((a) => [...a.table, ...(a.realTable ?? []), ...(a.cowTable ?? [])].some((l) => l.split(' ').includes(n))));
  if (busy.length) fail([...busy.map((b) => `Device ${b} has active LVs, deactivate first.`), FAILED], 5, 'DEVICE_IN_USE', { vg: old });
  const pathOf = (pvId: string) => found.pvDevices.get(pvId)?.path;
  for (const pv of vg.pvs)
    if (!names.includes(pathOf(pv.id) ?? ''))
      fail([`PV with UUID ${formatId(pv.id)} is part of VG ${old}, but is not included in the devices to import.`, 'All PVs in the VG must be imported together.', FAILED]);
  for (const n of names)
    if (!vg.pvs.some((pv) => pathOf(pv.id) === n)) fail([`Device ${n} was not found in VG ${old}.`, 'The devices to import must match the devices in the VG.', FAILED]);

  // New identities: the VG's, and each PV's (its areas follow it).
  const renamed = new Map<string, string>();
  for (const pv of vg.pvs) {
    const id = generateId();
    renamed.set(pv.id, id);
    pv.id = id;
    if (o.import) pv.status = pv.status.filter((s) => s !== 'EXPORTED');
  }
  for (const lv of vg.lvs)
    for (const seg of lv.segments) {
      const areas = seg.kind === 'striped' ? seg.areas : seg.kind === 'unknown' ? seg.areas ?? [] : [];
      for (const a of areas) if (a.kind === 'pv') a.pvId = renamed.get(a.pvId) ?? a.pvId;
    }
  if (o.import) vg.status = vg.status.filter((s) => s !== 'EXPORTED');
  vg.id = generateId();
  vg.name = name;
  // The labels first (lvm2's pv_write_list), then the metadata naming the new ids.
  for (const [oldId, newId] of renamed) {
    const path = pathOf(oldId)!;
    const dev = ctx.opener.open(path, true, true);
    try {
      const s = scanLabel(dev.read(0, LABEL_SCAN_SECTORS * SECTOR_SIZE));
      const label = s.label ?? fail(`Failed to find PVID for device ${path}.`);
      dev.write(label.sector * SECTOR_SIZE, encodeLabel({ ...label, pvId: newId }));
      dev.flush();
    } finally {
      dev.close();
    }
  }
  ctx.commit(vg, names, found.vg);
  const byPath = new Map([...renamed].map(([oldId, newId]) => [pathOf(oldId)!, newId] as const));
  if (ctx.usesDevicesFile() || o.importDevices) ctx.addToDevicesFile(names.map((n) => ({ name: n, pvId: byPath.get(n)! })));
  return { vg: name, from: old };
}
