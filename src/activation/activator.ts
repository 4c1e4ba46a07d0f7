// Activation: which LVs have a live mapped device, as the kernel's device-mapper keeps them for
// lvm2. The activation daemon keeps them for ulvm (and serves them over NBD); library users and
// tests can keep them in-process. Commands talk to either through this interface.
import { UlvmError } from '../errors.ts';

export interface ActiveLv {
  vgId: string;
  vgName: string;
  lvId: string;
  lvName: string;
  /** Device numbers in the style of the kernel's (a local-use major, see major.ts; minors in activation order). */
  major: number;
  minor: number;
  openCount: number;
  readOnly: boolean;
  suspended: boolean;
  /** dmsetup-style table lines (`0 40960 linear /dev/loop0 2048`). */
  table: string[];
  /** Classic snapshot (COW store LV): usage as lvm2 shows it, and whether it overflowed. */
  dataPercent?: number;
  invalid?: boolean;
  /** dm-snapshot status numbers: allocated/total sectors, metadata sectors. */
  snapshotUsage?: { allocated: number; total: number; metadata: number };
  /** Minors of the hidden `-real` (origin) and `-cow` (snapshot) devices. */
  realMinor?: number;
  cowMinor?: number;
  /** Tables of those hidden devices. */
  realTable?: string[];
  cowTable?: string[];
  /** Thin pool: what its thin-pool target's status says (the kernel's line), and its `-tpool` layer when it has one. */
  thinPoolStatus?: string;
  tpoolMinor?: number;
  tpoolOpenCount?: number;
  tpoolTable?: string[];
  /** Thin LV: its thin target's status line. */
  thinStatus?: string;
  /** NBD export name, when served. */
  exportName?: string;
  /** The LV's files in the daemon's FUSE device tree (`<tree>/VG/LV`, `<tree>/mapper/VG-LV`), when mounted. */
  devicePath?: string;
  dmDevicePath?: string;
  /** Origin: id of the COW store LV whose merge into it has finished (the snapshot can go). */
  mergedCowId?: string;
  /** Origin under a merge: the snapshot-merge status numbers (what is left to merge), and whether the merge failed. */
  mergeUsage?: { allocated: number; total: number; metadata: number };
  mergeFailed?: boolean;
}

export interface ActivateRequest {
  vgName: string;
  lvNames: string[];
  /** PV devices of the VG (the daemon scans them itself). */
  devices: string[];
  readOnly?: boolean;
}

export interface Activator {
  status(): Promise<ActiveLv[]>;
  activate(req: ActivateRequest): Promise<void>;
  deactivate(vgName: string, lvNames: string[]): Promise<void>;
  /** Re-reads the VG and switches active LVs to their new tables (suspend, load, resume). */
  reload(vgName: string, devices: string[]): Promise<void>;
  /**
   * Rolls an active, unopened origin back to its merging snapshot (the snapshot-merge target's
   * work, which goes on in the background once started) and takes the snapshot's device down;
   * resolves when the merge is done (or, with `wait: false`, once it runs). The caller then drops
   * the snapshot from metadata.
   */
  merge(vgName: string, originName: string, devices: string[], opts?: { wait?: boolean }): Promise<MergeResult>;
  /**
   * Suspends active LVs (their I/O drains, new I/O waits) until the returned release is called,
   * or until the next table load resumes them: a metadata commit then falls between two I/Os,
   * as lvm2 suspends an origin around taking a snapshot. A holder that dies releases too.
   * `frozen` is told the mount points frozen for the hold (filesystems on the LVs), if any.
   */
  hold(vgName: string, lvNames: string[], warn?: (msg: string) => void, frozen?: (mountPoints: string[]) => void): Promise<() => Promise<void>>;
}

export interface MergeResult {
  /** Chunks copied back into the origin. */
  chunks: number;
  /** Not waited for, and the daemon drops the snapshot itself once it is done (lvmpolld's part). */
  background?: boolean;
}

export class ActivationError extends UlvmError {
  constructor(message: string) {
    super('ACTIVATION', [message]);
  }
}

/** No activation available (library use on devices no daemon can open): everything is inactive. */
export const noActivation: Activator = {
  status: async () => [],
  activate: async () => {
    throw new ActivationError('Activation is not available for these devices (no ulvm daemon can open them).');
  },
  deactivate: async () => undefined,
  reload: async () => undefined,
  merge: async () => {
    throw new ActivationError('Activation is not available for these devices (no ulvm daemon can open them).');
  },
  hold: async () => async () => undefined,
};
