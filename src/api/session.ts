// The library's entry point: a session over a set of devices (image files or block devices), with
// its own configuration and state folders, locks, clock and activation. Every operation runs as
// one lvm2 command would (settled scan, locks, archive → commit → backup, locks released) and
// returns plain data; lvm2's messages arrive as events, failures as UlvmError with a code.
import { resolve, join } from 'node:path';
import type { DeviceOpener } from '../devices/device.ts';
import { fileOpener } from '../devices/file.ts';
import { ActivationEngine } from '../activation/engine.ts';
import { noActivation, type Activator } from '../activation/activator.ts';
import { Ctx } from '../ops/context.ts';
import { fail, UlvmError } from '../errors.ts';
import type { Io } from '../ops/io.ts';
import { pvcreate, type PvCreateOptions, type PvCreateResult } from '../ops/pv-create.ts';
import { removePvs } from '../ops/pv-remove.ts';
import { changePvs, type PvChangeOptions } from '../ops/pv-change.ts';
import { vgcreate, type VgCreateOptions } from '../ops/vg-create.ts';
import { createLv, type CreateLvOptions } from '../ops/create-lv.ts';
import { createSnapshot, type CreateSnapshotOptions } from '../ops/create-snapshot.ts';
import { createThinPool, type CreateThinPoolOptions } from '../ops/create-thin-pool.ts';
import { createThin, type CreateThinOptions } from '../ops/create-thin.ts';
import { createSnapshotGroup, type SnapshotGroupOptions, type SnapshotGroupResult } from '../ops/snapshot-group.ts';
import { extendByPolicy } from '../ops/extend-by-policy.ts';
import { importCloneVg, type ImportCloneOptions } from '../ops/vg-import-clone.ts';
import { poolSegOf, thinSegOf } from '../model/thin.ts';
import { deviceBlocks } from '../pdata/thin-delta.ts';
import { lvExtents } from '../model/types.ts';

export type ChangedKind = 'different' | 'left_only' | 'right_only';
/** What changed between two thin LVs: ranges in bytes (multiples of the pool's block size). */
export interface ChangedBlocks {
  blockSize: number;
  ranges: { kind: ChangedKind; offset: number; length: number }[];
}
import { convertToThinPool, type ConvertThinPoolOptions } from '../ops/convert-thin-pool.ts';
import { resizeLv, type ResizeLvOptions } from '../ops/resize-lv.ts';
import { removeLv, type RemoveLvOptions } from '../ops/lv-remove.ts';
import { renameLv, type RenameLvOptions } from '../ops/rename-lv.ts';
import { extendVg } from '../ops/vg-extend.ts';
import { renameVg } from '../ops/vg-rename.ts';
import { changeVg, type VgChangeOptions } from '../ops/vg-change.ts';
import { reduceVg, type VgReduceOptions } from '../ops/vg-reduce.ts';
import { changeLv, type LvChangeOptions } from '../ops/lv-change.ts';
import { removeVg } from '../ops/vg-remove.ts';
import { activatableLvs, activateLvs } from '../ops/activate.ts';
import { findVgOrFail, splitLvName, vgNotFound } from '../ops/select.ts';
import { exportVg, importVg } from '../ops/vg-export.ts';
import { splitVg, type VgSplitOptions } from '../ops/vg-split.ts';
import { mergeVg } from '../ops/vg-merge.ts';
import { diskScan, type DiskScanEntry } from '../ops/disk-scan.ts';
import { dumpConfig, type ConfigDumpOptions } from '../ops/config-dump.ts';
import { pollSnapshotMerge, startSnapshotMerge } from '../ops/snapshot-merge.ts';
import { mergingSnapshotOf, snapshotOfCow } from '../model/snapshots.ts';
import { lvObjects, pvObjects, vgObject } from '../ops/objects.ts';
import { lvView, pvView, vgView, type LvView, type PvView, type VgView } from './views.ts';
import { parseSizeArg } from '../ops/sizes.ts';
import type { SizeRequest, SizeValue } from '../ops/lv-size.ts';
import { parseExtents } from '../ops/lv-size.ts';
import { BlockHandle } from './block-handle.ts';
import type { DeltaRun } from '../pdata/thin-delta.ts';
import { ChangeMaps } from '../mapper/change-maps.ts';
import type { RotatedChangeMap } from '../mapper/change-map.ts';
import { systemPaths } from '../metadata/paths.ts';

/** Who can compute a thin delta: the in-process engine, or the daemon's client. */
interface ThinDeltaSource {
  thinChangedBlocks(vgName: string, pool: string, left: number, right: number, opts: { leftBlocks?: number; rightBlocks?: number }): Promise<{ blockSectors: number; runs: DeltaRun[] }>;
}
/** Who keeps change maps: the daemon's client (the in-process ones live in the session). */
interface ChangeMapKeeper {
  enableChangeMap(vgName: string, lvName: string, regionSize?: number): Promise<{ generation: number; regionSize: number }>;
  rotateChangeMap(vgName: string, lvName: string): Promise<RotatedChangeMap>;
}
function hasMethods<T>(a: unknown, ...names: string[]): a is T {
  return typeof a === 'object' && a !== null && names.every((n) => typeof (a as Record<string, unknown>)[n] === 'function');
}

export interface SessionOptions {
  /**
   * One folder for ulvm's state: `<dir>/etc` (lvm.conf, the devices file, metadata backups and
   * archives, as lvm2's /etc/lvm) and `<dir>/run` (locks). Or give systemDir and runDir apart.
   */
  dir?: string;
  systemDir?: string;
  runDir?: string;
  /** Look at these devices only (lvm2's --devices); otherwise at those in the devices file. */
  devices?: string[];
  /**
   * Where active LVs live: in this process (the default; they go when the process ends or
   * close() is called), nowhere ('none': metadata only, as lvm2 without device-mapper), or an
   * Activator of your own (a DaemonClient, say).
   */
  activation?: 'in-process' | 'none' | Activator;
  /** lvm.conf settings on top of the file, as lvm2's --config (`activation/snapshot_autoextend_threshold=70`). */
  config?: string[];
  /** Answer yes to lvm2's questions (wipe a signature, remove an active LV …); otherwise they are answered no. */
  assumeYes?: boolean;
  /** Relative device names are taken from here (default: the process's cwd). */
  cwd?: string;
  /** Devices are opened through this (default: files and block devices). */
  opener?: DeviceOpener;
  /** Unix seconds (metadata creation times, backups); tests pin it. */
  now?: () => number;
}

export type SessionEvent = 'print' | 'warning' | 'error';
export type SessionListener = (message: string) => void;

/** A size as the library takes it: bytes, or lvm2's text (`64m`, `+10%FREE` for extents). */
export type Size = number | string;

export interface LvSize {
  /** Bytes, or lvm2's -L text (`64m`, `1g`, `+32m` where growing). */
  size?: Size;
  /** Extents, or lvm2's -l text (`100%FREE`, `+50%LV`). */
  extents?: number | string;
}

/** Writes lvm2's messages as events: stdout lines are 'print', stderr lines 'warning' or 'error'. */
class EventIo implements Io {
  private partial = { out: '', err: '' };
  constructor(private readonly emit: (e: SessionEvent, m: string) => void) {}
  private lines(stream: 'out' | 'err', text: string): void {
    const all = this.partial[stream] + text;
    const parts = all.split('\n');
    this.partial[stream] = parts.pop() ?? '';
    for (const p of parts) {
      const m = p.replace(/^ {2}/, '');
      if (stream === 'out') this.emit('print', m);
      else this.emit(/^WARNING: /.test(m) ? 'warning' : 'error', m);
    }
  }
  out(text: string): void {
    this.lines('out', text);
  }
  err(text: string): void {
    this.lines('err', text);
  }
  readLine(): string | null {
    // A question nobody answers: lvm2 takes end of input as no.
    if (this.partial.err) this.err('\n');
    return null;
  }
}

function sizeValue(s: Size): SizeValue {
  if (typeof s === 'number') {
    if (!Number.isInteger(s) || s < 0) fail(`Invalid size ${s}: a whole number of bytes is needed.`, 3, 'INVALID_ARGUMENT');
    return { sign: '', sectors: Math.ceil(s / 512), text: `${s}b` };
  }
  const r = parseSizeArg(s, 'm');
  if (!r.ok) fail([r.message ?? "Can't parse size argument.", `Invalid argument for --size: ${s}`], 3, 'INVALID_ARGUMENT');
  return { sign: r.sign, sectors: r.sectors, text: s };
}

function extentsValue(e: number | string): SizeRequest {
  return typeof e === 'number' ? { sign: '', extents: e, text: String(e) } : { ...parseExtents(e), text: e };
}

function newSize(o: LvSize): { size?: SizeValue; extents?: SizeRequest } {
  if ((o.size === undefined) === (o.extents === undefined)) fail('Please specify either size or extents (not both).', 3, 'INVALID_ARGUMENT');
  return o.size !== undefined ? { size: sizeValue(o.size) } : { extents: extentsValue(o.extents!) };
}

export class Session {
  private readonly listeners = new Map<SessionEvent, Set<SessionListener>>();
  private readonly io = new EventIo((e, m) => this.emit(e, m));
  private readonly engine?: ActivationEngine;
  readonly activator: Activator;
  private readonly env: Record<string, string | undefined>;
  /** The change maps of LVs active in this process (with in-process activation). */
  private readonly localMaps?: ChangeMaps;

  constructor(private readonly options: SessionOptions = {}) {
    const cwd = options.cwd ?? process.cwd();
    const dir = options.dir ? resolve(cwd, options.dir) : undefined;
    const systemDir = options.systemDir ?? (dir ? join(dir, 'etc') : undefined);
    const runDir = options.runDir ?? (dir ? join(dir, 'run') : undefined);
    this.env = { ...process.env, ...(systemDir ? { ULVM_SYSTEM_DIR: resolve(cwd, systemDir) } : {}), ...(runDir ? { ULVM_RUN_DIR: resolve(cwd, runDir) } : {}) };
    const a = options.activation ?? 'in-process';
    if (a === 'in-process') {
      this.activator = this.engine = new ActivationEngine(options.opener ?? fileOpener);
      // From the start: an LV with a change map must have it on its write path however it is opened here.
      this.localMaps = new ChangeMaps(systemPaths(this.env, process.getuid?.() ?? 0).systemDir, this.engine.registry);
    } else this.activator = a === 'none' ? noActivation : a;
  }

  /** How this session opens devices (for readers of LV data beside the session: backups). */
  get deviceOpener(): DeviceOpener {
    return this.options.opener ?? fileOpener;
  }

  on(event: SessionEvent, fn: SessionListener): this {
    if (!this.listeners.has(event)) this.listeners.set(event, new Set());
    this.listeners.get(event)!.add(fn);
    return this;
  }

  off(event: SessionEvent, fn: SessionListener): this {
    this.listeners.get(event)?.delete(fn);
    return this;
  }

  private emit(event: SessionEvent, message: string): void {
    for (const fn of this.listeners.get(event) ?? []) fn(message);
  }

  /**
   * Runs one operation as one lvm2 command runs: its own context (settled scan, locks), backups
   * written and locks released at the end whatever happens. `flags` are the few lvm2 options the
   * shared code still reads by name (force).
   */
  private async run<T>(command: string, what: string, fn: (ctx: Ctx) => Promise<T>, flags: Record<string, string[]> = {}): Promise<T> {
    const options = new Map<string, string[]>(Object.entries(flags));
    if (this.options.devices) options.set('devices', [this.options.devices.join(',')]);
    if (this.options.config?.length) options.set('config', [...this.options.config]);
    if (this.options.assumeYes) options.set('yes', []);
    if (this.activator === noActivation) options.set('driverloaded', ['n']);
    const ctx = new Ctx(
      { io: this.io, env: this.env, uid: process.getuid?.() ?? 0, cwd: this.options.cwd ?? process.cwd(), opener: this.options.opener ?? fileOpener, activator: this.activator, ...(this.options.now ? { now: this.options.now } : {}) },
      { command, defId: command, options, positionals: [] },
      `${command} ${what} (ulvm library)`,
    );
    // lvm2 prints why each item failed and fails the command after: those lines are the error.
    const said: string[] = [];
    const keep = (m: string) => said.push(m);
    this.on('error', keep);
    try {
      await ctx.loadActivation();
      await ctx.settleScan();
      try {
        return await fn(ctx);
      } finally {
        ctx.flushBackups();
      }
    } catch (e) {
      if (e instanceof UlvmError && !e.lines.length && said.length) throw new UlvmError(e.code, said, e.rc, e.data);
      throw e;
    } finally {
      this.off('error', keep);
      await ctx.locks.releaseAll();
    }
  }

  // ----- physical volumes and volume groups ----------------------------------------------------
  /** Initialises devices as PVs (lvm2's pvcreate). */
  pvcreate(devices: string[], o: PvCreateOptions = {}): Promise<PvCreateResult> {
    return this.run('pvcreate', devices.join(' '), async (ctx) => {
      const r = await pvcreate(ctx, devices, o);
      if (r.failed.length) fail(`Failed to initialise ${r.failed.join(', ')} as physical volume(s).`, 5, 'FAILED', { device: r.failed[0]! });
      return r;
    });
  }

  /** Wipes PV labels (lvm2's pvremove); a PV in a VG needs `force: 2`, a device with no PV `force: 1`. */
  pvremove(devices: string[], o: { force?: 0 | 1 | 2 } = {}): Promise<void> {
    return this.run('pvremove', devices.join(' '), async (ctx) => {
      if ((await removePvs(ctx, devices, o.force ?? 0)) !== 0) throw new UlvmError('FAILED', [], 5, { device: devices[0]!, detail: `Not every PV label was wiped.` });
    });
  }

  /** Changes PVs: whether they take new extents, their tags. */
  pvchange(o: PvChangeOptions): Promise<void> {
    return this.run('pvchange', (o.devices ?? []).join(' '), async (ctx) => {
      if ((await changePvs(ctx, o)) !== 0) throw new UlvmError('FAILED', [], 5, { detail: 'Not every physical volume was changed.' });
    });
  }

  /** Creates a VG out of PVs (plain devices are made PVs first, as lvm2's vgcreate does). */
  vgcreate(o: VgCreateOptions): Promise<VgView> {
    return this.run('vgcreate', o.name, async (ctx) => {
      await vgcreate(ctx, o);
      return vgView(vgObject(findVgOrFail(ctx, o.name)));
    });
  }

  /** Adds devices to a VG (plain devices are made PVs first). */
  vgextend(vg: string, devices: string[]): Promise<VgView> {
    return this.run('vgextend', `${vg} ${devices.join(' ')}`, async (ctx) => {
      await extendVg(ctx, vg, devices);
      return vgView(vgObject(findVgOrFail(ctx, vg)));
    });
  }

  /** Changes a VG's attributes (resizeable, limits, allocation policy, tags …) in one commit. */
  changeVg(vg: string, o: VgChangeOptions): Promise<VgView> {
    return this.run('vgchange', vg, async (ctx) => {
      if ((await changeVg(ctx, findVgOrFail(ctx, vg), o)) !== 0) throw new UlvmError('FAILED', [], 5, { vg, detail: `Volume group ${vg} was not changed.` });
      return vgView(vgObject(findVgOrFail(ctx, vg)));
    });
  }

  /** Takes PVs out of a VG (named, all unused, or the missing ones); fails when any stays. */
  vgreduce(vg: string, o: VgReduceOptions): Promise<VgView> {
    return this.run('vgreduce', vg, async (ctx) => {
      if ((await reduceVg(ctx, vg, o)) !== 0) throw new UlvmError('FAILED', [], 5, { vg, detail: `Not every physical volume was removed from ${vg}.` });
      return vgView(vgObject(findVgOrFail(ctx, vg)));
    });
  }

  /** Renames a VG, given by name or by uuid (the way to tell two VGs of one name apart). */
  renameVg(vg: string, newName: string): Promise<VgView> {
    return this.run('vgrename', `${vg} ${newName}`, async (ctx) => {
      await renameVg(ctx, vg, newName);
      return vgView(vgObject(findVgOrFail(ctx, newName)));
    });
  }

  /** Marks a VG exported (lvm2's vgexport): its LVs must be inactive; most commands then refuse it. */
  exportVg(vg: string): Promise<VgView> {
    return this.run('vgexport', vg, async (ctx) => {
      if ((await exportVg(ctx, findVgOrFail(ctx, vg))) !== 0) throw new UlvmError('LV_IN_USE', [], 5, { vg, detail: `Volume group ${vg} has active logical volumes.` });
      return vgView(vgObject(ctx.scan().get(vg) ?? fail(vgNotFound(vg))));
    });
  }

  /** Takes an exported VG back (lvm2's vgimport). */
  importVg(vg: string): Promise<VgView> {
    return this.run('vgimport', vg, async (ctx) => {
      if ((await importVg(ctx, findVgOrFail(ctx, vg))) !== 0) throw new UlvmError('FAILED', [], 5, { vg, detail: `Volume group ${vg} was not imported.` });
      return vgView(vgObject(findVgOrFail(ctx, vg)));
    });
  }

  /**
   * vgimportclone: the VG on cloned devices (a copied image) gets new PV and VG uuids and the next
   * free name (`baseVgName`, or the old name with a number), so clone and original can both be used.
   */
  importClone(o: ImportCloneOptions): Promise<VgView> {
    return this.run('vgimportclone', o.devices.join(' '), async (ctx) => {
      const r = await importCloneVg(ctx, o);
      return vgView(vgObject(findVgOrFail(ctx, r.vg)));
    });
  }

  /**
   * Moves PVs (or the PVs an LV uses) with their LVs into a new or existing VG (lvm2's vgsplit);
   * returns both VGs as they are after it (`from` undefined when no PV was left in it).
   */
  splitVg(o: VgSplitOptions): Promise<{ to: VgView; from?: VgView; existing: boolean }> {
    return this.run('vgsplit', `${o.from} ${o.to}`, async (ctx) => {
      const r = await splitVg(ctx, o);
      const from = ctx.scan().get(o.from);
      return { to: vgView(vgObject(findVgOrFail(ctx, o.to))), ...(from && !r.sourceRemoved ? { from: vgView(vgObject(from)) } : {}), existing: r.existing };
    });
  }

  /** Merges VG `from` into VG `to` (lvm2's vgmerge): same extent size, no LV name twice, inactive LVs. */
  mergeVg(to: string, from: string): Promise<VgView> {
    return this.run('vgmerge', `${to} ${from}`, async (ctx) => {
      await mergeVg(ctx, to, from);
      return vgView(vgObject(findVgOrFail(ctx, to)));
    });
  }

  /** The devices the session may use, their sizes and which are PVs (lvm2's lvmdiskscan). */
  diskScan(): Promise<DiskScanEntry[]> {
    return this.run('lvmdiskscan', '', async (ctx) => diskScan(ctx));
  }

  /**
   * The configuration as lvmconfig prints it (lvm2's text): the one in use, the defaults ulvm
   * knows, or what differs from them; whole, or the settings and sections named (those not found
   * are a CONFIG error naming them).
   */
  config(o: ConfigDumpOptions = {}): Promise<string> {
    return this.run('lvmconfig', (o.paths ?? []).join(' '), async (ctx) => {
      const r = dumpConfig(ctx, o);
      if (r.notFound.length) throw new UlvmError('CONFIG', r.notFound.map((p) => `Configuration node ${p} not found`), 5, { name: r.notFound[0]! });
      return r.text;
    });
  }

  /** Removes a VG; one holding LVs needs `force` (or assumeYes), and then its LVs go first. */
  removeVg(vg: string, o: { force?: boolean } = {}): Promise<void> {
    return this.run('vgremove', vg, async (ctx) => {
      if ((await removeVg(ctx, vg, o.force ?? false)) !== 0) throw new UlvmError('FAILED', [], 5, { vg, detail: `Volume group ${vg} was not removed.` });
    });
  }

  // ----- logical volumes -----------------------------------------------------------------------
  /** Creates a linear or striped LV and, unless told otherwise, activates it. */
  createLv(o: Omit<CreateLvOptions, 'size' | 'extents'> & LvSize): Promise<LvView> {
    const { size: _s, extents: _e, ...rest } = o;
    return this.run('lvcreate', `${o.vg}/${o.name ?? ''}`, async (ctx) => {
      const r = await createLv(ctx, { ...rest, ...newSize(o) });
      return this.lvViewIn(ctx, r.vg, r.name);
    });
  }

  /** Takes a classic copy-on-write snapshot of an LV. */
  createSnapshot(o: Omit<CreateSnapshotOptions, 'size' | 'extents'> & LvSize): Promise<LvView> {
    const { size: _s, extents: _e, ...rest } = o;
    return this.run('lvcreate', `-s ${o.vg}/${o.origin}`, async (ctx) => {
      const r = await createSnapshot(ctx, { ...rest, ...newSize(o) });
      return this.lvViewIn(ctx, r.vg, r.name);
    });
  }

  /** A thin pool (lvm2's lvcreate --type thin-pool): its data LV of the size given, metadata sized as lvm2 sizes it. */
  createThinPool(o: Omit<CreateThinPoolOptions, 'size' | 'extents' | 'quiet'> & LvSize): Promise<LvView> {
    const { size: _s, extents: _e, ...rest } = o;
    return this.run('lvcreate', `--type thin-pool ${o.vg}`, async (ctx) => {
      const r = await createThinPool(ctx, { ...rest, ...newSize(o) });
      return this.lvViewIn(ctx, r.vg, r.name);
    });
  }

  /** A thin LV in a pool (`pool`, `virtualSize` in bytes), or a thin snapshot of a thin LV (`origin`). */
  createThin(o: Omit<CreateThinOptions, 'virtualSize'> & { virtualSize?: number }): Promise<LvView> {
    const { virtualSize, ...rest } = o;
    return this.run('lvcreate', o.origin !== undefined ? `-s ${o.vg}/${o.origin}` : `-V ${virtualSize ?? 0}b --thinpool ${o.vg}/${o.pool ?? ''}`, async (ctx) => {
      const r = await createThin(ctx, { ...rest, ...(virtualSize !== undefined ? { virtualSize: Math.ceil(virtualSize / 512) } : {}) });
      return this.lvViewIn(ctx, r.vg, r.name);
    });
  }

  /**
   * Snapshots several LVs of one VG (classic with a COW size, or thin) at one instant: their
   * writes are held together around one metadata commit, and how long is measured (`holdMs`).
   * A refusal (a name taken, no space for the COWs …) leaves the VG as it was.
   */
  createSnapshotGroup(o: SnapshotGroupOptions): Promise<SnapshotGroupResult> {
    return this.run('lvcreate', `-s ${o.members.map((m) => `${o.vg}/${m.origin}`).join(' ')}`, (ctx) => createSnapshotGroup(ctx, o));
  }

  /** lvconvert --type thin-pool: an LV becomes a pool's data, `metadataLv` (or a new LV) its metadata. */
  convertToThinPool(o: ConvertThinPoolOptions): Promise<LvView> {
    return this.run('lvconvert', `--type thin-pool ${o.vg}/${o.lv}`, async (ctx) => {
      const r = await convertToThinPool(ctx, { ...o, yes: o.yes ?? true });
      return this.lvViewIn(ctx, r.vg, r.name);
    });
  }

  /** lvextend --usepolicies: a thin pool or snapshot grows as lvm.conf's autoextend settings say (nothing when under the threshold). */
  extendByPolicy(vg: string, lv: string): Promise<LvView[]> {
    return this.run('lvextend', `--usepolicies ${vg}/${lv}`, async (ctx) => {
      await ctx.locks.vg(vg);
      const r = await extendByPolicy(ctx, vg, lv);
      return Promise.all(r.map((x) => this.lvViewIn(ctx, x.vg, x.lv)));
    });
  }

  /** Grows an LV (lvm2's lvextend): `size: '+64m'`, `size: 1 << 30`, `extents: '+100%FREE'` … */
  extendLv(o: Omit<ResizeLvOptions, 'size' | 'extents' | 'command'> & LvSize): Promise<LvView> {
    return this.resize('lvextend', o);
  }

  /** Changes an LV's size either way (lvm2's lvresize); shrinking an active LV needs assumeYes or force. */
  resizeLv(o: Omit<ResizeLvOptions, 'size' | 'extents' | 'command'> & LvSize): Promise<LvView> {
    return this.resize('lvresize', o);
  }

  private resize(command: 'lvextend' | 'lvresize', o: Omit<ResizeLvOptions, 'size' | 'extents' | 'command'> & LvSize): Promise<LvView> {
    const { size: _s, extents: _e, ...rest } = o;
    return this.run(command, `${o.vg}/${o.lv}`, async (ctx) => {
      const r = await resizeLv(ctx, { ...rest, command, ...newSize(o) });
      if (r.fsResized === false) fail(`Failed to resize the filesystem on ${o.vg}/${o.lv}.`, 5, 'FAILED', { vg: o.vg, lv: o.lv });
      return this.lvViewIn(ctx, o.vg, o.lv);
    });
  }

  /** Renames an LV; what refers to it (a snapshot's origin …) follows, and an active LV is renamed live. */
  renameLv(o: RenameLvOptions): Promise<LvView> {
    return this.run('lvrename', `${o.vg} ${o.lv} ${o.newName}`, async (ctx) => {
      await renameLv(ctx, o);
      return this.lvViewIn(ctx, o.vg, o.newName);
    });
  }

  /** Changes an LV's permission, activation skip flag or tags. */
  changeLv(vg: string, lv: string, o: LvChangeOptions): Promise<LvView> {
    return this.run('lvchange', `${vg}/${lv}`, async (ctx) => {
      await ctx.locks.vg(vg);
      const f = findVgOrFail(ctx, vg);
      if (!f.vg.lvs.some((l) => l.name === lv)) fail(`Failed to find logical volume "${vg}/${lv}"`, 5, 'LV_NOT_FOUND', { vg, lv });
      if ((await changeLv(ctx, f, lv, o)) !== 0) throw new UlvmError('FAILED', [], 5, { vg, lv, detail: `Logical volume ${vg}/${lv} was not changed.` });
      return this.lvViewIn(ctx, vg, lv);
    });
  }

  /** Removes LVs (an origin takes its snapshots with it); an active one needs assumeYes or force. */
  removeLv(o: RemoveLvOptions): Promise<void> {
    return this.run('lvremove', `${o.vg}/${o.lvs.join(',')}`, (ctx) => removeLv(ctx, o), o.force ? { force: [] } : {});
  }

  /** Activates LVs of a VG (all of its visible LVs when none are named). */
  activate(vg: string, lvs?: string[]): Promise<LvView[]> {
    return this.run('lvchange', `-ay ${vg}`, async (ctx) => {
      const f = findVgOrFail(ctx, vg);
      const names = lvs ?? activatableLvs(f);
      for (const n of names) if (!f.vg.lvs.some((l) => l.name === n)) fail(`Failed to find logical volume "${vg}/${n}"`, 5, 'LV_NOT_FOUND', { vg, lv: n });
      await activateLvs(ctx, f, names);
      await ctx.loadActivation();
      return names.map((n) => this.lvViewIn(ctx, vg, n));
    });
  }

  /** Deactivates LVs of a VG (all when none are named); refused while any is open. */
  deactivate(vg: string, lvs?: string[]): Promise<void> {
    return this.run('lvchange', `-an ${vg}`, async (ctx) => {
      const f = findVgOrFail(ctx, vg);
      await this.activator.deactivate(vg, lvs ?? f.vg.lvs.map((l) => l.name));
    });
  }

  /**
   * Rolls an origin back to a snapshot (lvconvert --merge VG/SNAPSHOT): the snapshot's chunks go
   * back into the origin and the snapshot leaves the metadata. An origin that is open merges when
   * next activated, as lvm2's does. With `wait` (the default) this returns once the merge is done.
   */
  mergeSnapshot(o: { vg: string; snapshot: string; wait?: boolean }): Promise<void> {
    return this.run('lvconvert', `--merge ${o.vg}/${o.snapshot}`, async (ctx) => {
      await ctx.locks.vg(o.vg);
      const found = findVgOrFail(ctx, o.vg);
      const cow = found.vg.lvs.find((l) => l.name === o.snapshot) ?? fail(`Failed to find logical volume "${o.vg}/${o.snapshot}"`, 5, 'LV_NOT_FOUND', { vg: o.vg, lv: o.snapshot });
      if (!snapshotOfCow(found.vg, cow.name)) fail(`Unable to merge non-snapshot ${o.vg}/${o.snapshot}.`, 5, 'INVALID_ARGUMENT', { vg: o.vg, lv: o.snapshot });
      const r = await startSnapshotMerge(ctx, found, cow);
      if (r.rc) throw new UlvmError('FAILED', [], r.rc, { vg: o.vg, lv: o.snapshot, detail: `Merging ${o.vg}/${o.snapshot} failed.` });
      if (!r.poll) return;
      const rc = await pollSnapshotMerge(ctx, r.poll, { background: o.wait === false, interval: 1, wait: false });
      if (rc) throw new UlvmError('FAILED', [], rc, { vg: o.vg, lv: o.snapshot, detail: `Merging ${o.vg}/${o.snapshot} failed.` });
    });
  }

  /**
   * Polls a snapshot merge into `origin` once (lvpoll --polloperation merge): when it has
   * finished, the merged snapshot leaves the metadata.
   */
  pollMerge(vg: string, origin: string): Promise<void> {
    return this.run('lvpoll', `--polloperation merge ${vg}/${origin}`, async (ctx) => {
      const found = findVgOrFail(ctx, vg);
      if (!found.vg.lvs.some((l) => l.name === origin)) fail(`Failed to find logical volume "${vg}/${origin}"`, 5, 'LV_NOT_FOUND', { vg, lv: origin });
      if (!mergingSnapshotOf(found.vg, origin)) {
        ctx.print(`Logical volume ${vg}/${origin} is no longer merging origin, polling has finished.`);
        return;
      }
      const rc = await pollSnapshotMerge(ctx, { vgName: vg, originName: origin, devices: ctx.pvPaths(found, true) }, { background: false, interval: 0, wait: false });
      if (rc) throw new UlvmError('FAILED', [], rc, { vg, lv: origin, detail: `Polling the merge into ${vg}/${origin} failed.` });
    });
  }

  // ----- listing -------------------------------------------------------------------------------
  listPvs(): Promise<PvView[]> {
    return this.run('pvs', '', async (ctx) => pvObjects(ctx.scan(), false).filter((p) => !p.duplicate).map(pvView));
  }

  listVgs(): Promise<VgView[]> {
    return this.run('vgs', '', async (ctx) => ctx.scan().sortedByName().map((f) => vgView(vgObject(f))));
  }

  /** LVs users see (as lvs lists them), of one VG or of all. */
  /**
   * What differs between two thin LVs of one pool (e.g. two snapshots taken at different times):
   * byte ranges, `kind` saying whether both map them differently or only one side maps them.
   * Reads the pool's metadata through a metadata snapshot, so the pool keeps serving; walks only
   * what the two do not share. Needs in-process activation or the daemon's (the pool comes up if it is down).
   */
  changedBlocks(vg: string, left: string, right: string): Promise<ChangedBlocks> {
    return this.run('lvs', `${vg}/${left} ${vg}/${right}`, async (ctx) => {
      const engine: ThinDeltaSource =
        this.engine ?? (hasMethods<ThinDeltaSource>(this.activator, 'thinChangedBlocks') ? this.activator : fail('changedBlocks() needs in-process activation or the daemon (SessionOptions.activation).', 5, 'ACTIVATION'));
      const f = findVgOrFail(ctx, vg);
      const seg = (n: string) => {
        const lv = f.vg.lvs.find((l) => l.name === n) ?? fail(`Failed to find logical volume "${vg}/${n}"`, 5, 'LV_NOT_FOUND', { vg, lv: n });
        const t = thinSegOf(lv) ?? fail(`Logical volume ${vg}/${n} is not a thin volume.`, 5, 'INVALID_ARGUMENT', { vg, lv: n });
        return { t, sectors: lvExtents(lv) * f.vg.extentSize };
      };
      const l = seg(left);
      const r = seg(right);
      if (l.t.thinPool !== r.t.thinPool) fail(`Logical volumes ${vg}/${left} and ${vg}/${right} are in different thin pools.`, 5, 'INVALID_ARGUMENT', { vg });
      const pool = f.vg.lvs.find((x) => x.name === l.t.thinPool)!;
      if (!ctx.activeLv(f.vg.id, pool.id)) await activateLvs(ctx, f, [pool.name]);
      const chunk = poolSegOf(pool)!.chunkSize;
      const d = await engine.thinChangedBlocks(vg, pool.name, l.t.deviceId, r.t.deviceId, { leftBlocks: deviceBlocks(l.sectors, chunk), rightBlocks: deviceBlocks(r.sectors, chunk) });
      const bytes = d.blockSectors * 512;
      return { blockSize: bytes, ranges: d.runs.map((x) => ({ kind: x.kind as ChangedKind, offset: x.begin * bytes, length: x.length * bytes })) };
    });
  }

  private changeMaps(): ChangeMaps | ChangeMapKeeper {
    if (this.localMaps) return this.localMaps;
    if (hasMethods<ChangeMapKeeper>(this.activator, 'enableChangeMap', 'rotateChangeMap')) return this.activator;
    fail('Change maps need in-process activation or the daemon (SessionOptions.activation).', 5, 'ACTIVATION');
  }

  /**
   * Starts keeping a change map of an LV's writes (regions of `regionSize` bytes, 1 MiB by
   * default) where its device lives (this process or the daemon); the LV is activated if need be.
   * The map's first generation says 'all': the writes before it are unknown.
   */
  async enableChangeMap(vg: string, lv: string, o: { regionSize?: number } = {}): Promise<{ generation: number; regionSize: number }> {
    const keeper = this.changeMaps();
    if (!(await this.activator.status()).some((a) => a.vgName === vg && a.lvName === lv)) await this.activate(vg, [lv]);
    if (keeper instanceof ChangeMaps) {
      const m = keeper.enable(vg, lv, o.regionSize);
      return { generation: m.generation, regionSize: m.regionSize };
    }
    return keeper.enableChangeMap(vg, lv, o.regionSize);
  }

  /**
   * Ends the LV's change map generation and starts the next, atomically with respect to its
   * writes; call it while the LV is held for the snapshot, so the map ends where the snapshot begins.
   */
  async rotateChangeMap(vg: string, lv: string): Promise<RotatedChangeMap> {
    const keeper = this.changeMaps();
    if (!(keeper instanceof ChangeMaps)) return keeper.rotateChangeMap(vg, lv);
    if (!(await this.activator.status()).some((a) => a.vgName === vg && a.lvName === lv)) fail(`Logical volume ${vg}/${lv} is not active.`, 5, 'ACTIVATION', { vg, lv });
    return keeper.rotate(vg, lv);
  }

  listLvs(vg?: string): Promise<LvView[]> {
    return this.run('lvs', vg ?? '', async (ctx) => {
      const found = vg ? [findVgOrFail(ctx, vg)] : ctx.scan().sortedByName();
      return found.flatMap((f) => lvObjects(ctx, vgObject(f)).filter((o) => lvView(o).visible).map(lvView));
    });
  }

  private lvViewIn(ctx: Ctx, vg: string, lv: string): LvView {
    const f = ctx.scan(true).get(vg) ?? fail(`Volume group "${vg}" not found`, 5, 'VG_NOT_FOUND', { vg });
    const o = lvObjects(ctx, vgObject(f)).find((x) => x.lv.name === lv) ?? fail(`Failed to find logical volume "${vg}/${lv}"`, 5, 'LV_NOT_FOUND', { vg, lv });
    return lvView(o);
  }

  // ----- block I/O -----------------------------------------------------------------------------
  /**
   * Opens an LV (`vg/lv`) for reading and writing, activating it first if need be. The open
   * counts as a program's open of /dev/VG/LV does (removal and deactivation are refused until
   * close()); writes to an origin copy their old data to its snapshots first.
   */
  async open(name: string): Promise<BlockHandle> {
    const s = splitLvName(name) ?? fail(`Path required for Logical Volume "${name}".`, 3, 'INVALID_ARGUMENT');
    if (!this.engine) fail('open() needs in-process activation (SessionOptions.activation "in-process").', 5, 'ACTIVATION');
    let local = this.engine.openLocal(s.vg, s.lv);
    if (!local) {
      await this.activate(s.vg, [s.lv]);
      local = this.engine.openLocal(s.vg, s.lv) ?? fail(`Logical volume ${s.vg}/${s.lv} could not be activated.`, 5, 'ACTIVATION', { vg: s.vg, lv: s.lv });
    }
    return new BlockHandle(local.device, local.close);
  }

  /** Deactivates everything this session activated in-process and closes its devices. */
  async close(): Promise<void> {
    await this.engine?.closeAll();
  }
}
