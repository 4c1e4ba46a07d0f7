// ulvm backup list [--repo REPO] [--reportformat json] [VG[/LV]]: the catalogue, oldest first.
import type { Ctx } from '../../ops/context.ts';
import { backupColumns, backupRows } from '../../backup/report.ts';
import { basicReport, jsonReport } from '../../backup/table.ts';
import { jsonWanted, openRepo } from './common.ts';
import type { BackupArgs } from './args.ts';

export async function run(ctx: Ctx, a: BackupArgs): Promise<number> {
  const repo = await openRepo(ctx, a);
  const [vg, lv] = (a.positionals[0] ?? '').split('/');
  const all = await repo.listBackups();
  const shown = all.filter((b) => (!vg || b.vg === vg) && (!lv || b.volumes.some((v) => v.lv === lv)));
  const rows = backupRows(shown);
  if (jsonWanted(a)) ctx.output(jsonReport('backup', backupColumns, rows));
  else if (rows.length) ctx.output(basicReport(backupColumns, rows));
  else ctx.print(`No backups${vg ? ` of ${a.positionals[0]}` : ''} in ${repo.storage.location}.`);
  return 0;
}
