// `ulvm dmsetup ls|table|status|info [NAME]` and `message NAME SECTOR MESSAGE`: the device-mapper registry's devices (the daemon's,
// or an in-process engine's), hidden layers included (`-real` under an origin, `-cow` under a
// snapshot), named and numbered as the kernel's are.
import type { Ctx } from '../ops/context.ts';
import { fail } from '../ops/context.ts';
import { DmError, type DmInfo } from '../mapper/registry.ts';
import { dmViewOf } from '../activation/dm-view.ts';

interface DmDevice {
  name: string;
  major: number;
  minor: number;
  table: string[];
  /** Status text after the target type, per table line (the kernel's STATUSTYPE_INFO). */
  status: string[];
  /** Devices the table uses, in the kernel's deps order. */
  deps: string[];
  info: DmInfo;
}

/** The registry's devices by name, block devices numbered as the kernel prints them. */
async function devices(ctx: Ctx): Promise<DmDevice[]> {
  const view = dmViewOf(ctx.activator);
  const all = ctx.activationDisabled || !view ? [] : await view.dmStatus();
  const num = (t: string) => (t.startsWith('/') ? (ctx.opener.deviceNumber?.(t) ?? t) : t);
  const out = all.map((i) => ({ name: i.name, major: i.major, minor: i.minor, table: i.table.map((l) => l.split(' ').map(num).join(' ')), status: i.status, deps: i.deps.map(num), info: i }));
  return out.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
}

function tree(ctx: Ctx, list: DmDevice[]): void {
  const byNum = new Map<string, DmDevice>(list.map((d) => [`${d.major}:${d.minor}`, d]));
  const used = new Set(list.flatMap((d) => d.deps));
  const walk = (d: DmDevice, prefix: string) => {
    const ds = d.deps;
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

const STRERROR: Record<DmError['code'], string> = {
  ENXIO: 'No such device or address',
  EEXIST: 'File exists',
  EBUSY: 'Device or resource busy',
  EINVAL: 'Invalid argument',
  ENODATA: 'No data available',
  EOPNOTSUPP: 'Operation not supported',
  ENOSPC: 'No space left on device',
  EIO: 'Input/output error',
  EPERM: 'Operation not permitted',
  EILSEQ: 'Invalid or incomplete multibyte or wide character',
  ENOTBLK: 'Block device required',
};

/** `dmsetup message NAME SECTOR MESSAGE...`: the target's reply on stdout, libdm's ioctl failure on stderr. */
async function message(ctx: Ctx, args: string[]): Promise<number> {
  const err = (lines: string[]) => {
    for (const l of [...lines, 'Command failed.']) ctx.run.io.err(`${l}\n`);
    return 1;
  };
  const [name, sector, ...words] = args;
  if (name === undefined || sector === undefined || !/^\d+$/.test(sector)) return err(['Invalid sector.']);
  if (!words.length) ctx.run.io.err('No message supplied.\n');
  const view = dmViewOf(ctx.activator);
  try {
    if (!view || ctx.activationDisabled) throw new DmError('ENXIO', `Device ${name} not found`);
    const reply = await view.dmMessage(name, Number(sector), words.join(' '));
    if (reply) ctx.output(reply.endsWith('\n') ? reply : `${reply}\n`);
    return 0;
  } catch (e) {
    if (!(e instanceof DmError)) throw e;
    return err([`device-mapper: message ioctl on ${name}  failed: ${STRERROR[e.code]}`]);
  }
}

function tablesPresent(i: DmInfo): string {
  if (i.live && i.inactive) return 'LIVE & INACTIVE';
  return i.live ? 'LIVE' : i.inactive ? 'INACTIVE' : 'None';
}

const TARGETS: [string, string][] = [
  ['thin-pool', '1.23.0'],
  ['thin', '1.23.0'],
  ['snapshot-merge', '1.5.0'],
  ['snapshot-origin', '1.9.0'],
  ['snapshot', '1.16.0'],
  ['striped', '1.6.0'],
  ['linear', '1.4.0'],
  ['zero', '1.2.0'],
  ['error', '1.6.0'],
];

export async function run(ctx: Ctx): Promise<number> {
  const positionals = ctx.args.positionals;
  const action = positionals[0] ?? 'ls';
  const rest = positionals.slice(1);
  const treeMode = rest.includes('--tree');
  const name = rest.find((x) => x !== '--tree');
  if (action === 'message') return message(ctx, rest);
  if (action === 'targets') {
    // The targets ulvm's mapper implements, with the versions of the kernel (6.1) whose behaviour
    // they follow, as dmsetup lists the registered ones (most recently registered first).
    for (const [t, v] of TARGETS) ctx.output(`${t.padEnd(16)} v${v}\n`);
    return 0;
  }
  const all = await devices(ctx);
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
          `Name:              ${d.name}\nState:             ${d.info.suspended ? 'SUSPENDED' : 'ACTIVE'}${d.info.readOnly ? ' (READ-ONLY)' : ''}\nRead Ahead:        256\nTables present:    ${tablesPresent(d.info)}\nOpen count:        ${d.info.openCount}\nEvent number:      0\nMajor, minor:      ${d.major}, ${d.minor}\nNumber of targets: ${d.table.length}\nUUID: ${d.info.uuid}\n`,
        );
      });
      return 0;
    default:
      return fail(`Unknown dmsetup command ${action}: ls, table, status, info, message and targets are supported.`, 1);
  }
}
