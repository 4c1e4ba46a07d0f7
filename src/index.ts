// ulvm as a library. The Session is the way in: typed operations over a set of devices, returning
// plain data (the same rows `pvs`/`vgs`/`lvs` print) and failing with UlvmError codes; lvm2's
// messages arrive as events. runCommand runs any lvm2 command line in-process, as the CLI does.
export { Session, type SessionOptions, type SessionEvent, type SessionListener, type Size, type LvSize, type ChangedBlocks, type ChangedKind } from './api/session.ts';
export { BlockHandle } from './api/block-handle.ts';
export type { PvView, VgView, LvView, SegmentView, AreaView } from './api/views.ts';
export type { PvCreateOptions, PvCreateResult } from './ops/pv-create.ts';
export type { PvChangeOptions } from './ops/pv-change.ts';
export type { VgCreateOptions } from './ops/vg-create.ts';
export type { VgChangeOptions } from './ops/vg-change.ts';
export type { VgSplitOptions } from './ops/vg-split.ts';
export type { DiskScanEntry } from './ops/disk-scan.ts';
export type { ConfigDumpOptions, ConfigDumpType } from './ops/config-dump.ts';
export type { VgReduceOptions } from './ops/vg-reduce.ts';
export type { LvChangeOptions } from './ops/lv-change.ts';
export type { CreateLvOptions } from './ops/create-lv.ts';
export type { CreateSnapshotOptions } from './ops/create-snapshot.ts';
export type { GroupMember, SnapshotGroupOptions, SnapshotGroupResult } from './ops/snapshot-group.ts';
export type { ResizeLvOptions } from './ops/resize-lv.ts';
export type { RemoveLvOptions } from './ops/lv-remove.ts';
export type { RenameLvOptions } from './ops/rename-lv.ts';
export { UlvmError, type UlvmErrorCode, type UlvmErrorData } from './errors.ts';
export { runCommand, runFromProcess } from './cli/main.ts';
export type { RunEnv } from './ops/context.ts';
export { BufferIo, type Io } from './ops/io.ts';
export { fileOpener } from './devices/file.ts';
export { MemoryDisks } from './devices/memory.ts';
export type { DeviceOpener, BlockDevice } from './devices/device.ts';
export type { Activator, ActiveLv } from './activation/activator.ts';
export { ULVM_VERSION } from './cli/ulvm-commands.ts';
// Backups: a repository, backups from consistent snapshots, restores and the instant NBD mount.
export { Repository, type RepoKey } from './backup/repo/repository.ts';
export { LocalStorage } from './backup/repo/local-storage.ts';
export { createBackup, estimateBackup, type BackupCreateOptions, type BackupProgress, type BackupEstimate } from './backup/create.ts';
export { restoreVolume, fileWriter, type VolumeWriter, type RestoreOptions, type RestoreStats } from './backup/restore.ts';
export { openLvIo, readerOf } from './backup/lv-io.ts';
export { serveBackup } from './backup/mount.ts';
export { commandHook, postgresHook, type BackupHook } from './backup/hooks.ts';
export type { BackupManifest, BackupSummary, BackupVolume, BackupStats, RepoStorage, RetentionPolicy, VolumeReader, ChangedRanges } from './backup/types.ts';
