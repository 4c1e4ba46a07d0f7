// The device-mapper's table of devices (drivers/md/dm-ioctl.c's name and uuid hash): every mapped
// device with its name, uuid and minor, its live table and the one loaded but not yet resumed,
// whether it is suspended, who holds it open, and the devices its table uses. Whoever shows
// devices to the world (NBD exports, the FUSE device tree) subscribes to its events, as udev
// listens to the kernel's uevents.
import { MappedDevice } from './mapped-device.ts';
import { Table } from './table.ts';
import { type DmTable, lineText, tableDeps } from './dm-table.ts';

/** The errno the kernel's ioctl would fail with, and its message. */
export class DmError extends Error {
  constructor(
    // The rest are what a target's message handler returns (thin-pool's).
    readonly code: 'ENXIO' | 'EEXIST' | 'EBUSY' | 'EINVAL' | 'ENODATA' | 'EOPNOTSUPP' | 'ENOSPC' | 'EIO' | 'EPERM' | 'EILSEQ' | 'ENOTBLK',
    message: string,
  ) {
    super(message);
  }
}

/** The LV a device belongs to, and which layer of it (lvm2's `-real`/`-cow` suffixes) it is. */
export interface DmOwner {
  vgId: string;
  vgName: string;
  lvId: string;
  lvName: string;
  layer?: 'real' | 'cow' | 'tpool';
}

export type DmEvent =
  | { type: 'created'; dev: DmDevice }
  | { type: 'removed'; dev: DmDevice }
  | { type: 'resized'; dev: DmDevice; oldSize: number }
  | { type: 'renamed'; dev: DmDevice; oldName: string }
  | { type: 'suspended'; dev: DmDevice }
  | { type: 'resumed'; dev: DmDevice };

/** What `dmsetup info/table/status/deps` show of one device. */
export interface DmInfo {
  name: string;
  uuid: string;
  major: number;
  minor: number;
  openCount: number;
  suspended: boolean;
  readOnly: boolean;
  /** Tables present (the kernel's LIVE / INACTIVE flags). */
  live: boolean;
  inactive: boolean;
  table: string[];
  /** Per live table line: the status text after the target type. */
  status: string[];
  /** Devices the live table uses, in the kernel's deps order (registered ones as `major:minor`). */
  deps: string[];
  owner?: DmOwner;
}

export class DmDevice {
  /** The data path: suspend drains it, resume switches it to the new table. */
  readonly io: MappedDevice;
  live?: DmTable;
  inactive?: DmTable;
  readOnly = false;
  /** Opens through dm itself (dm_blk_open callers other than the subscribers' counters). */
  opens = 0;

  constructor(
    private readonly registry: DmRegistry,
    public name: string,
    readonly uuid: string,
    readonly major: number,
    readonly minor: number,
    public owner?: DmOwner,
  ) {
    this.io = new MappedDevice(name, new Table([]));
  }

  get dev(): string {
    return `${this.major}:${this.minor}`;
  }
  get suspended(): boolean {
    return this.io.isSuspended;
  }
  get size(): number {
    return this.io.size;
  }
  /** As the kernel counts it: every opener, and every table (live or loaded) of another device using this one. */
  get openCount(): number {
    return this.registry.openCountOf(this);
  }
}

/** What `dmsetup remove --force` loads first: every request of the remaining openers fails. */
function failIo(dev: DmDevice): void {
  const sectors = dev.size / 512;
  dev.io.load(new Table(sectors ? [{ start: 0, length: sectors, target: { type: 'error' } }] : []));
  dev.io.resume();
}

export type DmSubscriber = (e: DmEvent) => void;
export type OpenCounter = (dev: DmDevice) => number;

export class DmRegistry {
  private readonly byName = new Map<string, DmDevice>();
  private readonly subscribers: DmSubscriber[] = [];
  private readonly counters: OpenCounter[] = [];

  /** The block major of its devices (see activation/major.ts); a replay of another machine sets its own. */
  constructor(public major: number) {}

  /** Receives every event from now on, in the order they happen; returns the unsubscribe. */
  subscribe(s: DmSubscriber): () => void {
    this.subscribers.push(s);
    return () => void this.subscribers.splice(this.subscribers.indexOf(s) >>> 0, 1);
  }

  /** Opens someone else keeps (NBD clients, FUSE files) count in the open count. */
  countOpens(c: OpenCounter): void {
    this.counters.push(c);
  }

  private emit(e: DmEvent): void {
    for (const s of [...this.subscribers]) s(e);
  }

  /** Devices whose live or loaded table uses `dev`. */
  holders(dev: DmDevice): DmDevice[] {
    return this.list().filter((d) => d !== dev && [d.live, d.inactive].some((t) => t && tableDeps(t).includes(dev.dev)));
  }

  openCountOf(dev: DmDevice): number {
    return dev.opens + this.counters.reduce((n, c) => n + c(dev), 0) + this.holders(dev).length;
  }

  /** In minor order, as the kernel hands them out. */
  list(): DmDevice[] {
    return [...this.byName.values()].sort((a, b) => a.minor - b.minor);
  }

  get(name: string): DmDevice | undefined {
    return this.byName.get(name);
  }

  private must(name: string): DmDevice {
    const d = this.byName.get(name);
    if (!d) throw new DmError('ENXIO', `Device ${name} not found`);
    return d;
  }

  /** DM_DEV_CREATE: a device without a table yet, numbered with the lowest free minor. */
  create(name: string, uuid: string, owner?: DmOwner): DmDevice {
    if (this.byName.has(name)) throw new DmError('EEXIST', `Device ${name} already exists`);
    if (uuid && [...this.byName.values()].some((d) => d.uuid === uuid)) throw new DmError('EEXIST', `A device with uuid ${uuid} already exists`);
    const used = new Set([...this.byName.values()].map((d) => d.minor));
    let minor = 0;
    while (used.has(minor)) minor++;
    const dev = new DmDevice(this, name, uuid, this.major, minor, owner);
    this.byName.set(name, dev);
    this.emit({ type: 'created', dev });
    return dev;
  }

  /** DM_TABLE_LOAD: the table waits, inactive, for the next resume. */
  load(dev: DmDevice, table: DmTable): void {
    dev.inactive = table;
    dev.io.load(table.io);
  }

  /** DM_DEV_SUSPEND: resolves once the I/O under way has drained. */
  async suspend(dev: DmDevice): Promise<void> {
    const was = dev.suspended;
    await dev.io.suspend();
    if (!was) this.emit({ type: 'suspended', dev });
  }

  /** DM_DEV_SUSPEND with DM_RESUME: the loaded table (if any) goes live, waiting I/O goes on. */
  resume(dev: DmDevice): void {
    const oldSize = dev.size;
    // A device's first table is no resize: it had no size before.
    const hadLive = !!dev.live;
    const swapped = dev.inactive;
    if (swapped) {
      dev.live = swapped;
      dev.inactive = undefined;
      dev.readOnly = swapped.readOnly;
    }
    dev.io.resume();
    this.emit({ type: 'resumed', dev });
    if (swapped && hadLive && dev.size !== oldSize) this.emit({ type: 'resized', dev, oldSize });
  }

  /**
   * DM_DEV_REMOVE: refused (EBUSY) while another device's table uses it, and while it is open
   * unless forced (`dmsetup remove --force`: whoever has it open gets errors from then on).
   */
  remove(dev: DmDevice, force = false): void {
    if (this.byName.get(dev.name) !== dev) throw new DmError('ENXIO', `Device ${dev.name} not found`);
    if (this.holders(dev).length || (!force && this.openCountOf(dev) > 0)) throw new DmError('EBUSY', `Device ${dev.name} is busy`);
    if (force && this.openCountOf(dev) > 0) failIo(dev);
    this.drop(dev);
  }

  private drop(dev: DmDevice): void {
    this.byName.delete(dev.name);
    this.emit({ type: 'removed', dev });
  }

  /**
   * Every device goes, users or not, those nobody uses first: the daemon is stopping, and the
   * I/O of whoever still has a device open fails from now on.
   */
  removeAll(): void {
    while (this.byName.size) {
      const free = this.list().filter((d) => !this.holders(d).length);
      for (const d of free.length ? free : this.list()) this.drop(d);
    }
  }

  /** DM_DEV_RENAME. */
  rename(dev: DmDevice, newName: string, owner?: DmOwner): void {
    if (dev.name === newName) {
      if (owner) dev.owner = owner;
      return;
    }
    if (this.byName.has(newName)) throw new DmError('EEXIST', `Device ${newName} already exists`);
    const oldName = dev.name;
    this.byName.delete(oldName);
    dev.name = newName;
    if (owner) dev.owner = owner;
    this.byName.set(newName, dev);
    this.emit({ type: 'renamed', dev, oldName });
  }

  /** DM_TARGET_MSG: to the target of the live table line holding `sector`. */
  async message(name: string, sector: number, text: string): Promise<string> {
    const dev = this.must(name);
    const line = dev.live?.lines.find((l) => sector >= l.start && sector < l.start + l.length);
    if (!line) throw new DmError('EINVAL', 'Target message sector outside device.');
    if (!line.target.message) throw new DmError('EINVAL', 'Target type does not support messages');
    return line.target.message(text);
  }

  info(dev: DmDevice): DmInfo {
    const t = dev.live;
    return {
      name: dev.name,
      uuid: dev.uuid,
      major: dev.major,
      minor: dev.minor,
      openCount: this.openCountOf(dev),
      suspended: dev.suspended,
      readOnly: dev.readOnly,
      live: !!t,
      inactive: !!dev.inactive,
      table: t ? t.lines.map(lineText) : [],
      status: t ? t.lines.map((l) => l.target.status()) : [],
      deps: t ? tableDeps(t) : [],
      ...(dev.owner ? { owner: dev.owner } : {}),
    };
  }

  /** DM_TABLE_STATUS with DM_STATUS_TABLE_FLAG (and DM_QUERY_INACTIVE_TABLE). */
  tableOf(name: string, inactive = false): string[] {
    const t = inactive ? this.must(name).inactive : this.must(name).live;
    return t ? t.lines.map(lineText) : [];
  }

  infoAll(): DmInfo[] {
    return this.list().map((d) => this.info(d));
  }
}
