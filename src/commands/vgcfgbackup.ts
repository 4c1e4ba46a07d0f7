// vgcfgbackup: write VG metadata to the backup directory, or to a file with -f.
import { forEachVg } from '../ops/select.ts';
import type { Ctx } from '../ops/context.ts';
import { writeFileSync } from 'node:fs';
import { exportVgFile } from '../formats/vg-text.ts';
import { textHeader } from '../metadata/stamp.ts';

export async function run(ctx: Ctx): Promise<number> {
  const scan = ctx.scan();
  const names = ctx.args.positionals.length ? ctx.args.positionals : scan.vgNames();
  const file = ctx.opt('file');
  if (file && names.length > 1 && !file.includes('%s')) {
    ctx.error('VGs must be backed up into different files. Use %s in filename for VG name.');
    return 5;
  }
  return forEachVg(ctx, ctx.args.positionals, (f) => {
    const name = f.vg.name;
    if (f.missing.size && !file) {
      ctx.error('No backup taken: specify filename with -f to backup with missing PVs.');
      return 5;
    }
    if (file) writeFileSync(ctx.deviceName(file.replace('%s', name)), exportVgFile(f.vg, textHeader(ctx.cmdline, ctx.now())), { mode: 0o600 });
    else if (!ctx.backup(f.vg, true)) return 5;
    ctx.print(`Volume group "${name}" successfully backed up.`);
    return 0;
  });
}
