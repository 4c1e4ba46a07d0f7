// vgcfgrestore: write VG metadata from a backup or archive file back onto its PVs.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Ctx } from '../ops/context.ts';
import { fail } from '../ops/context.ts';
import { importVgText, MetadataError } from '../formats/vg-text.ts';
import { ConfigParseError } from '../formats/config-text.ts';
import { formatId } from '../formats/uuid.ts';
import { nameProblem } from '../model/names.ts';

function listArchives(ctx: Ctx, vgName: string): number {
  const files: string[] = [];
  try {
    for (const f of readdirSync(ctx.paths.archiveDir).sort()) if (f.startsWith(`${vgName}_`) && f.endsWith('.vg')) files.push(join(ctx.paths.archiveDir, f));
  } catch {
    /* none */
  }
  files.push(join(ctx.paths.backupDir, vgName));
  for (const f of files) {
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    let desc = '';
    let time = '';
    try {
      const imp = importVgText(text);
      desc = imp.description ?? '';
      time = /creation_time = \d+\t# (.*)/.exec(text)?.[1] ?? '';
    } catch {
      continue;
    }
    ctx.output(`   \n  File:\t\t${f}\n`);
    if (desc.startsWith('Created *before*')) ctx.output(`  VG name:    \t${vgName}\n  Description:\t${desc}\n  Backup Time:\t${time}\n`);
    else ctx.output(`  VG name:    \t${vgName}\n  Description:\t${desc}\n  Backup Time:\t${time}\n`);
  }
  ctx.output('   \n');
  return 0;
}

export async function run(ctx: Ctx): Promise<number> {
  const [vgName] = ctx.args.positionals;
  if (!vgName || ctx.args.positionals.length > 1) fail('Please specify a *single* volume group to restore.', 3);
  if (nameProblem(vgName)) fail(`Volume group name "${vgName}" is invalid.`, 3, 'INVALID_NAME', { name: vgName });
  if (ctx.has('list')) return listArchives(ctx, vgName);
  const file = ctx.opt('file') ? ctx.deviceName(ctx.opt('file')!) : join(ctx.paths.backupDir, vgName);
  await ctx.locks.global();
  await ctx.locks.vg(vgName);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    fail([`Couldn't find backup file ${file}.`, 'Restore failed.']);
  }
  let vg;
  try {
    vg = importVgText(text).vg;
  } catch (e) {
    if (e instanceof ConfigParseError || e instanceof MetadataError) fail([e.message, `Couldn't read volume group metadata from file.`, 'Restore failed.']);
    throw e;
  }
  vg.name = vgName;
  if (vg.lvs.some((l) => l.segments.some((s) => s.kind === 'thin-pool')) && !ctx.has('force'))
    fail([`Consider using option --force to restore Volume Group ${vgName} with thin volumes.`, 'Restore failed.']);
  const scan = ctx.scan();
  const paths: string[] = [];
  let missing = 0;
  for (const pv of vg.pvs) {
    const d = scan.byPvId.get(pv.id);
    if (!d) {
      ctx.error(`Couldn't find device with uuid ${formatId(pv.id)}.`);
      missing++;
      continue;
    }
    pv.device = d.path;
    pv.flags = pv.flags.filter((f) => f !== 'MISSING');
    paths.push(d.path);
  }
  if (missing) fail([`Cannot restore Volume Group ${vgName} with ${missing} PVs marked as missing.`, 'Restore failed.']);
  const old = { ...vg };
  ctx.commit(vg, paths, old);
  ctx.print(`Restored volume group ${vgName}.`);
  return 0;
}
