// process_each_pv for the display commands: VGs in lvm2's cache order with their PVs in metadata
// order, then orphan PVs in scan order. Named devices
// that cannot be used are reported first; named devices that are not PVs are reported last.
import type { Ctx } from '../../ops/context.ts';
import type { ScannedDevice } from '../../metadata/scan.ts';
import { memberView, orphanView, type PvView } from './pv-view.ts';
import { warnUsedOrphans } from '../../ops/used-orphans.ts';

interface PvArgs {
  devices: ScannedDevice[];
  tags: string[];
  rc: number;
}

/** Why lvm2 cannot use a device it was given (devname_error_reason). */
export function unusableReason(ctx: Ctx, path: string, d: ScannedDevice | undefined): string {
  if (d?.error) return d.error;
  if (!ctx.opener.exists(path)) return 'device not found';
  return ctx.usesDevicesFile() ? 'device is not in devices file' : 'device is not in devices list';
}

function resolveArgs(ctx: Ctx, args: string[]): PvArgs {
  const out: PvArgs = { devices: [], tags: [], rc: 0 };
  const scan = ctx.scan();
  for (const arg of args) {
    if (arg.startsWith('@')) {
      out.tags.push(arg.slice(1));
      continue;
    }
    const path = ctx.deviceName(arg);
    const d = scan.device(path);
    if (!d || d.error) {
      ctx.error(`Cannot use ${arg}: ${unusableReason(ctx, path, d)}`);
      out.rc = 5;
      continue;
    }
    if (!out.devices.includes(d)) out.devices.push(d);
  }
  return out;
}

/** Calls `fn` for every PV selected by the positional arguments (all PVs when there are none); returns the exit code. */
export function eachPv(ctx: Ctx, fn: (v: PvView) => void): number {
  const args = resolveArgs(ctx, ctx.args.positionals);
  const processAll = ctx.args.positionals.length === 0;
  const pending = [...args.devices];
  const take = (d: ScannedDevice | undefined): boolean => {
    const i = d ? pending.indexOf(d) : -1;
    if (i < 0) return false;
    pending.splice(i, 1);
    return true;
  };
  const tagged = (tags: string[]) => tags.some((t) => args.tags.includes(t));
  const scan = ctx.scan();
  for (const f of scan.all()) {
    for (const pv of f.vg.pvs) {
      const named = take(f.pvDevices.get(pv.id));
      if (processAll || named || tagged(pv.tags)) fn(memberView(f, pv));
    }
  }
  warnUsedOrphans(ctx, processAll ? 'all' : args.devices.map((d) => d.path));
  for (const d of scan.devices) {
    if (!d.label || d.error || scan.vgOfDevice(d)) continue;
    const named = take(d);
    if (processAll || named) fn(orphanView(d));
  }
  let rc = args.rc;
  for (const d of pending) {
    ctx.error(`Failed to find physical volume "${d.path}".`);
    rc = 5;
  }
  return rc;
}
