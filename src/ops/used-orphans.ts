// The warning lvm2 prints when it reads the orphan VG and finds a PV whose header says a VG uses it
// (vg_read_orphans): the VG's metadata is damaged or lives on PVs that are not here. Commands that
// walk PVs read the orphan VG when no PV is named, or when a named PV is an orphan.
import type { Ctx } from './context.ts';
import { usedOrphanWarnings } from '../metadata/scan.ts';

/** `named`: the device paths given, or 'all'. Naming only members of VGs found leaves the orphan VG unread. */
export function warnUsedOrphans(ctx: Ctx, named: string[] | 'all'): void {
  const scan = ctx.scan();
  const isMember = (path: string): boolean => {
    const d = scan.device(path);
    return d !== undefined && scan.vgOfDevice(d) !== undefined;
  };
  if (named !== 'all' && named.every(isMember)) return;
  for (const d of scan.orphans()) for (const w of usedOrphanWarnings(d)) ctx.warn(w);
}
