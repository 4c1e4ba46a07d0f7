// `ulvm dmsetup ls|table|status|info [NAME]`: the daemon's live tables, named as the kernel's are.
import type { Ctx } from './context.ts';
import { fail } from './context.ts';
import { dmName } from '../model/names.ts';
import type { ActiveLv } from '../activation/activator.ts';

export async function run(ctx: Ctx): Promise<number> {
  const [action = 'ls', name] = ctx.args.positionals;
  const all = (await ctx.loadActivation()).map((a) => ({ a, dm: dmName(a.vgName, a.lvName) })).sort((x, y) => (x.dm < y.dm ? -1 : 1));
  const picked = name ? all.filter((x) => x.dm === name) : all;
  if (name && !picked.length) return fail(`Device ${name} not found`, 1);
  if (!all.length && action !== 'info') {
    ctx.output('No devices found\n');
    return 0;
  }
  const size = (a: ActiveLv) => a.table.reduce((n, l) => n + Number(l.split(' ')[1]), 0);
  switch (action) {
    case 'ls': {
      const w = Math.max(...all.map((x) => x.dm.length));
      for (const { a, dm } of picked) ctx.output(`${dm.padEnd(w)}\t(${a.major}:${a.minor})\n`);
      return 0;
    }
    case 'table':
      for (const { a, dm } of picked) for (const l of a.table) ctx.output(`${name ? '' : `${dm}: `}${l}\n`);
      return 0;
    case 'status':
      for (const { a, dm } of picked) for (const l of a.table) ctx.output(`${name ? '' : `${dm}: `}${l.split(' ').slice(0, 3).join(' ')} \n`);
      return 0;
    case 'info':
      picked.forEach(({ a, dm }, i) => {
        if (i) ctx.output('\n');
        ctx.output(
          `Name:              ${dm}\nState:             ${a.suspended ? 'SUSPENDED' : 'ACTIVE'}${a.readOnly ? ' (READ-ONLY)' : ''}\nRead Ahead:        256\nTables present:    LIVE\nOpen count:        ${a.openCount}\nEvent number:      0\nMajor, minor:      ${a.major}, ${a.minor}\nNumber of targets: ${a.table.length}\nUUID: LVM-${a.vgId}${a.lvId}\n`,
        );
        void size;
      });
      return 0;
    default:
      return fail(`Unknown dmsetup command ${action}: ls, table, status and info are supported.`, 1);
  }
}
