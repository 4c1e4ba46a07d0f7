// The thin family's targets as the registry shows them: thin-pool over the `_tmeta` and `_tdata`
// devices (or `-tpool`'s own), thin over the pool device. Devices are named by number, as the
// kernel prints them; the pool's message errors become the ioctl's errno. The status is the
// noflush one (lvm2's reports ask for that); ThinPool.flushedStatus() is the other.
import type { DmTarget } from './dm-table.ts';
import { DmError } from './registry.ts';
import { ThinPoolError, type ThinPool } from './thin-pool.ts';
import type { ThinTarget } from './thin-target.ts';

/** `<meta> <data> <block size> <low water mark> <#features> <feature> …` and the pool's status and messages. */
export function thinPoolDmTarget(pool: ThinPool, metaDev: string, dataDev: string): DmTarget {
  return {
    type: 'thin-pool',
    table: () => pool.table(metaDev, dataDev),
    status: () => pool.status(),
    devices: () => [metaDev, dataDev],
    message: async (text: string) => {
      try {
        return await pool.message(text);
      } catch (e) {
        if (!(e instanceof ThinPoolError)) throw e;
        throw new DmError(e.errno, e.message);
      }
    },
  };
}

/** `<pool> <dev id>` and the thin's status. */
export function thinDmTarget(poolDev: string, thin: ThinTarget): DmTarget {
  return { type: 'thin', table: () => `${poolDev} ${thin.devId}`, status: () => thin.status(), devices: () => [poolDev] };
}
