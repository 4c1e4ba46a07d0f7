// The one error type every ulvm failure is: a stable code a library caller can branch on, lvm2's
// message lines and exit code for the CLI, and the facts behind it (which VG, how many extents …).
// The CLI prints `lines` (with lvm2's two-space prefix) and exits with `rc`; nothing else.

export type UlvmErrorCode =
  /** Anything without a more precise code (lvm2's ECMD_FAILED). */
  | 'FAILED'
  /** Bad command line or argument value (lvm2's EINVALID_CMD_LINE, rc 3). */
  | 'INVALID_ARGUMENT'
  | 'INVALID_NAME'
  | 'VG_NOT_FOUND'
  /** Two or more VGs carry the name given: which one is meant is unknown (rename one by uuid). */
  | 'VG_NAME_AMBIGUOUS'
  /** The VG is exported (vgexport): only vgimport and the reporting commands take it. */
  | 'VG_EXPORTED'
  | 'LV_NOT_FOUND'
  | 'PV_NOT_FOUND'
  /** Not enough free extents in the VG for an allocation. */
  | 'ENOSPC_VG'
  /** The VG's metadata text no longer fits in a PV's metadata area. */
  | 'METADATA_AREA_FULL'
  | 'LV_IN_USE'
  | 'DEVICE_IN_USE'
  /** The VG has PVs whose devices are gone; changes are refused. */
  | 'PV_MISSING'
  /** A PV of the VG appears on more than one device (a copied image): changes and activation are refused. */
  | 'PV_DUPLICATE'
  /** A lock held by another command (and waiting was not allowed, or took too long). */
  | 'LOCK_TIMEOUT'
  | 'DEVICE_NOT_FOUND'
  /** Devices given could not be used (in use, partitioned, too small …): lvm2 said why, one by one. */
  | 'DEVICE_UNUSABLE'
  /** A device this user may not open. */
  | 'DEVICE_ACCESS'
  | 'DEVICE_WRITE'
  | 'DEVICES_FILE'
  | 'BACKUP'
  /** Backup repository: the folder or its config is missing. */
  | 'BACKUP_NO_REPO'
  | 'BACKUP_EXISTS'
  /** The repository's storage is full: the object being written was not stored. */
  | 'BACKUP_NO_SPACE'
  | 'BACKUP_WRONG_KEY'
  /** An object failed authentication or its hash: names the chunk, pack or backup. */
  | 'BACKUP_CORRUPT'
  | 'BACKUP_NOT_FOUND'
  | 'BACKUP_AMBIGUOUS'
  /** Another process holds a conflicting repository lock. */
  | 'BACKUP_LOCKED'
  | 'CONFIG'
  | 'ACTIVATION'
  /** A backup's hook before the snapshot instant failed (a command's non-zero exit, PostgreSQL refusing): nothing was snapshotted. */
  | 'BACKUP_HOOK_FAILED'
  /** A classic snapshot overflowed while a backup read it: the copy would be inconsistent and was not stored. */
  | 'BACKUP_SNAPSHOT_OVERFLOW'
  /** A backup's self-audit found a chunk its change tracker called unchanged that had changed: the backup is not stored. */
  | 'BACKUP_AUDIT_FAILED'
  /** Reading a snapshot for a backup failed (an I/O error, the daemon gone). */
  | 'BACKUP_READ_FAILED';

/** What a failure is about; each code fills the fields that apply to it. */
export interface UlvmErrorData {
  vg?: string;
  lv?: string;
  pv?: string;
  device?: string;
  /** The name refused by a name check. */
  name?: string;
  lock?: string;
  /** ENOSPC_VG: extents free and extents the request needed. */
  freeExtents?: number;
  requiredExtents?: number;
  /** METADATA_AREA_FULL: the text's size and the largest that fits. */
  metadataBytes?: number;
  maxMetadataBytes?: number;
  /** An errno name (EACCES …) behind a device failure. */
  errno?: string;
  /** What went wrong, for a failure whose lvm2 messages were printed (emitted) already, so that `lines` is empty. */
  detail?: string;
}

export class UlvmError extends Error {
  constructor(
    readonly code: UlvmErrorCode,
    /** lvm2's messages, without the two-space prefix it prints them with. */
    readonly lines: string[],
    /** lvm2's exit code: 5 failed, 3 bad command line, 4 broken configuration. */
    readonly rc = 5,
    readonly data: UlvmErrorData = {},
  ) {
    super(lines.length ? lines.join('\n') : (data.detail ?? code));
  }

  /** Exactly what the CLI writes to stderr for this failure. */
  stderrText(): string {
    return this.lines.map((l) => `  ${l}\n`).join('');
  }
}

/** A command's failure with lvm2's message(s) and exit code (FAILED unless told otherwise). */
export class CmdError extends UlvmError {
  constructor(lines: string[], rc = 5, code: UlvmErrorCode = rc === 3 ? 'INVALID_ARGUMENT' : 'FAILED', data: UlvmErrorData = {}) {
    super(code, lines, rc, data);
  }
}

export function fail(msg: string | string[], rc = 5, code?: UlvmErrorCode, data?: UlvmErrorData): never {
  throw new CmdError(Array.isArray(msg) ? msg : [msg], rc, code, data);
}
