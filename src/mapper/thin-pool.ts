// The kernel's thin-pool target (drivers/md/dm-thin.c, the pool side) over ulvm's pool metadata:
// what pool_ctr/preresume/resume do to the metadata, the pool modes and their switches, data block
// allocation with the low water mark and the out-of-data-space queue, commit points, messages and
// the status and table lines.
//
// API (the activation stack builds on it):
//   ThinPool.open(opts)            pool_ctr + preresume + resume: formats an all-zero metadata
//                                  device, checks the data block size, grows either space map when
//                                  its device grew. Throws ThinPoolError with the ctr's ti->error
//                                  text (the dm core's "table:" log line is the caller's).
//   pool.thin(devId, sizeBytes)    a ThinTarget (thin_ctr); release() it when its table goes.
//   pool.message(text)             a pool message; rejects with ThinPoolError (kernel errno).
//   pool.status(), pool.features   the STATUSTYPE_INFO line; the table's requested features.
//   pool.table(meta, data)         the STATUSTYPE_TABLE line, given the devices' major:minor.
//   pool.resize({data, metadata})  a reload with (bigger) devices followed by resume; the new
//                                  table is bound first (back to write mode), as pool_preresume.
//   pool.suspend() / resume()      postsuspend commits; resume re-arms the low water mark and
//                                  re-issues queued writes.
//   pool.commit()                  a commit point (thin flushes call it); periodic ones run each
//                                  second while something changed. close() commits and stops;
//                                  abandon() drops the pool uncommitted (a crash, for tests).
//   pool.on('event', e)            dm table events (what dmeventd waits for): low water marks and
//                                  mode switches.
//   opts.log                       gets the kernel's log lines as dmesg shows them, prefix included.
// status() is the noflush form (it is synchronous, and a commit needs the data device flushed
// first, which is not); flushedStatus() commits first, as a status ioctl without noflush does.
import { EventEmitter } from 'node:events';
import type { BlockDevice } from '../devices/device.ts';
import { BLOCK_SIZE } from '../pdata/checksum.ts';
import { METADATA_MAX_BLOCKS } from '../pdata/space-map-metadata.ts';
import { NoSpaceError } from '../pdata/space-map.ts';
import { DATA_BLOCK_SIZE_MAX, DATA_BLOCK_SIZE_MIN, ThinMetadata, superblockAllZeroes } from '../pdata/thin-metadata.ts';
import { ThinMetadataError } from '../pdata/thin-metadata-errors.ts';
import { BioPrison } from './bio-prison.ts';
import { poolMessage } from './thin-pool-message.ts';
import { poolStatusLine, poolTableLine } from './thin-pool-status.ts';
import { ThinPoolError, errnoValue, ioError } from './thin-pool-errors.ts';
import type { BlockTarget } from './target.ts';
import { ThinTarget } from './thin-target.ts';

export { ThinPoolError, ioError } from './thin-pool-errors.ts';

export type PoolMode = 'write' | 'out-of-data-space' | 'out-of-metadata-space' | 'read-only' | 'fail';
export type DiscardMode = 'ignore' | 'nopassdown' | 'passdown';

export interface ThinPoolOptions {
  metadata: BlockDevice;
  data: BlockTarget;
  /** Sectors. */
  dataBlockSize: number;
  /** Data blocks. */
  lowWaterMark: number;
  /** False for skip_block_zeroing. */
  zeroNewBlocks?: boolean;
  discards?: DiscardMode;
  errorIfNoSpace?: boolean;
  readOnly?: boolean;
  /** The dm_thin_pool module parameter, in seconds; 0 queues for ever. */
  noSpaceTimeout?: number;
  log?: (kernelMessage: string) => void;
  /** dm_device_name of the device carrying the target ("253:2"), as the log lines name it. */
  name: string;
  /** The data device's bdevname ("dm-1"), named when discard passdown has to be disabled. */
  dataDevName?: string;
  /** The kernel's COMMIT_PERIOD (1 s); tests shorten it. */
  commitPeriodMs?: number;
  cacheBlocks?: number;
}

/** The features the table asked for, in the kernel's order of `dmsetup table`. */
export interface PoolFeatures {
  zeroNewBlocks: boolean;
  discardEnabled: boolean;
  discardPassdown: boolean;
  readOnly: boolean;
  errorIfNoSpace: boolean;
}

export interface PoolEvent {
  reason: 'low-water' | 'metadata-low-water' | 'mode';
  mode: PoolMode;
}

const SECTOR = 512;
const NO_SPACE_TIMEOUT_SECS = 60;
const COMMIT_PERIOD_MS = 1000;

function metadataDevBlocks(dev: BlockDevice): number {
  return Math.min(Math.floor(dev.size / BLOCK_SIZE), METADATA_MAX_BLOCKS);
}

function isReadOnlyMode(m: PoolMode): boolean {
  return m === 'read-only' || m === 'out-of-metadata-space' || m === 'fail';
}

interface Waiter {
  resolve: () => void;
  reject: (e: Error) => void;
}

export class ThinPool extends EventEmitter {
  md: ThinMetadata;
  data: BlockTarget;
  private metadataDev: BlockDevice;
  readonly features: PoolFeatures;
  readonly dataBlockSize: number;
  readonly blockBytes: number;
  readonly lowWaterMark: number;
  readonly name: string;
  readonly prison = new BioPrison();
  private readonly log: (m: string) => void;
  private readonly noSpaceTimeout: number;
  private mode_: PoolMode = 'write';
  /** Live features: passdown may be turned off for the data device, error_if_no_space by the timeout. */
  private passdown: boolean;
  private errorIfNoSpace: boolean;
  private outOfDataSpace = false;
  private lowWaterTriggered = false;
  private metadataLow = false;
  /** Something changed since the last commit (dm_pool_changed_this_transaction). */
  private changed = false;
  private suspended = false;
  private closed = false;
  private retryList: Waiter[] = [];
  private readonly openCount = new Map<number, number>();
  /** The commit in progress: mapping inserts wait for it, so that every mapping it writes has its data flushed. */
  private committing?: Promise<boolean>;
  private commitTimer?: NodeJS.Timeout;
  private noSpaceTimer?: NodeJS.Timeout;
  private readonly commitPeriodMs: number;
  private readonly dataDevName: string | undefined;

  private constructor(opts: ThinPoolOptions, md: ThinMetadata) {
    super();
    this.md = md;
    this.data = opts.data;
    this.metadataDev = opts.metadata;
    this.dataBlockSize = opts.dataBlockSize;
    this.blockBytes = opts.dataBlockSize * SECTOR;
    this.lowWaterMark = opts.lowWaterMark;
    this.name = opts.name;
    this.log = opts.log ?? (() => undefined);
    this.noSpaceTimeout = opts.noSpaceTimeout ?? NO_SPACE_TIMEOUT_SECS;
    this.commitPeriodMs = opts.commitPeriodMs ?? COMMIT_PERIOD_MS;
    this.dataDevName = opts.dataDevName;
    const discards = opts.discards ?? 'passdown';
    this.features = {
      zeroNewBlocks: opts.zeroNewBlocks ?? true,
      discardEnabled: discards !== 'ignore',
      discardPassdown: discards !== 'nopassdown',
      readOnly: opts.readOnly ?? false,
      errorIfNoSpace: opts.errorIfNoSpace ?? false,
    };
    this.passdown = this.features.discardPassdown;
    this.errorIfNoSpace = this.features.errorIfNoSpace;
  }

  /** pool_ctr, then the first preresume and resume. */
  static open(opts: ThinPoolOptions): ThinPool {
    const bs = opts.dataBlockSize;
    if (!Number.isInteger(bs) || bs < DATA_BLOCK_SIZE_MIN || bs > DATA_BLOCK_SIZE_MAX || bs % DATA_BLOCK_SIZE_MIN !== 0) throw new ThinPoolError('EINVAL', 'Invalid block size');
    if (!Number.isInteger(opts.lowWaterMark) || opts.lowWaterMark < 0) throw new ThinPoolError('EINVAL', 'Invalid low water mark');
    const log = opts.log ?? (() => undefined);
    const readOnly = opts.readOnly ?? false;
    let md: ThinMetadata;
    try {
      if (readOnly && superblockAllZeroes(opts.metadata)) throw new ThinPoolError('EPERM', 'Error creating metadata object');
      const nrDataBlocks = Math.floor(opts.data.size / (bs * SECTOR));
      md = ThinMetadata.openOrFormat(opts.metadata, { dataBlockSize: bs, nrDataBlocks, readOnly, ...(opts.cacheBlocks ? { cacheBlocks: opts.cacheBlocks } : {}) });
    } catch (e) {
      if (e instanceof ThinPoolError) throw e;
      if (!(e instanceof ThinMetadataError)) throw e;
      log(`device-mapper: thin metadata: ${e.message}`);
      throw new ThinPoolError(e.errno, 'Error creating metadata object');
    }
    const pool = new ThinPool(opts, md);
    pool.bind();
    pool.preresume();
    pool.resume();
    return pool;
  }

  get mode(): PoolMode {
    return this.mode_;
  }

  private prefix(): string {
    return `device-mapper: thin: ${this.name}: `;
  }

  /** bind_control_target: the table's mode; pool_io_hints: passdown only where the data device can discard. */
  private bind(): void {
    if (this.features.discardEnabled && this.passdown && !this.data.caps.discard) {
      this.log(`device-mapper: thin: Data device (${this.dataDevNameOr()}) discard unsupported: Disabling discard passdown.`);
      this.passdown = false;
    }
    this.setMode(this.features.readOnly ? 'read-only' : 'write');
  }

  private dataDevNameOr(): string {
    return this.dataDevName ?? 'data';
  }

  /** maybe_resize_data_dev and maybe_resize_metadata_dev; a growth is committed at once. */
  private preresume(): void {
    let needCommit = false;
    const dataBlocks = Math.floor(this.data.size / this.blockBytes);
    const u = this.md.usage();
    if (dataBlocks < u.data.total) {
      this.log(`${this.prefix()}pool target (${dataBlocks} blocks) too small: expected ${u.data.total}`);
      throw new ThinPoolError('EINVAL', `pool target (${dataBlocks} blocks) too small: expected ${u.data.total}`);
    }
    if (dataBlocks > u.data.total) {
      if (this.md.needsCheck) this.log(`${this.prefix()}unable to grow the data device until repaired.`);
      else {
        if (u.data.total) this.log(`${this.prefix()}growing the data device from ${u.data.total} to ${dataBlocks} blocks`);
        if (this.metadataOp('dm_pool_resize_data_dev', () => this.md.resizeData(dataBlocks))) needCommit = true;
      }
    }
    const metaBlocks = metadataDevBlocks(this.metadataDev);
    const total = this.md.usage().metadata.total;
    if (metaBlocks < total) {
      this.log(`${this.prefix()}metadata device (${metaBlocks} blocks) too small: expected ${total}`);
      throw new ThinPoolError('EINVAL', `metadata device (${metaBlocks} blocks) too small: expected ${total}`);
    }
    if (metaBlocks > total) {
      if (this.md.needsCheck) this.log(`${this.prefix()}unable to grow the metadata device until repaired.`);
      else {
        this.log(`${this.prefix()}growing the metadata device from ${total} to ${metaBlocks} blocks`);
        if (this.mode_ === 'out-of-metadata-space') this.setMode('write');
        if (this.metadataOp('dm_pool_resize_metadata_dev', () => this.md.resizeMetadata(metaBlocks))) needCommit = true;
      }
    }
    if (needCommit) {
      this.changed = true;
      this.commitSync();
    }
  }

  /** pool_resume: the low water mark is armed again and queued writes retry. */
  resume(): void {
    this.suspended = false;
    this.lowWaterTriggered = false;
    this.requeue();
    if (!this.commitTimer && !this.closed) {
      this.commitTimer = setInterval(() => void this.periodicCommit(), this.commitPeriodMs);
      this.commitTimer.unref();
    }
  }

  /** pool_postsuspend: the periodic commit stops and what changed is committed. */
  async suspend(): Promise<void> {
    this.suspended = true;
    this.stopCommitTimer();
    await this.commit();
  }

  /**
   * A reload of the pool's table with (bigger) devices, then resume. The new table's features
   * take over first (bind_control_target: the pool goes back to write mode, or read-only, and the
   * live error_if_no_space is the table's again), then the devices are grown. A refused resume (a
   * smaller device) keeps the old devices, as a failed resume leaves the old table live.
   */
  async resize(to: { data?: BlockTarget; metadata?: BlockDevice }): Promise<void> {
    await this.commit();
    const before = { md: this.md, metadataDev: this.metadataDev, data: this.data };
    try {
      if (to.metadata) {
        // The block manager sizes itself from the device when it opens it: a grown device is reopened.
        this.md = ThinMetadata.open(to.metadata, { dataBlockSize: this.dataBlockSize });
        this.metadataDev = to.metadata;
        if (isReadOnlyMode(this.mode_)) this.md.bm.readOnly = true;
      }
      if (to.data) this.data = to.data;
      this.passdown = this.features.discardPassdown;
      this.errorIfNoSpace = this.features.errorIfNoSpace;
      this.bind();
      this.preresume();
    } catch (e) {
      this.md = before.md;
      this.metadataDev = before.metadataDev;
      this.data = before.data;
      throw e;
    }
    this.resume();
  }

  private stopCommitTimer(): void {
    if (this.commitTimer) clearInterval(this.commitTimer);
    this.commitTimer = undefined;
  }

  /** Commits, stops the timers and fails what is still queued (the device goes away). */
  async close(): Promise<void> {
    this.stopCommitTimer();
    await this.commit();
    this.closed = true;
    if (this.noSpaceTimer) clearTimeout(this.noSpaceTimer);
    this.noSpaceTimer = undefined;
    this.errorRetryList('EIO');
  }

  /** Drops the pool without committing, as a crash would (tests). */
  abandon(): void {
    this.stopCommitTimer();
    if (this.noSpaceTimer) clearTimeout(this.noSpaceTimer);
    this.closed = true;
    this.errorRetryList('EIO');
  }

  private notifyModeChange(): void {
    const descs: Record<PoolMode, string> = { write: 'write', 'out-of-data-space': 'out-of-data-space', 'read-only': 'read-only', 'out-of-metadata-space': 'read-only', fail: 'fail' };
    const extra = this.mode_ === 'out-of-data-space' ? (this.errorIfNoSpace ? ' (error IO)' : ' (queue IO)') : '';
    this.emit('event', { reason: 'mode', mode: this.mode_ } satisfies PoolEvent);
    this.log(`${this.prefix()}switching pool to ${descs[this.mode_]}${extra} mode`);
  }

  /** set_pool_mode: needs_check keeps the pool out of write mode, and fail mode is never left. */
  setMode(want: PoolMode): void {
    const old = this.mode_;
    let mode = want;
    if (mode === 'write' && this.md.needsCheck) {
      this.log(`${this.prefix()}unable to switch pool to write mode until repaired.`);
      mode = old !== mode ? old : 'read-only';
    }
    if (old === 'fail') mode = 'fail';
    switch (mode) {
      case 'fail':
      case 'read-only':
      case 'out-of-metadata-space':
        this.md.bm.readOnly = true;
        this.cancelNoSpaceTimer();
        this.errorRetryList(this.outOfDataSpace ? 'ENOSPC' : 'EIO');
        break;
      case 'out-of-data-space':
        this.outOfDataSpace = true;
        if (!this.errorIfNoSpace && this.noSpaceTimeout && !this.noSpaceTimer) {
          // Not unref'd: the queued writes are work in progress, as the kernel holds them.
          this.noSpaceTimer = setTimeout(() => this.noSpaceTimedOut(), this.noSpaceTimeout * 1000);
        }
        break;
      case 'write':
        this.cancelNoSpaceTimer();
        this.outOfDataSpace = false;
        this.errorIfNoSpace = this.features.errorIfNoSpace;
        this.md.bm.readOnly = false;
        break;
    }
    this.mode_ = mode;
    if (old !== mode) this.notifyModeChange();
  }

  private cancelNoSpaceTimer(): void {
    if (this.noSpaceTimer) clearTimeout(this.noSpaceTimer);
    this.noSpaceTimer = undefined;
  }

  /** do_no_space_timeout: the live error_if_no_space flag goes on and the queue is failed. */
  private noSpaceTimedOut(): void {
    this.noSpaceTimer = undefined;
    if (this.mode_ !== 'out-of-data-space' || this.errorIfNoSpace) return;
    this.errorIfNoSpace = true;
    this.notifyModeChange();
    this.errorRetryList('ENOSPC');
  }

  private errorRetryList(code: 'EIO' | 'ENOSPC'): void {
    const list = this.retryList;
    this.retryList = [];
    for (const w of list) w.reject(ioError(code));
  }

  private requeue(): void {
    const list = this.retryList;
    this.retryList = [];
    for (const w of list) w.resolve();
  }

  /**
   * handle_unserviceable_bio: a write that needs a data block the pool cannot give now. Errors at
   * once, or waits on the retry list until a resume or free space re-issues it (then it resolves
   * and the caller starts over).
   */
  unserviceable(): Promise<void> {
    // Space came back between the failed allocation and now: go again at once.
    if (this.mode_ === 'write') return Promise.resolve();
    if (this.mode_ === 'out-of-data-space' && !this.errorIfNoSpace) {
      return new Promise((resolve, reject) => this.retryList.push({ resolve, reject }));
    }
    const code = this.mode_ === 'out-of-data-space' ? 'ENOSPC' : 'EIO';
    return Promise.reject(ioError(code));
  }

  /** Writes waiting for space (tests). */
  get queued(): number {
    return this.retryList.length;
  }

  /**
   * metadata_operation_failed: the transaction is dropped, needs_check set and the pool goes
   * read-only (or to fail mode when even that fails). Returns whether `f` succeeded.
   */
  metadataOp(op: string, f: () => void): boolean {
    try {
      f();
      this.changed = true;
      this.checkMetadataLowWater();
      return true;
    } catch (e) {
      const errno = e instanceof ThinMetadataError ? e.errno : e instanceof NoSpaceError ? 'ENOSPC' : 'EIO';
      this.metadataOperationFailed(op, errno);
      return false;
    }
  }

  private metadataOperationFailed(op: string, errno: string): void {
    this.log(`${this.prefix()}metadata operation '${op}' failed: error = ${-errnoValue(errno)}`);
    this.log(`${this.prefix()}aborting current metadata transaction`);
    try {
      this.md.abort();
    } catch {
      this.log(`${this.prefix()}failed to abort metadata transaction`);
      this.setMode('fail');
    }
    try {
      this.md.bm.readOnly = false;
      this.md.setNeedsCheck();
      this.md.commit();
      this.changed = false;
    } catch {
      this.log(`${this.prefix()}failed to set 'needs_check' flag in metadata`);
      this.setMode('fail');
    }
    this.setMode('read-only');
  }

  /** min(1024, a quarter of the metadata device): the last status field, and the metadata event's threshold. */
  get metadataThreshold(): number {
    return Math.min(1024, Math.floor(metadataDevBlocks(this.metadataDev) / 4));
  }

  /** The metadata low water event is edge-triggered: once per crossing downwards. */
  private checkMetadataLowWater(): void {
    const low = this.md.metadataFreeForAllocation() <= this.metadataThreshold;
    if (low && !this.metadataLow) {
      this.log(`${this.prefix()}reached low water mark for metadata device: sending event.`);
      this.emit('event', { reason: 'metadata-low-water', mode: this.mode_ } satisfies PoolEvent);
    }
    this.metadataLow = low;
  }

  /** The kernel's reserve kept back for the commit itself (__set_metadata_reserve). */
  get metadataReserve(): number {
    return Math.min(4096, Math.floor(this.md.usage().metadata.total / 10));
  }

  /** dm_pool_get_free_metadata_block_count: what is free beyond the reserve. */
  freeMetadataBlocks(): number {
    const free = this.md.metadataFreeForAllocation();
    return free < this.metadataReserve ? 0 : free - this.metadataReserve;
  }

  /** The commit: the data device is flushed first, so that no mapping is durable before its data. */
  async commit(): Promise<boolean> {
    while (this.committing) await this.committing;
    if (isReadOnlyMode(this.mode_)) return false;
    if (!this.changed) {
      await this.data.flush();
      return true;
    }
    const run = (async () => {
      try {
        await this.data.flush();
      } catch {
        // metadata_pre_commit_callback failing fails the commit like any metadata write.
        this.metadataOperationFailed('dm_pool_commit_metadata', 'EIO');
        return false;
      }
      return this.commitSync();
    })();
    this.committing = run;
    try {
      return await run;
    } finally {
      this.committing = undefined;
    }
  }

  /** The metadata half of a commit, with check_for_metadata_space and check_for_data_space after it. */
  private commitSync(): boolean {
    if (isReadOnlyMode(this.mode_)) return false;
    try {
      this.md.commit();
    } catch (e) {
      const errno = e instanceof ThinMetadataError ? e.errno : e instanceof NoSpaceError ? 'ENOSPC' : 'EIO';
      this.metadataOperationFailed('dm_pool_commit_metadata', errno);
      return false;
    }
    this.changed = false;
    if (!this.freeMetadataBlocks() && !isReadOnlyMode(this.mode_)) {
      this.log('device-mapper: thin: No free metadata blocks');
      this.setMode('out-of-metadata-space');
    }
    if (this.mode_ === 'out-of-data-space' && this.md.usage().data.free > 0) {
      this.setMode('write');
      this.requeue();
    }
    return true;
  }

  private async periodicCommit(): Promise<void> {
    if (this.changed && !this.suspended && !this.committing) await this.commit();
  }

  /** Waits while a commit flushes the data device: a mapping inserted now would not be covered by that flush. */
  async commitBarrier(): Promise<void> {
    while (this.committing) await this.committing;
  }

  /**
   * alloc_data_block: the low water mark, a commit when nothing is free (blocks freed in this
   * transaction become usable), out-of-data-space when still nothing, and a commit before the
   * metadata reserve is touched. Undefined when the pool cannot allocate (mode changed).
   */
  async allocDataBlock(): Promise<number | undefined> {
    for (let attempt = 0; ; attempt++) {
      if (this.mode_ !== 'write') return undefined;
      const free = this.md.usage().data.free;
      this.checkLowWaterMark(free);
      if (!free || attempt > 0) {
        if (!(await this.commit())) return undefined;
        if (this.mode_ !== 'write') return undefined;
        if (!this.md.usage().data.free) {
          this.setMode('out-of-data-space');
          return undefined;
        }
      }
      let block: number | undefined;
      try {
        block = this.md.allocDataBlock();
      } catch (e) {
        // Free blocks that were freed in this transaction: a commit releases them.
        if (e instanceof ThinMetadataError && e.errno === 'ENOSPC') {
          if (attempt === 0) continue;
          this.setMode('out-of-data-space');
          return undefined;
        }
        this.metadataOperationFailed('dm_pool_alloc_data_block', e instanceof NoSpaceError ? 'ENOSPC' : 'EIO');
        return undefined;
      }
      this.changed = true;
      if (!this.freeMetadataBlocks()) await this.commit();
      return block;
    }
  }

  private checkLowWaterMark(free: number): void {
    if (free > this.lowWaterMark || this.lowWaterTriggered) return;
    this.log(`${this.prefix()}reached low water mark for data device: sending event.`);
    this.lowWaterTriggered = true;
    this.emit('event', { reason: 'low-water', mode: this.mode_ } satisfies PoolEvent);
  }

  /** thin_ctr's side: the device must exist and the pool must not have failed. */
  thin(devId: number, sizeBytes: number): ThinTarget {
    if (!Number.isInteger(devId) || devId < 0 || devId > 0xffffff) throw new ThinPoolError('EINVAL', 'Invalid device id');
    if (this.mode_ === 'fail') throw new ThinPoolError('EINVAL', "Couldn't open thin device, Pool is in fail mode");
    if (this.suspended) throw new ThinPoolError('EINVAL', 'Unable to activate thin device while pool is suspended');
    if (!this.md.deviceDetails(devId)) throw new ThinPoolError('ENODATA', "Couldn't open thin internal device");
    this.openCount.set(devId, (this.openCount.get(devId) ?? 0) + 1);
    return new ThinTarget(this, devId, sizeBytes);
  }

  /** thin_dtr's side. */
  releaseThin(devId: number): void {
    const n = (this.openCount.get(devId) ?? 0) - 1;
    if (n > 0) this.openCount.set(devId, n);
    else this.openCount.delete(devId);
  }

  isOpen(devId: number): boolean {
    return this.openCount.has(devId);
  }

  /** Metadata changed outside metadataOp (messages): the next commit point writes it. */
  markChanged(): void {
    this.changed = true;
    this.checkMetadataLowWater();
  }

  /** pool_message: resolves with the (empty) reply once committed; rejects with ThinPoolError. */
  message(text: string): Promise<string> {
    return poolMessage(this, text, this.log);
  }

  /** pool_status (STATUSTYPE_INFO); `Error` when a figure cannot be read, as the kernel prints. */
  status(): string {
    try {
      const u = this.md.usage();
      return poolStatusLine({
        transactionId: this.md.transactionId,
        usedMeta: u.metadata.total - this.freeMetadataBlocks(),
        totalMeta: u.metadata.total,
        usedData: u.data.total - u.data.free,
        totalData: u.data.total,
        heldRoot: this.md.heldRoot,
        mode: this.mode_,
        discardEnabled: this.features.discardEnabled,
        passdown: this.passdown,
        errorIfNoSpace: this.errorIfNoSpace,
        needsCheck: this.md.needsCheck,
        metadataThreshold: this.metadataThreshold,
      });
    } catch {
      return this.mode_ === 'fail' ? 'Fail' : 'Error';
    }
  }

  /** `dmsetup status` without --noflush: the kernel commits before it reports (unless suspended). */
  async flushedStatus(): Promise<string> {
    if (!this.suspended) await this.commit();
    return this.status();
  }

  /** pool_status (STATUSTYPE_TABLE), given how the kernel names the two devices. */
  table(metadataDev: string, dataDev: string): string {
    return poolTableLine(metadataDev, dataDev, this.dataBlockSize, this.lowWaterMark, this.features);
  }

  /** Whether a freed data block is discarded on the data device (the live passdown flag). */
  get discardPassdown(): boolean {
    return this.features.discardEnabled && this.passdown;
  }
}
