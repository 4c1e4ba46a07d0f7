// `ulvm dmsetup ls|table|status|info [NAME]`: the daemon's live tables, named as the kernel's are,
// with the hidden devices a snapshot family adds (`-real` under an origin, `-cow` under a snapshot).
import type { Ctx } from '../ops/context.ts';
import { fail } from '../ops/context.ts';
import { dmName } from '../model/names.ts';
import type { ActiveLv } from '../activation/activator.ts';

interface DmDevice {
  name: string;
  major: number;
  minor: number;
  table: string[];
  /** Status text after the target type, per table line (the kernel's STATUSTYPE_INFO). */
  status: string[];
  a: ActiveLv;
  uuid: string;
}

function devices(ctx: Ctx, all: ActiveLv[]): DmDevice[] {
  // Block devices appear in tables by number, as the kernel prints them.
  const num = (line: string) => line.split(' ').map((t) => (t.startsWith('/') ? (ctx.opener.deviceNumber?.(t) ?? t) : t)).join(' ');
  const out: DmDevice[] = [];
  for (const a of all) {
    const name = dmName(a.vgName, a.lvName);
    const uuid = `LVM-${a.vgId}${a.lvId}`;
    const status = a.table.map((l) => {
      const type = l.split(' ')[2];
      if (type !== 'snapshot') return '';
      if (a.invalid) return 'Invalid';
      const u = a.snapshotUsage;
      return u ? `${u.allocated}/${u.total} ${u.metadata}` : '';
    });
    out.push({ name, major: a.major, minor: a.minor, table: a.table.map(num), status, a, uuid });
    if (a.realMinor !== undefined && a.realTable)
      out.push({ name: `${name}-real`, major: a.major, minor: a.realMinor, table: a.realTable.map(num), status: a.realTable.map(() => ''), a, uuid: `${uuid}-real` });
    if (a.cowMinor !== undefined && a.cowTable)
      out.push({ name: `${name}-cow`, major: a.major, minor: a.cowMinor, table: a.cowTable.map(num), status: a.cowTable.map(() => ''), a, uuid: `${uuid}-cow` });
  }
  return out.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
}

/** Devices a table line uses (`maj:min` or paths), in the kernel's deps order (last added first). */
function deps(d: DmDevice): string[] {
  const seen: string[] = [];
  for (const l of d.table) {
    const t = l.split(' ');
    const args = t.slice(3).filter((x) => x.includes(':') || x.startsWith('/'));
    for (const x of args) if (!seen.includes(x)) seen.push(x);
  }
  return seen.reverse();
}

function tree(ctx: Ctx, list: DmDevice[]): void {
  const byNum = new Map<string, DmDevice>(list.map((d) => [`${d.major}:${d.minor}`, d]));
  const used = new Set(list.flatMap((d) => deps(d)));
  const walk = (d: DmDevice, prefix: string) => {
    const ds = deps(d);
    ds.forEach((n, i) => {
      const last = i === ds.length - 1;
      const child = byNum.get(n);
      ctx.output(`${prefix} ${last ? '`-' : '|-'}${child ? child.name : ''} (${n})\n`);
      if (child) walk(child, prefix + (last ? '   ' : ' | '));
    });
  };
  for (const d of list) {
    if (used.has(`${d.major}:${d.minor}`)) continue;
    ctx.output(`${d.name} (${d.major}:${d.minor})\n`);
    walk(d, '');
  }
}

export async function run(ctx: Ctx): Promise<number> {
  const positionals = ctx.args.positionals;
  const action = positionals[0] ?? 'ls';
  const rest = positionals.slice(1);
  const treeMode = rest.includes('--tree');
  const name = rest.find((x) => x !== '--tree');
  const all = devices(ctx, await ctx.loadActivation());
  const picked = name ? all.filter((x) => x.name === name) : all;
  if (name && !picked.length) return fail(`Device ${name} not found`, 1);
  if (!all.length && action !== 'info') {
    ctx.output('No devices found\n');
    return 0;
  }
  switch (action) {
    case 'ls': {
      if (treeMode) {
        tree(ctx, all);
        return 0;
      }
      const w = Math.max(...all.map((x) => x.name.length));
      for (const d of picked) ctx.output(`${d.name.padEnd(w)}\t(${d.major}:${d.minor})\n`);
      return 0;
    }
    case 'table':
      for (const d of picked) for (const l of d.table) ctx.output(`${name ? '' : `${d.name}: `}${l}\n`);
      return 0;
    case 'status':
      for (const d of picked)
        d.table.forEach((l, i) => {
          const s = d.status[i] ?? '';
          ctx.output(`${name ? '' : `${d.name}: `}${l.split(' ').slice(0, 3).join(' ')} ${s}\n`);
        });
      return 0;
    case 'info':
      picked.forEach((d, i) => {
        if (i) ctx.output('\n');
        ctx.output(
          `Name:              ${d.name}\nState:             ${d.a.suspended ? 'SUSPENDED' : 'ACTIVE'}${d.a.readOnly ? ' (READ-ONLY)' : ''}\nRead Ahead:        256\nTables present:    LIVE\nOpen count:        ${d.name.endsWith('-real') || d.name.endsWith('-cow') ? 1 : d.a.openCount}\nEvent number:      0\nMajor, minor:      ${d.major}, ${d.minor}\nNumber of targets: ${d.table.length}\nUUID: ${d.uuid}\n`,
        );
      });
      return 0;
    default:
      return fail(`Unknown dmsetup command ${action}: ls, table, status and info are supported.`, 1);
  }
}
