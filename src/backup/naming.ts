// The names ulvm gives what a backup leaves in a VG: its snapshots are ordinary LVs (lvs shows
// them) named after the origin and the backup, and tagged, so a later run or a person can tell
// them from the user's own snapshots and clean up after a killed run.

/** The tag on every snapshot a backup makes (lvm2's tag characters only). */
export const BACKUP_TAG = 'ulvm_backup';

/** `<lv>_bk_<first 8 hex of the backup id>`; lvm2 allows 127 characters, so long names are cut. */
export function backupSnapshotName(lv: string, backupId: string): string {
  const tail = `_bk_${backupId.slice(0, 8)}`;
  return lv.slice(0, 127 - tail.length) + tail;
}

/** The backup id prefix in a backup snapshot's name, or undefined for other LVs. */
export function backupIdOfSnapshot(name: string): string | undefined {
  return /_bk_([0-9a-f]{8})$/.exec(name)?.[1];
}

/** The tag naming the repository a backup snapshot belongs to (two repositories may back up one LV). */
export function repoSnapshotTag(repoId: string): string {
  return `ulvm_repo_${repoId.slice(0, 16)}`;
}
