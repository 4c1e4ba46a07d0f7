// ulvm backup restore [--repo REPO] [--differential] [--parallel N] BACKUP[/LV] TARGET
// TARGET is VG/LV (made at the backed-up size when missing), VG (every LV of the backup, by name),
// or a path (an image file, made sparse when missing).
import type { Ctx } from '../../ops/context.ts';
import { fail } from '../../ops/context.ts';
import { fileWriter, restoreVolume, type RestoreStats, type VolumeWriter } from '../../backup/restore.ts';
import { openLvIo } from '../../backup/lv-io.ts';
import type { BackupVolume } from '../../backup/types.ts';
import type { Session } from '../../api/session.ts';
import { displaySize } from '../../report/units.ts';
import { countOpt, type BackupArgs } from './args.ts';
import { openRepo, progressFor, runDirOf, sessionFor } from './common.ts';

async function lvTarget(session: Session, runDir: string, vg: string, lv: string, v: BackupVolume, say: (s: string) => void): Promise<{ w: VolumeWriter; created: boolean }> {
  const lvs = await session.listLvs(vg);
  const have = lvs.find((l) => l.name === lv);
  if (have?.openCount) fail(`Logical volume ${vg}/${lv} is in use: unmount or close it before restoring into it.`, 5, 'LV_IN_USE', { vg, lv });
  if (have && have.size < v.size) fail(`Logical volume ${vg}/${lv} (${displaySize(have.size / 512)}) is smaller than ${v.vg}/${v.lv} in the backup (${displaySize(v.size / 512)}).`, 5, 'INVALID_ARGUMENT', { vg, lv });
  if (!have) {
    await session.createLv({ vg, name: lv, size: v.size });
    say(`Logical volume "${lv}" created.`);
  }
  return { w: await openLvIo(session, runDir, vg, lv), created: !have };
}

export async function run(ctx: Ctx, a: BackupArgs): Promise<number> {
  if (a.positionals.length !== 2) fail(['Please give a backup and a target: ulvm backup restore BACKUP[/LV] TARGET.', "Run `ulvm backup --help' for more information."], 3, 'INVALID_ARGUMENT');
  const [src, target] = a.positionals as [string, string];
  const [bid, lvName] = src.split('/');
  const repo = await openRepo(ctx, a);
  const m = await repo.loadBackup(bid!);
  const vols = lvName ? [m.volumes.find((v) => v.lv === lvName) ?? fail(`Backup ${m.id.slice(0, 8)} holds no logical volume ${lvName} (it holds ${m.volumes.map((v) => v.lv).join(', ')}).`, 5, 'LV_NOT_FOUND')] : m.volumes;
  const session = sessionFor(ctx);
  const runDir = runDirOf(ctx);
  const vgs = new Set((await session.listVgs()).map((v) => v.name));
  const t = /^(?:\/dev\/)?([^/]+)(?:\/([^/]+))?$/.exec(target);
  const isLv = !!t && vgs.has(t[1]!);
  if (!isLv && vols.length > 1) fail(`Backup ${m.id.slice(0, 8)} holds ${vols.length} logical volumes: name one (BACKUP/LV) or restore into a volume group.`, 3, 'INVALID_ARGUMENT');
  if (isLv && !t![2] && vols.length === 0) fail('Nothing to restore.', 5);
  if (isLv && t![2] && vols.length > 1) fail(`Backup ${m.id.slice(0, 8)} holds ${vols.length} logical volumes: name one (BACKUP/LV) to restore into ${target}.`, 3, 'INVALID_ARGUMENT');
  const parallel = countOpt(a, 'parallel');
  let all: RestoreStats | undefined;
  for (const v of vols) {
    const { w, created } = isLv ? await lvTarget(session, runDir, t![1]!, t![2] ?? v.lv, v, (s) => ctx.print(s)) : await fileWriter(target, v.size).then((r) => ({ w: r.writer, created: r.created }));
    const into = isLv ? `${t![1]}/${t![2] ?? v.lv}` : target;
    const progress = progressFor(ctx, a, `restore ${v.vg}/${v.lv}`);
    let s: RestoreStats;
    try {
      s = await restoreVolume(repo, v, w, { differential: a.values.differential === true, targetIsNew: created && !isLv, ...(parallel !== undefined ? { parallel } : {}), onProgress: (d, n) => progress.update('restore', d, n) });
    } finally {
      progress.stop();
      await w.close();
    }
    ctx.print(
      `Restored ${v.vg}/${v.lv} of backup ${m.id.slice(0, 8)} into ${into}: ${displaySize(v.size / 512)}, wrote ${displaySize(s.bytesWritten / 512)}` +
        (a.values.differential ? ` (${s.chunksWritten} chunks differed, ${s.chunksSame} were the same)` : '') +
        ` in ${(s.durationMs / 1000).toFixed(1)} s.`,
    );
    all = s;
  }
  void all;
  return 0;
}
