// pvresize: follow a device that grew or shrank (image file truncated, disk resized).
import { exportedForCommand, rescanVg } from '../ops/select.ts';
import { areaExtents, segAreas } from '../model/types.ts';
import { cloneVg } from '../model/clone.ts';
import type { Ctx } from '../ops/context.ts';
import { fail } from '../ops/context.ts';
import { sizeArg } from '../ops/lv-size.ts';
import { encodeLabel, SECTOR_SIZE } from '../formats/label.ts';
import { peCount } from '../model/layout.ts';

export async function run(ctx: Ctx): Promise<number> {
  const names = ctx.args.positionals.map((p) => ctx.deviceName(p));
  if (!names.length) fail('Please supply physical volume(s)', 3);
  const setSize = ctx.opt('setphysicalvolumesize');
  let done = 0;
  let skipped = 0;
  let rc = 0;
  for (const name of names) {
    const sd = ctx.scan(true).device(name);
    if (!sd?.label) {
      ctx.error(`Failed to find physical volume "${name}".`);
      rc = 5;
      continue;
    }
    const f = ctx.scan().vgOfDevice(sd);
    if (f && exportedForCommand(ctx, f)) {
      // lvm2's process_each_pv: refused, and counted neither way.
      ctx.error(`Cannot use PV ${name} in exported VG ${f.vg.name}.`);
      rc = 5;
      skipped++;
      continue;
    }
    let sectors = sd.sizeSectors;
    if (setSize) {
      const s = sizeArg(setSize, 'm', 'setphysicalvolumesize');
      if (s.sign === '-') fail('Physical volume size may not be negative', 3);
      if (s.sectors > sd.sizeSectors && !ctx.prompt(`WARNING: ${name}: Overriding real size <${sd.sizeSectors}>. You could lose data.\nDo you want to use new size ${s.sectors}? [y/n]: `)) {
        ctx.error(`Physical Volume ${name} not resized.`);
        rc = 5;
        continue;
      }
      sectors = s.sectors;
    }
    // The label records the device size; rewrite it for orphans and members alike.
    const dev = ctx.opener.open(name, true);
    try {
      const l = { ...sd.label, deviceSize: sectors * SECTOR_SIZE };
      dev.write(l.sector * SECTOR_SIZE, encodeLabel(l));
      dev.flush();
    } finally {
      dev.close();
    }
    if (f) {
      await ctx.locks.vg(f.vg.name);
      const cur = rescanVg(ctx, f);
      const vg = cloneVg(cur.vg);
      const pv = vg.pvs.find((p) => p.id === sd.label!.pvId)!;
      const mda1 = sd.label.metadataAreas[1];
      const n = peCount(sectors, pv.peStart, vg.extentSize, mda1 ? sectors * 512 - mda1.offset : 0);
      const allocated = vg.lvs.flatMap((lv) => lv.segments.flatMap((s) => segAreas(s).filter((a) => a.kind === 'pv' && a.pvId === pv.id).map((a) => (a.kind === 'pv' ? a.pe + areaExtents(s) : 0))));
      const highest = Math.max(0, ...allocated);
      if (n < highest) {
        ctx.error(`${name}: cannot resize to ${n} extents as later ones are allocated.`);
        rc = 5;
        continue;
      }
      ctx.verbose(1, `Resizing volume "${name}" to ${sectors} sectors.`);
      pv.devSize = sectors;
      pv.peCount = n;
      ctx.commit(vg, ctx.pvPaths(cur), cur.vg);
    }
    ctx.print(`Physical volume "${name}" changed`);
    done++;
  }
  ctx.print(`${done} physical volume(s) resized or updated / ${names.length - done - skipped} physical volume(s) not resized`);
  return rc;
}
