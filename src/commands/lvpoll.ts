// lvpoll --polloperation merge VG/LV: lvm2's poll of an operation already started, as lvmpolld
// runs it (and as the ulvm daemon runs it inside itself once a merge nobody polls is done). Of
// the poll operations ulvm has the snapshot merge only (pvmove, mirror conversion and thin
// merges need targets ulvm does not map).
import type { Ctx } from '../ops/context.ts';
import { fail } from '../ops/context.ts';
import { findVgOrSay, splitLvName } from '../ops/select.ts';
import { mergingSnapshotOf } from '../model/snapshots.ts';
import { pollInterval, pollSnapshotMerge } from '../ops/snapshot-merge.ts';

const KNOWN = new Set(['pvmove', 'convert', 'merge', 'merge_thin']);

export async function run(ctx: Ctx): Promise<number> {
  const op = ctx.opt('polloperation') ?? '';
  if (!KNOWN.has(op)) fail(`Unknown polling operation ${op}`, 3);
  if (op !== 'merge') fail(`ulvm: lvpoll --polloperation ${op} is not supported yet; only merge is.`, 5);
  const arg = ctx.args.positionals[0]!;
  const s = splitLvName(arg);
  if (!s) fail(`Please provide a volume group name`, 3);
  const found = findVgOrSay(ctx, s.vg, true);
  if (!found) return 5;
  const lv = found.vg.lvs.find((l) => l.name === s.lv);
  if (!lv) {
    ctx.error(`Failed to find logical volume "${s.vg}/${s.lv}"`);
    return 5;
  }
  const display = `${s.vg}/${s.lv}`;
  if (!mergingSnapshotOf(found.vg, lv.name)) {
    // poll_merge_progress finds nothing to monitor; lvconvert_merge_finish says so.
    ctx.print(`Logical volume ${display} is no longer merging origin, polling has finished.`);
    return 0;
  }
  // lvpoll's --interval defaults to 0 (lvmpolld always passes one): look again at once.
  const { interval, wait } = ctx.has('interval') ? pollInterval(ctx) : { interval: 0, wait: false };
  return pollSnapshotMerge(ctx, { vgName: s.vg, originName: lv.name, devices: ctx.pvPaths(found, true) }, { background: false, interval, wait });
}
