// The classic snapshot family as lvm2 stacks it: an origin is snapshot-origin over `-real` (its
// own segments); a snapshot is snapshot over the origin's `-real` and its own `-cow` (the COW
// LV's segments); an origin under a merge is snapshot-merge over `-real` and the merging `-cow`.
import { oneLine, plainDmTable } from '../../mapper/dm-table.ts';
import { CowStore } from '../../mapper/cow-store.ts';
import { OriginTarget, SnapshotTarget } from '../../mapper/snapshot-targets.ts';
import { SnapshotMergeTarget } from '../../mapper/snapshot-merge-target.ts';
import { mergeDmTarget, originDmTarget, snapshotDmTarget } from '../../mapper/snapshot-dm.ts';
import { snapshotOfCow, snapshotSpanBytes } from '../../model/snapshots.ts';
import { ActivationError } from '../activator.ts';
import type { StackBuilder } from './types.ts';

export const snapshotOrigin: StackBuilder = {
  async buildStack(_vg, lv, ctx) {
    const real = ctx.layer('real');
    const io = new OriginTarget(ctx.plain, ctx.stores(lv.name));
    return {
      loads: [
        { dev: real, table: plainDmTable(ctx.plain) },
        { dev: ctx.top, table: oneLine(io, originDmTarget(real), ctx.readOnly) },
      ],
      realTable: ctx.plain,
    };
  },
};

export const snapshotMerge: StackBuilder = {
  async buildStack(vg, lv, ctx) {
    const m = ctx.merge;
    if (!m) throw new ActivationError(`${vg.name}/${lv.name} has no merge running.`);
    const real = ctx.layer('real');
    // The merge reads and writes the origin underneath, through the table it is given here.
    m.merge.real = ctx.plain;
    return {
      loads: [
        { dev: real, table: plainDmTable(ctx.plain) },
        { dev: ctx.top, table: oneLine(new SnapshotMergeTarget(m.merge), mergeDmTarget(real, m.cow, m.chunk), ctx.plain.caps.readOnly) },
      ],
      realTable: ctx.plain,
    };
  },
};

export const snapshot: StackBuilder = {
  async buildStack(vg, lv, ctx) {
    const link = snapshotOfCow(vg, lv.name)!;
    const o = ctx.origin(link.origin);
    if (!o) throw new ActivationError(`Snapshot origin ${vg.name}/${link.origin} is not active.`);
    const cow = ctx.layer('cow');
    // The snapshot device is as long as its segment: the origin's size when it was taken.
    const store = new CowStore(ctx.plain, link.chunk, ctx.log, snapshotSpanBytes(vg, link));
    await store.load();
    const io = new SnapshotTarget(o.table, store, ctx.readOnly);
    return {
      loads: [
        { dev: cow, table: plainDmTable(ctx.plain) },
        { dev: ctx.top, table: oneLine(io, snapshotDmTarget(o.real, cow, link.chunk, store), ctx.readOnly) },
      ],
      store,
      originName: link.origin,
    };
  },
};
