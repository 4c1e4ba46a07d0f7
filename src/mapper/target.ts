// The block-target interface every mapper target implements (linear, striped, zero, error, and
// later snapshot-origin, snapshot, thin-pool, thin), in the spirit of the kernel's target_type.
export interface TargetCaps {
  readOnly: boolean;
  discard: boolean;
  writeZeroes: boolean;
}

/** A byte range and whether it is known to read as zeros (NBD base:allocation, holes). */
export interface Extent {
  length: number;
  zero: boolean;
  /** Nothing is allocated for it (NBD_STATE_HOLE): a hole in the PV file, or the zero target. */
  hole?: boolean;
}

export class TargetIoError extends Error {
  constructor(
    message: string,
    /** errno-style code the NBD layer maps to its error numbers. */
    readonly code: 'EIO' | 'EPERM' | 'ENOSPC' | 'EINVAL' = 'EIO',
  ) {
    super(message);
  }
}

export interface BlockTarget {
  /** Size in bytes. */
  readonly size: number;
  readonly caps: TargetCaps;
  /** Reads into `into` (length bytes) when given: the data path avoids copies. */
  read(offset: number, length: number, into?: Uint8Array): Promise<Uint8Array>;
  write(offset: number, data: Uint8Array): Promise<void>;
  flush(): Promise<void>;
  /** A hint: the range may be discarded (the kernel's REQ_OP_DISCARD). */
  discard(offset: number, length: number): Promise<void>;
  /**
   * The range must read back as zeros afterwards. It may be deallocated unless `noUnmap` (the
   * kernel's REQ_NOUNMAP, NBD's NO_HOLE, FALLOC_FL_ZERO_RANGE): then it stays allocated.
   */
  writeZeroes(offset: number, length: number, noUnmap?: boolean): Promise<void>;
  /** Allocation map; targets that cannot tell report the whole range as data. */
  extents(offset: number, length: number): Promise<Extent[]>;
}
