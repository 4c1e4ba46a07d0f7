// Keeps active LVs: turns each into its device stack in the device-mapper registry (through the
// builder of its segment type), keeps their open PV handles, snapshot stores and merges;
// activates, reloads live (suspend → load → resume), deactivates. Used in-process and inside the
// daemon; whoever shows the devices (NBD, FUSE) subscribes to the registry.
import type { DeviceOpener } from '../devices/device.ts';
import { fileOpener } from '../devices/file.ts';
import { scanDevices, type FoundVg } from '../metadata/scan.ts';
import { openLv } from '../mapper/open-lv.ts';
import type { MappedDevice } from '../mapper/mapped-device.ts';
import type { Table } from '../mapper/table.ts';
import type { CowStore } from '../mapper/cow-store.ts';
import { plainDmTable } from '../mapper/dm-table.ts';
import { type DmDevice, type DmInfo, type DmOwner, DmRegistry } from '../mapper/registry.ts';
import { activationFamily, mergingSnapshotOf, snapshotOfCow, type SnapshotLink } from '../model/snapshots.ts';
import { dmName } from '../model/names.ts';
import { MergeStopped, SnapshotMerge } from '../mapper/snapshot-merge.ts';
import { MergingStore } from '../mapper/merging-store.ts';
import { snapshotNeedsExtend, snapshotPercent } from '../segtypes/snapshot.ts';
import { dmMajor } from './major.ts';
import { type ActivationObserver, observeRegistry } from './observer.ts';
import type { DmView } from './dm-view.ts';
import { stackBuilder, stackTypeOf } from './stack/index.ts';
import type { ActivePool, LayerKind, StackContext } from './stack/types.ts';
import type { ThinTarget } from '../mapper/thin-target.ts';
import { SegmentDevice } from '../mapper/segment-device.ts';
import { mapLvRange } from '../mapper/extent-map.ts';
import type { BlockDevice } from '../devices/device.ts';
import { lvExtents } from '../model/types.ts';
import { isNewPool, poolSegOf } from '../model/thin.ts';
import { thinDependencies, thinFamily } from './thin-order.ts';
import { changedBlocks, type ChangedBlocksOptions, type DeltaRun } from '../pdata/thin-delta.ts';
import { MetadataSnapshot } from '../pdata/metadata-snapshot.ts';
import { type ActivateRequest, ActivationError, type ActiveLv, type Activator, type MergeResult } from './activator.ts';

export type { ActivationObserver } from './observer.ts';

interface Entry {
  vgId: string;
  vgName: string;
  lvId: string;
  lvName: string;
  devices: string[];
  readOnly: boolean;
  /** The LV's visible device, and its hidden layers while it has them. */
  dev: DmDevice;
  real?: DmDevice;
  cow?: DmDevice;
  /** Lets go of the PV handles the loaded tables use. */
  close: () => Promise<void>;
  /** Origin: what its `-real` device maps, which its snapshots read underneath. */
  realTable?: Table;
  /** Snapshot: its exception store, and its origin. */
  store?: CowStore;
  originName?: string;
  /** Origin: the COW store LV (id) merged into it, until the metadata drops that snapshot. */
  merged?: string;
  /** Origin: its merge in progress (or done, until the metadata drops the snapshot). */
  merge?: MergeJob;
  /** The table its own segments map (what a pool reads its `_tdata` through). */
  plain?: Table;
  /** Pool: its `-tpool` layer once used, its runtime, and the sync devices its metadata is read through. */
  tpool?: DmDevice;
  thinPool?: ActivePool;
  syncDevices?: BlockDevice[];
  /** Thin LV: its thin target. */
  thinTarget?: ThinTarget;
  /** Pool: its metadata and data LVs, which go down with it. */
  poolParts?: string[];
}

/** A snapshot merging into an active origin, as the kernel's snapshot-merge target runs it. */
interface MergeJob {
  cowId: string;
  merge: SnapshotMerge;
  chunk: number;
  /** The merging snapshot's `-cow` device, which the origin's snapshot-merge table reads. */
  cow: DmDevice;
  closeCow: () => Promise<void>;
  /** Resolves when everything is back in the origin. */
  done: Promise<MergeResult>;
  failed: boolean;
}

function fail(message: string): never {
  throw new ActivationError(message);
}

function ownerOf(e: Entry, layer?: LayerKind): DmOwner {
  return { vgId: e.vgId, vgName: e.vgName, lvId: e.lvId, lvName: e.lvName, ...(layer ? { layer } : {}) };
}

export class ActivationEngine implements Activator, DmView {
  private readonly entries = new Map<string, Entry>();
  /** activation/thin_pool_autoextend_threshold (the pools' low water mark) and dm_thin_pool's no_space_timeout. */
  thinSettings = { autoextendThreshold: 100, noSpaceTimeout: 60 };
  /** A pause after each merge step; set only by tests (the daemon's ULVM_TEST_MERGE_STEP_MS). */
  mergeStepDelayMs = 0;
  /**
   * Set by the daemon, which then drops a finished merge's snapshot from the metadata itself when
   * no command is polling it (lvmpolld's part); without it the caller of merge() always waits.
   */
  onMergeDone?: (vgName: string, originName: string, devices: string[]) => void;

  constructor(
    private readonly opener: DeviceOpener = fileOpener,
    /** The device-mapper the LVs' devices live in (the daemon's NBD and FUSE subscribe to it). */
    readonly registry: DmRegistry = new DmRegistry(dmMajor()),
    private readonly onChange: () => void = () => undefined,
    observer?: ActivationObserver,
    /** Where kernel-style messages go (the daemon's log). */
    private readonly log: (m: string) => void = () => undefined,
  ) {
    if (observer) observeRegistry(registry, observer);
  }

  /** The block major of this engine's devices (see major.ts); a replay of another machine sets its own. */
  get major(): number {
    return this.registry.major;
  }
  set major(m: number) {
    this.registry.major = m;
  }

  private entryOf(vgId: string, lvName: string): Entry | undefined {
    for (const e of this.entries.values()) if (e.vgId === vgId && e.lvName === lvName) return e;
    return undefined;
  }

  /** The exception stores an origin's writes must copy into: its active, valid snapshots. */
  private storesOf(vgId: string, originName: string): CowStore[] {
    const out: CowStore[] = [];
    for (const e of this.entries.values()) if (e.vgId === vgId && e.store && !e.store.invalid && e.originName === originName) out.push(e.store);
    return out;
  }

  /** An LV's hidden layer device, created (with the lowest free minor) the first time it is needed. */
  private layer(e: Entry, kind: LayerKind): DmDevice {
    const have = kind === 'real' ? e.real : kind === 'cow' ? e.cow : e.tpool;
    if (have) return have;
    const d = this.registry.create(`${e.dev.name}-${kind}`, `${e.dev.uuid.replace(/-tpool$/, '')}-${kind}`, ownerOf(e, kind));
    if (kind === 'real') e.real = d;
    else if (kind === 'cow') e.cow = d;
    else e.tpool = d;
    return d;
  }

  /** A synchronous device over an LV's extents (pool metadata), its PV handles kept with the entry. */
  private syncLv(e: Entry, f: FoundVg, name: string): BlockDevice {
    const lv = f.vg.lvs.find((l) => l.name === name);
    if (!lv) throw new ActivationError(`Failed to find logical volume "${f.vg.name}/${name}"`);
    const opened = new Map<string, BlockDevice>();
    const pieces = mapLvRange(f.vg, lv, 0, lvExtents(lv) * f.vg.extentSize * 512).map((p) => {
      let dev = opened.get(p.pv.id);
      if (!dev) {
        const sd = f.pvDevices.get(p.pv.id);
        if (!sd) throw new ActivationError(`Device for PV of ${name} is not available.`);
        dev = this.opener.open(sd.path, !e.readOnly);
        opened.set(p.pv.id, dev);
        (e.syncDevices ??= []).push(dev);
      }
      return { dev, offset: p.offset, length: p.length };
    });
    return new SegmentDevice(dmName(f.vg.name, name), pieces);
  }

  private stackContext(e: Entry, plain: Table, readOnly: boolean, f?: FoundVg): StackContext {
    let meta: BlockDevice | undefined;
    return {
      plain,
      readOnly,
      top: e.dev,
      layer: (k) => this.layer(e, k),
      subLv: (name) => {
        const s = this.entryOf(e.vgId, name);
        return s?.plain ? { dev: s.dev, table: s.plain } : undefined;
      },
      syncLv: (name) => {
        if (!f) throw new ActivationError(`No metadata for ${e.vgName}/${e.lvName}.`);
        return (meta ??= this.syncLv(e, f, name));
      },
      ...(e.thinPool ? { thinPool: e.thinPool } : {}),
      pool: (name) => this.entryOf(e.vgId, name)?.thinPool,
      thinSettings: this.thinSettings,
      origin: (name) => {
        const o = this.entryOf(e.vgId, name);
        return o?.real && o.realTable ? { real: o.real, table: o.realTable } : undefined;
      },
      stores: (name) => () => this.storesOf(e.vgId, name),
      ...(e.merge ? { merge: { merge: e.merge.merge, cow: e.merge.cow, chunk: e.merge.chunk } } : {}),
      log: this.log,
    };
  }

  /** Removes devices nobody's table uses any more, users of each layer before the layer. */
  private retire(devs: (DmDevice | undefined)[]): void {
    let left = devs.filter((d): d is DmDevice => !!d && this.registry.get(d.name) === d);
    while (left.length) {
      const free = left.filter((d) => !this.registry.holders(d).length);
      if (!free.length) return;
      for (const d of free) this.registry.remove(d, true);
      left = left.filter((d) => !free.includes(d));
    }
  }

  /**
   * Loads the tables of an activation family (origin first, then snapshots) while all of them
   * are suspended, so no origin write slips between a snapshot's old and new exception store.
   * `held` stays suspended with its table loaded (a merge is about to replace it).
   */
  private async build(f: FoundVg, family: Entry[], fresh: Set<Entry>, held?: DmDevice): Promise<void> {
    const live = family.filter((e) => !fresh.has(e));
    for (const e of live) await this.registry.suspend(e.dev);
    const olds: (() => Promise<void>)[] = [];
    const stale: (DmDevice | undefined)[] = [];
    // A merge holds between two steps while its origin's tables change under it.
    const goOn: (() => void)[] = [];
    try {
      for (const e of family) if (e.merge) goOn.push(await e.merge.merge.pause());
      for (const e of family) {
        const lv = f.vg.lvs.find((l) => l.id === e.lvId)!;
        if (e.merged && !f.vg.lvs.some((l) => l.id === e.merged)) e.merged = undefined;
        const stillMerging = e.merge && f.vg.lvs.find((l) => l.name === mergingSnapshotOf(f.vg, lv.name)?.cow)?.id === e.merge.cowId;
        if (e.merge && !stillMerging) stale.push(await this.dropMerge(e));
        const readOnly = e.readOnly || !lv.status.includes('WRITE');
        const reopened = await openLv(f, lv.name, { opener: this.opener, readOnly });
        olds.push(e.close);
        e.close = reopened.close;
        e.readOnly = readOnly;
        e.realTable = undefined;
        e.store = undefined;
        e.originName = undefined;
        e.plain = reopened.device.table as Table;
        const oldThin = e.thinTarget;
        const built = await stackBuilder(stackTypeOf(f.vg, lv, !!e.merge)).buildStack(f.vg, lv, this.stackContext(e, reopened.device.table as Table, readOnly, f));
        if (built.thinPool) {
          e.thinPool = built.thinPool;
          const ps = poolSegOf(lv)!;
          e.poolParts = [ps.metadata, ps.pool];
        }
        if (built.thinTarget) e.thinTarget = built.thinTarget;
        if (oldThin && oldThin !== e.thinTarget) olds.push(async () => oldThin.release());
        e.realTable = built.realTable;
        e.store = built.store;
        e.originName = built.originName;
        for (const l of built.loads) this.registry.load(l.dev, l.table);
        // Layers it has no more: its last snapshot went, or it is no snapshot any more.
        const used = new Set(built.loads.map((l) => l.dev));
        if (e.real && !used.has(e.real)) {
          stale.push(e.real);
          e.real = undefined;
        }
        if (e.cow && !used.has(e.cow)) {
          stale.push(e.cow);
          e.cow = undefined;
        }
        if (e.tpool && !used.has(e.tpool)) {
          stale.push(e.tpool);
          e.tpool = undefined;
        }
      }
    } finally {
      // Lower layers first, as lvm2 resumes a stack.
      for (const e of family) for (const d of [e.real, e.cow, e.tpool, e.dev]) if (d && d !== held && (d.suspended || d.inactive)) this.registry.resume(d);
      for (const g of goOn) g();
    }
    this.retire(stale);
    for (const c of olds) await c();
  }

  private opens(e: Entry): number {
    return e.dev.openCount;
  }

  /**
   * Opens an active LV in this process, as a program opens /dev/VG/LV: the open counts in its
   * device's open count (lvremove and deactivation refuse while it lasts) until `close` is
   * called; I/O goes through the live device (an origin's writes copy to its snapshots).
   */
  openLocal(vgName: string, lvName: string): { device: MappedDevice; close: () => void } | undefined {
    for (const e of this.entries.values())
      if (e.vgName === vgName && e.lvName === lvName) {
        const dev = e.dev;
        dev.opens++;
        let closed = false;
        return {
          device: dev.io,
          close: () => {
            if (closed) return;
            closed = true;
            dev.opens--;
          },
        };
      }
    return undefined;
  }

  private found(vgName: string, devices: string[]): FoundVg {
    const f = scanDevices(this.opener, devices).get(vgName);
    if (!f) throw new ActivationError(`Volume group "${vgName}" not found`);
    if (f.missing.size) throw new ActivationError(`Refusing activation of VG ${vgName} with missing PVs.`);
    return f;
  }

  async status(): Promise<ActiveLv[]> {
    const tableOf = (d: DmDevice) => this.registry.tableOf(d.name);
    return [...this.entries.values()].map((e) => ({
      vgId: e.vgId,
      vgName: e.vgName,
      lvId: e.lvId,
      lvName: e.lvName,
      major: e.dev.major,
      minor: e.dev.minor,
      openCount: this.opens(e),
      readOnly: e.readOnly,
      suspended: e.dev.suspended,
      table: tableOf(e.dev),
      ...(e.store ? { dataPercent: e.store.percent(), invalid: e.store.invalid, snapshotUsage: e.store.usage() } : {}),
      ...(e.real ? { realMinor: e.real.minor, realTable: tableOf(e.real) } : {}),
      ...(e.cow ? { cowMinor: e.cow.minor, cowTable: tableOf(e.cow) } : {}),
      ...(e.merged ? { mergedCowId: e.merged } : {}),
      ...(e.merge ? { mergeUsage: e.merge.merge.store.usage(), ...(e.merge.failed ? { mergeFailed: true } : {}) } : {}),
      ...(e.thinPool ? { thinPoolStatus: e.thinPool.pool.status() } : {}),
      ...(e.tpool ? { tpoolMinor: e.tpool.minor, tpoolOpenCount: e.tpool.openCount, tpoolTable: tableOf(e.tpool) } : {}),
      ...(e.thinPool && !e.tpool ? { tpoolOpenCount: e.dev.openCount } : {}),
      ...(e.thinTarget ? { thinStatus: e.thinTarget.status() } : {}),
    }));
  }

  async activate(req: ActivateRequest): Promise<void> {
    const f = this.found(req.vgName, req.devices);
    for (const n of req.lvNames) if (!f.vg.lvs.some((l) => l.name === n)) throw new ActivationError(`Failed to find logical volume "${req.vgName}/${n}"`);
    // A thin LV needs its pool, a pool its data and metadata LVs: those come up first.
    const names: string[] = [];
    for (const n of req.lvNames) for (const d of [...thinDependencies(f.vg, n), n]) if (!names.includes(d)) names.push(d);
    for (const name of names) {
      // An origin and its snapshots come up together, as lvm2 activates them.
      const family: Entry[] = [];
      const fresh = new Set<Entry>();
      for (const member of activationFamily(f.vg, name)) {
        const lv = f.vg.lvs.find((l) => l.name === member);
        if (!lv) continue;
        // A snapshot merging into its origin has no device of its own: the merge owns its COW.
        if (this.mergingCow(f.vg.id, lv.id)) continue;
        const key = `${f.vg.id}/${lv.id}`;
        let e = this.entries.get(key);
        if (!e) {
          const readOnly = !!req.readOnly || !lv.status.includes('WRITE');
          const opened = await openLv(f, member, { opener: this.opener, readOnly });
          // Minors in the kernel's order: the origin's -real, the snapshot's -cow, then the snapshot.
          const link = snapshotOfCow(f.vg, member);
          const o = link ? this.entryOf(f.vg.id, link.origin) : undefined;
          if (o) this.layer(o, 'real');
          const top = dmName(f.vg.name, lv.name);
          const uuid = `LVM-${f.vg.id}${lv.id}`;
          const owner: DmOwner = { vgId: f.vg.id, vgName: f.vg.name, lvId: lv.id, lvName: lv.name };
          const cow = link ? this.registry.create(`${top}-cow`, `${uuid}-cow`, { ...owner, layer: 'cow' }) : undefined;
          // A used pool's target lives in `-tpool`, made before the pool's own device; a new pool's
          // own device carries it, with the -tpool uuid (lvm2's _add_new_lv_to_dtree).
          const pool = poolSegOf(lv) !== undefined;
          const tpool = pool && !isNewPool(lv) ? this.registry.create(`${top}-tpool`, `${uuid}-tpool`, { ...owner, layer: 'tpool' }) : undefined;
          const dev = this.registry.create(top, pool && !tpool ? `${uuid}-tpool` : pool ? `${uuid}-pool` : uuid, owner);
          e = { ...owner, devices: req.devices, readOnly, dev, close: opened.close, ...(cow ? { cow } : {}), ...(tpool ? { tpool } : {}) };
          this.entries.set(key, e);
          fresh.add(e);
        }
        family.push(e);
      }
      if (!fresh.size) continue;
      const origin = family[0]!;
      const merging = mergingSnapshotOf(f.vg, origin.lvName);
      // An origin coming up with a merging snapshot is rolled back before anyone can open it, as
      // the kernel's snapshot-merge target starts merging at once: it stays suspended until then.
      const held = merging && fresh.has(origin) ? origin.dev : undefined;
      try {
        await this.build(f, family, fresh, held);
        if (merging && held) {
          try {
            await this.startMerge(f, origin, merging);
          } catch (err) {
            this.log(`device-mapper: snapshots: ${f.vg.name}/${origin.lvName}: merge not done: ${(err as Error).message}`);
          }
          if (held.suspended) this.registry.resume(held);
        }
      } catch (err) {
        for (const e of fresh) {
          this.entries.delete(`${e.vgId}/${e.lvId}`);
          await e.close();
        }
        for (const e of fresh) await this.dropThin(e);
        this.retire([...fresh].flatMap((e) => [e.dev, e.cow, e.real, e.tpool]));
        throw err;
      }
    }
    this.onChange();
  }

  /** Deactivating an origin takes its snapshots down first; a snapshot can go down alone. */
  async deactivate(vgName: string, lvNames: string[]): Promise<void> {
    const names = new Set<string>();
    for (const e of this.entries.values()) {
      if (e.vgName !== vgName || !lvNames.includes(e.lvName)) continue;
      for (const s of this.entries.values()) if (s.vgId === e.vgId && s.originName === e.lvName) names.add(s.lvName);
      names.add(e.lvName);
    }
    // A pool takes its data and metadata LVs down with it.
    for (const e of this.entries.values()) if (e.vgName === vgName && names.has(e.lvName)) for (const p of e.poolParts ?? []) names.add(p);
    const going = [...this.entries].filter(([, e]) => e.vgName === vgName && names.has(e.lvName));
    // Snapshots and thin LVs before their origins and pools, pools before their parts.
    const rank = (e: Entry) => (e.store || e.thinTarget ? 0 : [...this.entries.values()].some((p) => p.vgId === e.vgId && p.poolParts?.includes(e.lvName)) ? 2 : 1);
    going.sort(([, a], [, b]) => rank(a) - rank(b));
    for (const [, e] of going) if (this.opens(e) > 0 && rank(e) < 2) throw new ActivationError(`Logical volume ${vgName}/${e.lvName} in use.`);
    for (const [, e] of going)
      if (e.tpool && this.registry.holders(e.tpool).some((h) => !going.some(([, g]) => g.dev === h))) throw new ActivationError(`Logical volume ${vgName}/${e.lvName} in use.`);
    const layers: (DmDevice | undefined)[] = [];
    // A merge stops between two steps; the next activation resumes it from the table left on disk.
    for (const [, e] of going) if (e.merge) layers.push(await this.dropMerge(e));
    for (const [key, e] of going) {
      await this.registry.suspend(e.dev);
      try {
        this.registry.remove(e.dev);
      } catch {
        // Opened while it was being suspended: it stays, and serves again.
        this.registry.resume(e.dev);
        this.retire(layers);
        this.onChange();
        throw new ActivationError(`Logical volume ${vgName}/${e.lvName} in use.`);
      }
      layers.push(e.cow, e.real);
      if (e.tpool) {
        // The pool's target goes before its parts can: its last commit first.
        await this.dropThin(e);
        this.retire([e.tpool]);
      } else await this.dropThin(e);
      await e.close();
      this.entries.delete(key);
    }
    this.retire(layers);
    this.onChange();
  }

  /** Lets go of a thin LV's target, or commits and closes a pool's runtime and its metadata handles. */
  private async dropThin(e: Entry): Promise<void> {
    e.thinTarget?.release();
    e.thinTarget = undefined;
    if (e.thinPool) await e.thinPool.pool.close();
    e.thinPool = undefined;
    for (const d of e.syncDevices ?? []) d.close();
    e.syncDevices = undefined;
  }

  async reload(vgName: string, devices: string[]): Promise<void> {
    const f = scanDevices(this.opener, devices).get(vgName);
    // A renamed VG is found through the id of its active LVs.
    const byId = f ?? scanDevices(this.opener, devices).all().find((x) => [...this.entries.values()].some((e) => e.vgId === x.vg.id && e.vgName === vgName));
    if (!byId) return;
    const mine = [...this.entries.values()].filter((e) => e.vgId === byId.vg.id && byId.vg.lvs.some((l) => l.id === e.lvId));
    for (const e of mine) {
      const lv = byId.vg.lvs.find((l) => l.id === e.lvId)!;
      e.vgName = byId.vg.name;
      e.lvName = lv.name;
      e.devices = devices;
      // lvm2 renames the devices before it reloads them (vgrename, lvrename).
      const name = dmName(e.vgName, e.lvName);
      this.registry.rename(e.dev, name, ownerOf(e));
      if (e.real) this.registry.rename(e.real, `${name}-real`, ownerOf(e, 'real'));
      if (e.cow) this.registry.rename(e.cow, `${name}-cow`, ownerOf(e, 'cow'));
    }
    // Families in order (origin before its snapshots), each rebuilt under one suspension.
    const done = new Set<Entry>();
    for (const e of mine) {
      if (done.has(e)) continue;
      const family = (thinFamily(byId.vg, e.lvName) ?? activationFamily(byId.vg, e.lvName))
        .map((n) => mine.find((x) => x.lvName === n))
        .filter((x): x is Entry => !!x);
      if (!family.includes(e)) family.push(e);
      for (const x of family) done.add(x);
      await this.build(byId, family, new Set());
    }
    this.onChange();
  }

  async hold(vgName: string, lvNames: string[]): Promise<() => Promise<void>> {
    const held = [...this.entries.values()].filter((e) => e.vgName === vgName && lvNames.includes(e.lvName)).map((e) => e.dev);
    // All at one tick: each suspend stops new I/O at once and then drains, so a writer cannot get
    // a write into one LV after another was stopped (a group's snapshots share one instant).
    await Promise.all(held.map((d) => this.registry.suspend(d)));
    return async () => {
      // A load since then has resumed them already (with the new tables).
      for (const d of held) if (d.suspended && this.registry.get(d.name) === d) this.registry.resume(d);
    };
  }

  async merge(vgName: string, originName: string, devices: string[], opts: { wait?: boolean } = {}): Promise<MergeResult> {
    const f = this.found(vgName, devices);
    const link = mergingSnapshotOf(f.vg, originName);
    if (!link) throw new ActivationError(`${vgName}/${originName} has no merging snapshot.`);
    const o = this.entryOf(f.vg.id, originName);
    if (!o) throw new ActivationError(`${vgName}/${originName} is not active.`);
    // A merge under way (started by an activation, or by a command that is gone) is joined.
    let job = o.merge;
    if (!job) {
      if (this.opens(o) > 0) throw new ActivationError(`Logical volume ${vgName}/${originName} in use.`);
      job = await this.startMerge(f, o, link);
    }
    if (opts.wait === false) return { chunks: 0, ...(this.onMergeDone ? { background: true } : {}) };
    return job.done;
  }

  /**
   * Starts the merge of `link` into the active origin `o` (the kernel loading snapshot-merge over
   * the origin): the snapshot's own device goes (its `-cow` stays, for the merge to read), the
   * origin reads as the snapshot at once, and the COW's exceptions are copied back in the
   * background. The other snapshots of the origin keep what the merge overwrites, as with any
   * origin write.
   */
  private async startMerge(f: FoundVg, o: Entry, link: SnapshotLink): Promise<MergeJob> {
    if (o.merge) return o.merge;
    if (!o.realTable || !o.real) throw new ActivationError(`${f.vg.name}/${o.lvName} is not a snapshot origin.`);
    const cow = f.vg.lvs.find((l) => l.name === link.cow);
    if (!cow) throw new ActivationError(`${f.vg.name}/${link.cow} not found.`);
    const s = this.entryOf(f.vg.id, link.cow);
    let cowDev = s?.cow;
    if (s) {
      await this.registry.suspend(s.dev);
      this.registry.remove(s.dev, true);
      s.cow = undefined;
      await s.close();
      this.entries.delete(`${s.vgId}/${s.lvId}`);
    }
    const opened = await openLv(f, link.cow, { opener: this.opener, readOnly: false });
    const store = new MergingStore(opened.device.table as Table, link.chunk);
    try {
      await store.load();
      if (store.invalid) throw new ActivationError('Merging snapshot invalidated. Aborting merge.');
    } catch (err) {
      await opened.close();
      this.retire([cowDev]);
      this.onChange();
      throw err;
    }
    cowDev ??= this.registry.create(`${dmName(f.vg.name, cow.name)}-cow`, `LVM-${f.vg.id}${cow.id}-cow`, { vgId: f.vg.id, vgName: f.vg.name, lvId: cow.id, lvName: cow.name, layer: 'cow' });
    // The COW device now maps through the handles the merge holds.
    this.registry.load(cowDev, plainDmTable(opened.device.table as Table));
    this.registry.resume(cowDev);
    const merge = new SnapshotMerge(o.realTable, store, () => this.storesOf(o.vgId, o.lvName), this.mergeStepDelayMs);
    const job: MergeJob = { cowId: cow.id, merge, chunk: link.chunk, cow: cowDev, closeCow: opened.close, done: Promise.resolve({ chunks: 0 }), failed: false };
    await this.registry.suspend(o.dev);
    o.merge = job;
    const lv = f.vg.lvs.find((l) => l.id === o.lvId)!;
    const built = await stackBuilder('snapshot-merge').buildStack(f.vg, lv, this.stackContext(o, o.realTable, o.readOnly));
    for (const l of built.loads) this.registry.load(l.dev, l.table);
    for (const l of built.loads) this.registry.resume(l.dev);
    job.done = merge.run().then(
      (r) => {
        o.merged = job.cowId;
        this.onChange();
        this.onMergeDone?.(o.vgName, o.lvName, o.devices);
        return { chunks: r.total };
      },
      (err: unknown) => {
        if (err instanceof MergeStopped) throw new ActivationError('Failed query for merging percentage. Aborting merge.');
        job.failed = true;
        this.log(`device-mapper: snapshots: ${o.vgName}/${o.lvName}: merge failed: ${(err as Error).message}`);
        throw new ActivationError('Merge failed. Retry merge or inspect manually.');
      },
    );
    // Nobody may be waiting (a command that was interrupted): the failure is logged above.
    job.done.catch(() => undefined);
    this.onChange();
    return job;
  }

  private mergingCow(vgId: string, lvId: string): boolean {
    for (const e of this.entries.values()) if (e.vgId === vgId && e.merge?.cowId === lvId) return true;
    return false;
  }

  /** Stops an origin's merge between two steps and lets go of its COW; returns the `-cow` device, for the caller to retire. */
  private async dropMerge(o: Entry): Promise<DmDevice | undefined> {
    const job = o.merge;
    if (!job) return undefined;
    o.merge = undefined;
    await job.merge.stop();
    await job.closeCow();
    return job.cow;
  }

  /**
   * What differs between two thin devices of an active pool, read through a metadata snapshot
   * (reserve_metadata_snap, walk, release) so that the pool goes on serving meanwhile; in the
   * pool's data blocks.
   */
  async thinChangedBlocks(vgName: string, poolName: string, left: number, right: number, opts: ChangedBlocksOptions = {}): Promise<{ blockSectors: number; runs: DeltaRun[] }> {
    const e = [...this.entries.values()].find((x) => x.vgName === vgName && x.lvName === poolName);
    const ap = e?.thinPool ?? fail(`Thin pool ${vgName}/${poolName} is not active.`);
    const pool = ap.pool;
    await pool.message('reserve_metadata_snap');
    try {
      return { blockSectors: pool.dataBlockSize, runs: changedBlocks(MetadataSnapshot.of(pool.md), left, right, opts) };
    } finally {
      await pool.message('release_metadata_snap');
    }
  }

  /** The live mapped device of an active LV, for library users (reads and writes go through its targets). */
  device(vgName: string, lvName: string): MappedDevice | undefined {
    for (const e of this.entries.values()) if (e.vgName === vgName && e.lvName === lvName) return e.dev.io;
    return undefined;
  }

  async dmStatus(): Promise<DmInfo[]> {
    return this.registry.infoAll();
  }

  async dmTable(name: string, inactive = false): Promise<string[]> {
    return this.registry.tableOf(name, inactive);
  }

  dmMessage(name: string, sector: number, text: string): Promise<string> {
    return this.registry.message(name, sector, text);
  }

  /** Active, valid snapshots whose COW use reached `percent` (dmeventd's snapshot watch). */
  snapshotsFillingUp(percent: number): { vgName: string; lvName: string; devices: string[]; dataPercent: number }[] {
    const out: { vgName: string; lvName: string; devices: string[]; dataPercent: number }[] = [];
    for (const e of this.entries.values()) {
      if (!e.store) continue;
      const status = { ...e.store.usage(), invalid: e.store.invalid };
      if (snapshotNeedsExtend(status, percent)) out.push({ vgName: e.vgName, lvName: e.lvName, devices: e.devices, dataPercent: snapshotPercent(status) });
    }
    return out;
  }

  /** Active pools with their status line and the dm name of the device carrying the target (dmeventd's watch). */
  activePools(): { vgId: string; lvId: string; vgName: string; lvName: string; devices: string[]; status: string; dmName: string }[] {
    const out = [];
    for (const e of this.entries.values())
      if (e.thinPool) out.push({ vgId: e.vgId, lvId: e.lvId, vgName: e.vgName, lvName: e.lvName, devices: e.devices, status: e.thinPool.pool.status(), dmName: e.thinPool.carrier.name });
    return out;
  }

  /** What to re-activate after a restart. */
  saved(): ActivateRequest[] {
    return [...this.entries.values()].map((e) => ({ vgName: e.vgName, lvNames: [e.lvName], devices: e.devices, ...(e.readOnly ? { readOnly: true } : {}) }));
  }

  async closeAll(): Promise<void> {
    for (const e of this.entries.values()) await this.dropMerge(e);
    // Thin LVs let go of their pools before the pools commit and close.
    for (const e of this.entries.values()) if (e.thinTarget) await this.dropThin(e);
    for (const e of this.entries.values()) await this.dropThin(e);
    this.registry.removeAll();
    for (const e of this.entries.values()) await e.close();
    this.entries.clear();
  }
}
