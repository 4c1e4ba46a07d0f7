// process_each_vg for the display commands: every VG in lvm2's cache order, or the named ones in
// argument order (each once), or those carrying a named @tag. A missing VG is reported and the
// others are still processed.
import type { Ctx } from '../../ops/context.ts';
import type { FoundVg } from '../../metadata/scan.ts';
import { findVgOrSay } from '../../ops/select.ts';

/** skip_dev_dir for a VG argument: `/dev/vg` names the VG `vg`. */
export function stripDevDir(arg: string): string {
  return arg.startsWith('/dev/') ? arg.slice(5) : arg;
}

/** Calls `fn` for each selected VG; returns the exit code (3 for a bad name, 5 if any VG is missing). */
export function eachVg(ctx: Ctx, fn: (f: FoundVg) => void): number {
  const names: string[] = [];
  const tags: string[] = [];
  let bad = false;
  for (const arg of ctx.args.positionals) {
    if (arg.startsWith('@')) {
      tags.push(arg.slice(1));
      continue;
    }
    const name = stripDevDir(arg);
    if (name.includes('/')) {
      ctx.error(`Invalid volume group name ${name}.`);
      bad = true;
    } else if (!names.includes(name)) names.push(name);
  }
  if (bad) {
    ctx.error(`Run \`${ctx.args.command} --help' for more information.`);
    return 3;
  }
  const scan = ctx.scan();
  // With tags lvm2 walks every VG and picks the named or tagged ones, in cache order.
  if (tags.length || !names.length) {
    const picked = (f: FoundVg) => !tags.length || names.includes(f.vg.name) || f.vg.tags.some((t) => tags.includes(t));
    for (const f of scan.all()) if (picked(f)) fn(f);
    return 0;
  }
  let rc = 0;
  for (const name of names) {
    const f = findVgOrSay(ctx, name);
    if (!f) {
      rc = 5;
      continue;
    }
    fn(f);
  }
  return rc;
}
