// The command table: lvm2 names, descriptions, and lazily loaded handlers (start-up stays lean).
import type { CommandHandler } from '../commands/handler.ts';

type Loader = () => Promise<{ run: CommandHandler }>;

export const COMMANDS: Record<string, Loader> = {
  pvcreate: () => import('../commands/pvcreate.ts'),
  pvremove: () => import('../commands/pvremove.ts'),
  pvs: () => import('../commands/pvs.ts'),
  vgs: () => import('../commands/vgs.ts'),
  lvs: () => import('../commands/lvs.ts'),
  pvdisplay: () => import('../commands/pvdisplay.ts'),
  vgdisplay: () => import('../commands/vgdisplay.ts'),
  lvdisplay: () => import('../commands/lvdisplay.ts'),
  pvscan: () => import('../commands/pvscan.ts'),
  vgscan: () => import('../commands/vgscan.ts'),
  lvscan: () => import('../commands/lvscan.ts'),
  vgcreate: () => import('../commands/vgcreate.ts'),
  vgextend: () => import('../commands/vgextend.ts'),
  vgreduce: () => import('../commands/vgreduce.ts'),
  vgremove: () => import('../commands/vgremove.ts'),
  vgrename: () => import('../commands/vgrename.ts'),
  lvcreate: () => import('../commands/lvcreate.ts'),
  lvremove: () => import('../commands/lvremove.ts'),
  lvrename: () => import('../commands/lvrename.ts'),
  lvextend: () => import('../commands/lvresize.ts'),
  lvreduce: () => import('../commands/lvresize.ts'),
  lvresize: () => import('../commands/lvresize.ts'),
  pvchange: () => import('../commands/pvchange.ts'),
  pvresize: () => import('../commands/pvresize.ts'),
  pvck: () => import('../commands/pvck.ts'),
  vgck: () => import('../commands/vgck.ts'),
  vgchange: () => import('../commands/vgchange.ts'),
  vgcfgbackup: () => import('../commands/vgcfgbackup.ts'),
  vgcfgrestore: () => import('../commands/vgcfgrestore.ts'),
  lvmdevices: () => import('../commands/lvmdevices.ts'),
  demo: () => import('../commands/demo.ts'),
};
