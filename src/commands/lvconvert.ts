// lvconvert: of lvm2's conversions ulvm does the snapshot merge (--merge / --mergesnapshot) and
// the conversion to a thin pool; the others (raid, mirror, cache) need segment types ulvm does not map yet.
import type { Ctx } from '../ops/context.ts';
import { fail } from '../ops/context.ts';
import { findVgOrSay, splitLvName, rescanVg } from '../ops/select.ts';
import type { LogicalVolume } from '../model/types.ts';
import type { FoundVg } from '../metadata/scan.ts';
import { mergingSnapshotOf, snapshotOfCow } from '../model/snapshots.ts';
import { isLvVisibleForReport } from '../report/lv-info.ts';
import { convertToThinPool } from '../ops/convert-thin-pool.ts';
import { sizeArg } from '../ops/lv-size.ts';
import { pollInterval, pollSnapshotMerge, startSnapshotMerge, type MergePoll } from '../ops/snapshot-merge.ts';

const MERGES = new Set(['lvconvert_merge', 'lvconvert_merge_snapshot']);

const TO_THIN_POOL = new Set(['lvconvert_to_thinpool', 'lvconvert_to_thinpool_or_swap_metadata']);

/** lvconvert --type thin-pool [--poolmetadata VG/M] VG/D. */
async function toThinPool(ctx: Ctx): Promise<number> {
  const arg = ctx.args.positionals[0] ?? ctx.opt('thinpool') ?? fail('Please specify a logical volume path.', 3);
  const s = splitLvName(arg) ?? fail(`"${arg}": Invalid path for Logical Volume.`, 3);
  const c = ctx.opt('chunksize');
  const md = ctx.opt('poolmetadatasize');
  const meta = ctx.opt('poolmetadata');
  const zero = ctx.opt('zero');
  const discards = ctx.opt('discards') as 'ignore' | 'nopassdown' | 'passdown' | undefined;
  await convertToThinPool(ctx, {
    vg: s.vg,
    lv: s.lv,
    ...(meta !== undefined ? { metadataLv: meta } : {}),
    ...(md !== undefined ? { metadataSize: sizeArg(md, 'm', 'poolmetadatasize').sectors } : {}),
    ...(c !== undefined ? { chunkSize: sizeArg(c, 'k', 'chunksize').sectors } : {}),
    ...(ctx.opt('poolmetadataspare') !== undefined ? { metadataSpare: ctx.opt('poolmetadataspare') === 'y' } : {}),
    ...(zero !== undefined ? { zero: zero === 'y' } : {}),
    ...(discards !== undefined ? { discards } : {}),
    ...(ctx.opt('errorwhenfull') !== undefined ? { errorWhenFull: ctx.opt('errorwhenfull') === 'y' } : {}),
    yes: ctx.has('yes'),
  });
  return 0;
}

export async function run(ctx: Ctx): Promise<number> {
  if (TO_THIN_POOL.has(ctx.args.defId)) return toThinPool(ctx);
  if (!MERGES.has(ctx.args.defId)) fail(`ulvm: this lvconvert operation (${ctx.args.defId}) is not supported yet; only --merge of snapshots is.`, 5);
  const background = ctx.has('background');
  const polls: MergePoll[] = [];
  let rc = 0;
  for (const arg of ctx.args.positionals) {
    const s = splitLvName(arg);
    const vgName = s ? s.vg : arg;
    await ctx.locks.vg(vgName);
    const found = findVgOrSay(ctx, vgName, true);
    if (!found) {
      rc = 5;
      continue;
    }
    // A VG stands for its visible LVs, as process_each_lv takes it.
    const lvs: LogicalVolume[] = [];
    if (s) {
      const lv = found.vg.lvs.find((l) => l.name === s.lv);
      if (!lv) {
        ctx.error(`Failed to find logical volume "${s.vg}/${s.lv}"`);
        rc = 5;
        continue;
      }
      lvs.push(lv);
    } else lvs.push(...found.vg.lvs.filter((l) => isLvVisibleForReport(found.vg, l)));
    for (const lv of lvs) {
      const r = await mergeOne(ctx, rescanVg(ctx, found), lv.name);
      if (r.rc > rc) rc = r.rc;
      if (r.poll) polls.push(r.poll);
    }
  }
  for (const p of polls) {
    const r = await pollSnapshotMerge(ctx, p, { background, ...pollInterval(ctx) });
    if (r > rc) rc = r;
  }
  return rc;
}

async function mergeOne(ctx: Ctx, found: FoundVg, lvName: string): Promise<{ rc: number; poll?: MergePoll }> {
  const vg = found.vg;
  const lv = vg.lvs.find((l) => l.name === lvName)!;
  const display = `${vg.name}/${lv.name}`;
  const link = snapshotOfCow(vg, lv.name);
  // The command's rules (command-lines.in): not on a merging COW or a merging origin.
  // --mergesnapshot also requires a visible LV (a merging COW is hidden).
  const props = [...(mergingSnapshotOf(vg, lv.name) ? ['lv_is_merging_origin'] : []), ...(link?.merging ? ['lv_is_merging_cow'] : [])];
  const needsVisible = ctx.args.defId === 'lvconvert_merge_snapshot' && !isLvVisibleForReport(vg, lv);
  if (props.length || needsVisible) {
    if (props.length) ctx.warn(`Command on LV ${display} is invalid on LV with properties: ${props.map((p) => `${p} `).join('')}.`);
    if (needsVisible) ctx.warn(`Command on LV ${display} requires LV with properties: lv_is_visible .`);
    ctx.error(`Command not permitted on LV ${display}.`);
    return { rc: 5 };
  }
  if (link) return startSnapshotMerge(ctx, found, lv);
  // Anything else is taken for a split raid image (lv_raid_merge).
  if (lv.status.includes('WRITE')) ctx.error(`${display} cannot be merged because --trackchanges was not used.`);
  else ctx.error(`Unable to merge non-raid image ${display}.`);
  return { rc: 5 };
}
