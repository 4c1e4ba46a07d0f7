// The snapshot family's targets as the registry shows them: snapshot-origin over the origin's
// `-real` device, snapshot over `-real` and the `-cow` device, and snapshot-merge while a merge
// runs. Devices are named by number, as the kernel prints them.
import type { DmTarget } from './dm-table.ts';
import type { DmDevice } from './registry.ts';

/** The exception store's side the status shows. */
export interface SnapshotStatusSource {
  invalid: boolean;
  usage(): { allocated: number; total: number; metadata: number };
}

export function originDmTarget(real: DmDevice): DmTarget {
  return { type: 'snapshot-origin', table: () => real.dev, status: () => '', devices: () => [real.dev] };
}

/** dm-snap's status: `allocated/total metadata` in sectors, or `Invalid` once it overflowed. */
export function snapshotDmTarget(real: DmDevice, cow: DmDevice, chunk: number, store: SnapshotStatusSource): DmTarget {
  return {
    type: 'snapshot',
    table: () => `${real.dev} ${cow.dev} P ${chunk}`,
    status: () => {
      if (store.invalid) return 'Invalid';
      const u = store.usage();
      return `${u.allocated}/${u.total} ${u.metadata}`;
    },
    devices: () => [real.dev, cow.dev],
  };
}

/** ulvm's dmsetup has always shown the merge's progress through lvs only, so its status is empty. */
export function mergeDmTarget(real: DmDevice, cow: DmDevice, chunk: number): DmTarget {
  return { type: 'snapshot-merge', table: () => `${real.dev} ${cow.dev} P ${chunk}`, status: () => '', devices: () => [real.dev, cow.dev] };
}
