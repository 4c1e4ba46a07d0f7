// Keeps active LVs: their mapped devices, open PV handles, NBD exports; activates, reloads live
// (suspend → load → resume), deactivates. Used in-process and inside the daemon.
import type { DeviceOpener } from '../devices/device.ts';
import { fileOpener } from '../devices/file.ts';
import { scanDevices, type FoundVg } from '../metadata/scan.ts';
import { openLv, type OpenedLv } from '../mapper/open-lv.ts';
import { MappedDevice } from '../mapper/mapped-device.ts';
import { Table } from '../mapper/table.ts';
import type { BlockTarget } from '../mapper/target.ts';
import { CowStore } from '../mapper/cow-store.ts';
import { OriginTarget, SnapshotTarget } from '../mapper/snapshot-targets.ts';
import { activationFamily, mergingSnapshotOf, snapshotOfCow, snapshotSpanBytes, snapshotsOfOrigin, type SnapshotLink } from '../model/snapshots.ts';
import { MergeStopped, SnapshotMerge } from '../mapper/snapshot-merge.ts';
import { SnapshotMergeTarget } from '../mapper/snapshot-merge-target.ts';
import { MergingStore } from '../mapper/merging-store.ts';
import { mergeTargetLine, originTargetLine, snapshotNeedsExtend, snapshotPercent, snapshotTargetLine } from '../segtypes/snapshot.ts';
import type { NbdServer } from '../nbd/server.ts';
import type { NbdExport } from '../nbd/connection.ts';
import { dmMajor } from './major.ts';
import { type ActivateRequest, ActivationError, type ActiveLv, type Activator, type MergeResult } from './activator.ts';

interface Entry {
  vgId: string;
  vgName: string;
  lvId: string;
  lvName: string;
  devices: string[];
  minor: number;
  readOnly: boolean;
  opened: OpenedLv;
  exp: NbdExport;
  /** Snapshot origin: its `-real` device (the plain table) and that device's minor. */
  real?: Table;
  realMinor?: number;
  /** Snapshot (COW store LV): its exception store and `-cow` device minor. */
  store?: CowStore;
  cowMinor?: number;
  /** The origin a snapshot entry belongs to. */
  originName?: string;
  /** dmsetup-style lines of what is loaded, and of the hidden -real / -cow device. */
  lines: string[];
  hiddenLines?: string[];
  /** Origin: the COW store LV (id) merged into it, until the metadata drops that snapshot. */
  merged?: string;
  /** Origin: its merge in progress (or done, until the metadata drops the snapshot). */
  merge?: MergeJob;
}

/** A snapshot merging into an active origin, as the kernel's snapshot-merge target runs it. */
interface MergeJob {
  cowId: string;
  merge: SnapshotMerge;
  /** The origin's table line while it merges. */
  line: string;
  closeCow: () => Promise<void>;
  /** Resolves when everything is back in the origin. */
  done: Promise<MergeResult>;
  failed: boolean;
}

/** Someone else showing active LVs (the daemon's FUSE device tree); keyed by `<vg id>/<lv id>`. */
export interface ActivationObserver {
  shown(key: string, vgName: string, lvName: string, target: MappedDevice, readOnly: boolean): void;
  hidden(key: string): void;
  resized(key: string): void;
  /** Opens of the LV through the observer (they count in the LV's open count). */
  opens(key: string): number;
}

function tableLines(t: Table | BlockTarget): string[] {
  if (!(t instanceof Table)) return [];
  return t.lines.map((l) => {
    const tg = l.target;
    if (tg.type === 'linear') return `${l.start} ${l.length} linear ${tg.area.dev.path} ${tg.area.start}`;
    if (tg.type === 'striped') return `${l.start} ${l.length} striped ${tg.areas.length} ${tg.chunkSectors} ${tg.areas.map((a) => `${a.dev.path} ${a.start}`).join(' ')}`;
    return `${l.start} ${l.length} ${tg.type}`;
  });
}

export class ActivationEngine implements Activator {
  private readonly entries = new Map<string, Entry>();
  /** A pause after each merge step; set only by tests (the daemon's ULVM_TEST_MERGE_STEP_MS). */
  mergeStepDelayMs = 0;
  /**
   * Set by the daemon, which then drops a finished merge's snapshot from the metadata itself when
   * no command is polling it (lvmpolld's part); without it the caller of merge() always waits.
   */
  onMergeDone?: (vgName: string, originName: string, devices: string[]) => void;

  /** Like the kernel's dm minors: the lowest number not in use. */
  private freeMinor(): number {
    const used = new Set([...this.entries.values()].flatMap((e) => [e.minor, e.realMinor ?? -1, e.cowMinor ?? -1]));
    let m = 0;
    while (used.has(m)) m++;
    return m;
  }

  constructor(
    private readonly opener: DeviceOpener = fileOpener,
    private readonly nbd?: NbdServer,
    private readonly onChange: () => void = () => undefined,
    private readonly observer?: ActivationObserver,
    /** Where kernel-style messages go (the daemon's log). */
    private readonly log: (m: string) => void = () => undefined,
  ) {}

  /** The block major of this engine's devices (see major.ts); a replay of another machine sets its own. */
  major = dmMajor();

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

  /**
   * Loads the tables of an activation family (origin first, then snapshots) while all of them
   * are suspended, so no origin write slips between a snapshot's old and new exception store.
   */
  private async build(f: FoundVg, family: Entry[], fresh: Set<Entry>): Promise<void> {
    const live = family.filter((e) => !fresh.has(e));
    for (const e of live) await e.opened.device.suspend();
    const olds: (() => Promise<void>)[] = [];
    // A merge holds between two steps while its origin's tables change under it.
    const goOn: (() => void)[] = [];
    try {
      for (const e of family) if (e.merge) goOn.push(await e.merge.merge.pause());
      for (const e of family) {
        const lv = f.vg.lvs.find((l) => l.id === e.lvId)!;
        if (e.merged && !f.vg.lvs.some((l) => l.id === e.merged)) e.merged = undefined;
        const stillMerging = e.merge && f.vg.lvs.find((l) => l.name === mergingSnapshotOf(f.vg, lv.name)?.cow)?.id === e.merge.cowId;
        if (e.merge && !stillMerging) await this.dropMerge(e);
        const readOnly = e.readOnly || !lv.status.includes('WRITE');
        const reopened = await openLv(f, lv.name, { opener: this.opener, readOnly });
        olds.push(e.opened.close);
        e.opened = { device: e.opened.device, close: reopened.close };
        const plain = reopened.device.table as Table;
        let target: BlockTarget = plain;
        e.lines = tableLines(plain);
        e.hiddenLines = e.lines;
        e.real = undefined;
        e.store = undefined;
        e.originName = undefined;
        e.readOnly = readOnly;
        e.exp.readOnly = readOnly;
        const link = snapshotOfCow(f.vg, lv.name);
        if (snapshotsOfOrigin(f.vg, lv.name).length) {
          e.realMinor ??= this.freeMinor();
          e.real = plain;
          target = new OriginTarget(plain, () => this.storesOf(e.vgId, lv.name));
          e.lines = [originTargetLine(plain.size / 512, `${this.major}:${e.realMinor}`)];
          if (e.merge) {
            e.merge.merge.real = plain;
            target = new SnapshotMergeTarget(e.merge.merge);
            e.lines = [e.merge.line];
          }
        } else if (link) {
          const o = this.entryOf(e.vgId, link.origin);
          if (!o?.real) throw new ActivationError(`Snapshot origin ${f.vg.name}/${link.origin} is not active.`);
          e.cowMinor ??= this.freeMinor();
          // The snapshot device is as long as its segment: the origin's size when it was taken.
          const store = new CowStore(plain, link.chunk, this.log, snapshotSpanBytes(f.vg, link));
          await store.load();
          e.store = store;
          e.originName = link.origin;
          target = new SnapshotTarget(o.real, store, readOnly);
          e.lines = [snapshotTargetLine(target.size / 512, `${this.major}:${o.realMinor}`, `${this.major}:${e.cowMinor}`, link.chunk)];
        } else {
          e.realMinor = undefined;
          e.cowMinor = undefined;
          e.hiddenLines = undefined;
        }
        e.opened.device.load(target);
      }
    } finally {
      for (const e of family) e.opened.device.resume();
      for (const g of goOn) g();
    }
    for (const c of olds) await c();
  }

  private opens(key: string, e: Entry): number {
    return (e.exp.users ?? 0) + (this.observer?.opens(key) ?? 0) + (this.localOpens.get(key) ?? 0);
  }

  /** Opens by library users in this process (open()), by entry key. */
  private readonly localOpens = new Map<string, number>();

  /**
   * Opens an active LV in this process, as a program opens /dev/VG/LV: the open counts (lvremove
   * and deactivation refuse while it lasts) until `close` is called; I/O goes through the live
   * device (an origin's writes copy to its snapshots).
   */
  openLocal(vgName: string, lvName: string): { device: MappedDevice; close: () => void } | undefined {
    for (const [key, e] of this.entries)
      if (e.vgName === vgName && e.lvName === lvName) {
        this.localOpens.set(key, (this.localOpens.get(key) ?? 0) + 1);
        let closed = false;
        return {
          device: e.opened.device,
          close: () => {
            if (closed) return;
            closed = true;
            const n = (this.localOpens.get(key) ?? 1) - 1;
            if (n > 0) this.localOpens.set(key, n);
            else this.localOpens.delete(key);
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
    return [...this.entries].map(([key, e]) => ({
      vgId: e.vgId,
      vgName: e.vgName,
      lvId: e.lvId,
      lvName: e.lvName,
      major: this.major,
      minor: e.minor,
      openCount: this.opens(key, e),
      readOnly: e.readOnly,
      suspended: e.opened.device.isSuspended,
      table: e.lines,
      ...(e.store ? { dataPercent: e.store.percent(), invalid: e.store.invalid, snapshotUsage: e.store.usage() } : {}),
      ...(e.realMinor !== undefined ? { realMinor: e.realMinor, realTable: e.hiddenLines ?? [] } : {}),
      ...(e.cowMinor !== undefined ? { cowMinor: e.cowMinor, cowTable: e.hiddenLines ?? [] } : {}),
      ...(this.nbd ? { exportName: e.exp.name } : {}),
      ...(e.merged ? { mergedCowId: e.merged } : {}),
      ...(e.merge ? { mergeUsage: e.merge.merge.store.usage(), ...(e.merge.failed ? { mergeFailed: true } : {}) } : {}),
    }));
  }

  async activate(req: ActivateRequest): Promise<void> {
    const f = this.found(req.vgName, req.devices);
    for (const name of req.lvNames) {
      if (!f.vg.lvs.some((l) => l.name === name)) throw new ActivationError(`Failed to find logical volume "${req.vgName}/${name}"`);
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
          const exp: NbdExport = { name: `${f.vg.name}/${lv.name}`, description: `ulvm logical volume ${f.vg.name}/${lv.name}`, target: opened.device, readOnly };
          e = { vgId: f.vg.id, vgName: f.vg.name, lvId: lv.id, lvName: lv.name, devices: req.devices, minor: -1, readOnly, opened, exp, lines: [] };
          this.entries.set(key, e);
          // Minors in the kernel's order: the origin's -real, the snapshot's -cow, then the snapshot.
          const link = snapshotOfCow(f.vg, member);
          if (link) {
            const o = this.entryOf(f.vg.id, link.origin);
            if (o && o.realMinor === undefined) o.realMinor = this.freeMinor();
            e.cowMinor = this.freeMinor();
          }
          e.minor = this.freeMinor();
          fresh.add(e);
        }
        family.push(e);
      }
      if (!fresh.size) continue;
      try {
        await this.build(f, family, fresh);
        // An origin coming up with a merging snapshot is rolled back before anyone can open it,
        // as the kernel's snapshot-merge target starts merging at once.
        const origin = family[0]!;
        const merging = mergingSnapshotOf(f.vg, origin.lvName);
        if (merging && fresh.has(origin)) {
          try {
            await this.startMerge(f, origin, merging);
          } catch (err) {
            this.log(`device-mapper: snapshots: ${f.vg.name}/${origin.lvName}: merge not done: ${(err as Error).message}`);
          }
          for (const e of fresh) if (!this.entries.has(`${e.vgId}/${e.lvId}`)) fresh.delete(e);
        }
      } catch (err) {
        for (const e of fresh) {
          this.entries.delete(`${e.vgId}/${e.lvId}`);
          await e.opened.close();
        }
        throw err;
      }
      for (const e of fresh) {
        this.nbd?.add(e.exp);
        this.observer?.shown(`${e.vgId}/${e.lvId}`, e.vgName, e.lvName, e.opened.device, e.readOnly);
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
    const going = [...this.entries].filter(([, e]) => e.vgName === vgName && names.has(e.lvName));
    going.sort(([, a], [, b]) => Number(!!b.store) - Number(!!a.store));
    for (const [key, e] of going) if (this.opens(key, e) > 0) throw new ActivationError(`Logical volume ${vgName}/${e.lvName} in use.`);
    // A merge stops between two steps; the next activation resumes it from the table left on disk.
    for (const [, e] of going) if (e.merge) await this.dropMerge(e);
    for (const [key, e] of going) {
      this.nbd?.remove(e.exp.name);
      this.observer?.hidden(key);
      await e.opened.device.suspend();
      await e.opened.close();
      this.entries.delete(key);
    }
    this.onChange();
  }

  async reload(vgName: string, devices: string[]): Promise<void> {
    const f = scanDevices(this.opener, devices).get(vgName);
    // A renamed VG is found through the id of its active LVs.
    const byId = f ?? scanDevices(this.opener, devices).all().find((x) => [...this.entries.values()].some((e) => e.vgId === x.vg.id && e.vgName === vgName));
    if (!byId) return;
    const mine = [...this.entries.values()].filter((e) => e.vgId === byId.vg.id && byId.vg.lvs.some((l) => l.id === e.lvId));
    const oldSizes = new Map(mine.map((e) => [e, e.opened.device.size] as const));
    for (const e of mine) {
      const lv = byId.vg.lvs.find((l) => l.id === e.lvId)!;
      if (e.vgName !== byId.vg.name || e.lvName !== lv.name) {
        this.nbd?.remove(e.exp.name);
        e.exp.name = `${byId.vg.name}/${lv.name}`;
        this.nbd?.add(e.exp);
      }
      e.vgName = byId.vg.name;
      e.lvName = lv.name;
      e.devices = devices;
    }
    // Families in order (origin before its snapshots), each rebuilt under one suspension.
    const done = new Set<Entry>();
    for (const e of mine) {
      if (done.has(e)) continue;
      const family = activationFamily(byId.vg, e.lvName)
        .map((n) => mine.find((x) => x.lvName === n))
        .filter((x): x is Entry => !!x);
      if (!family.includes(e)) family.push(e);
      for (const x of family) done.add(x);
      await this.build(byId, family, new Set());
    }
    if (this.observer)
      for (const e of mine) {
        // Same inode under (possibly) new names: open files, loop devices on them, keep working.
        const key = `${e.vgId}/${e.lvId}`;
        this.observer.shown(key, e.vgName, e.lvName, e.opened.device, e.readOnly);
        if (e.opened.device.size !== oldSizes.get(e)) this.observer.resized(key);
      }
    this.onChange();
  }

  async hold(vgName: string, lvNames: string[]): Promise<() => Promise<void>> {
    const held = [...this.entries.values()].filter((e) => e.vgName === vgName && lvNames.includes(e.lvName));
    for (const e of held) await e.opened.device.suspend();
    return async () => {
      // A load since then has resumed them already (with the new tables).
      for (const e of held) if (e.opened.device.isSuspended) e.opened.device.resume();
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
      if (this.opens(`${o.vgId}/${o.lvId}`, o) > 0) throw new ActivationError(`Logical volume ${vgName}/${originName} in use.`);
      job = await this.startMerge(f, o, link);
    }
    if (opts.wait === false) return { chunks: 0, ...(this.onMergeDone ? { background: true } : {}) };
    return job.done;
  }

  /**
   * Starts the merge of `link` into the active origin `o` (the kernel loading snapshot-merge over
   * the origin): the snapshot's own device goes, the origin reads as the snapshot at once, and the
   * COW's exceptions are copied back in the background. The other snapshots of the origin keep
   * what the merge overwrites, as with any origin write.
   */
  private async startMerge(f: FoundVg, o: Entry, link: SnapshotLink): Promise<MergeJob> {
    if (o.merge) return o.merge;
    if (!o.real) throw new ActivationError(`${f.vg.name}/${o.lvName} is not a snapshot origin.`);
    const cow = f.vg.lvs.find((l) => l.name === link.cow);
    if (!cow) throw new ActivationError(`${f.vg.name}/${link.cow} not found.`);
    const s = this.entryOf(f.vg.id, link.cow);
    const cowMinor = s?.cowMinor ?? o.realMinor;
    if (s) {
      const key = `${s.vgId}/${s.lvId}`;
      this.nbd?.remove(s.exp.name);
      this.observer?.hidden(key);
      await s.opened.device.suspend();
      await s.opened.close();
      this.entries.delete(key);
    }
    const opened = await openLv(f, link.cow, { opener: this.opener, readOnly: false });
    const store = new MergingStore(opened.device.table as Table, link.chunk);
    try {
      await store.load();
      if (store.invalid) throw new ActivationError('Merging snapshot invalidated. Aborting merge.');
    } catch (err) {
      await opened.close();
      this.onChange();
      throw err;
    }
    const merge = new SnapshotMerge(o.real, store, () => this.storesOf(o.vgId, o.lvName), this.mergeStepDelayMs);
    const job: MergeJob = {
      cowId: cow.id,
      merge,
      line: mergeTargetLine(o.real.size / 512, `${this.major}:${o.realMinor}`, `${this.major}:${cowMinor}`, link.chunk),
      closeCow: opened.close,
      done: Promise.resolve({ chunks: 0 }),
      failed: false,
    };
    await o.opened.device.suspend();
    o.merge = job;
    o.opened.device.load(new SnapshotMergeTarget(merge));
    o.lines = [job.line];
    o.opened.device.resume();
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

  /** Stops an origin's merge between two steps and lets go of its COW. */
  private async dropMerge(o: Entry): Promise<void> {
    const job = o.merge;
    if (!job) return;
    o.merge = undefined;
    await job.merge.stop();
    await job.closeCow();
  }

  /** The live mapped device of an active LV, for library users (reads and writes go through its targets). */
  device(vgName: string, lvName: string): MappedDevice | undefined {
    for (const e of this.entries.values()) if (e.vgName === vgName && e.lvName === lvName) return e.opened.device;
    return undefined;
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

  /** What to re-activate after a restart. */
  saved(): ActivateRequest[] {
    return [...this.entries.values()].map((e) => ({ vgName: e.vgName, lvNames: [e.lvName], devices: e.devices, ...(e.readOnly ? { readOnly: true } : {}) }));
  }

  async closeAll(): Promise<void> {
    for (const e of this.entries.values()) await this.dropMerge(e);
    for (const e of this.entries.values()) {
      this.nbd?.remove(e.exp.name);
      await e.opened.close();
    }
    this.entries.clear();
  }
}
