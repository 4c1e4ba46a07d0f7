// What every command handler gets: parsed arguments, streams, prompts, configuration, devices,
// the scan of those devices, locks, and the one way to commit a VG (archive, write, backup).
import { join, resolve } from 'node:path';
import type { Io } from './io.ts';
import { type ParsedArgs, count, has, opt, optAll } from './args.ts';
import { DeviceWriteError, type BlockDevice, type DeviceOpener } from '../devices/device.ts';
import { partitionsOf } from '../devices/partition.ts';
import { splitPartitionName, type Partition } from '../formats/partitions.ts';
import { scanLabel } from '../formats/label.ts';
import { systemPaths, type SystemPaths } from '../metadata/paths.ts';
import { Config, ConfigError } from '../metadata/config.ts';
import { parseUnits } from '../report/units.ts';
import { readDevicesFile, writeDevicesFile, type DeviceEntry } from '../metadata/devices-file.ts';
import { scanDevices, type Scan, type FoundVg } from '../metadata/scan.ts';
import { Locks } from '../metadata/lock.ts';
import { noActivation, type ActiveLv, type Activator } from '../activation/activator.ts';
import { ParsedCache } from '../metadata/parsed-cache.ts';
import { commitVg } from '../metadata/commit.ts';
import { handlesMissingPvs } from './handles-missing.ts';
import { BackupError, writeArchive, writeBackup } from '../metadata/backup.ts';
import { textHeader } from '../metadata/stamp.ts';
import type { VolumeGroup } from '../model/types.ts';
import { fail } from '../errors.ts';

// Commands throw these; they live with the other error types (re-exported for the commands' imports).
export { CmdError, fail } from '../errors.ts';

export interface RunEnv {
  /** Where active LVs live: the daemon by default for real devices; tests may keep them in-process. */
  activator?: Activator;
  /** argv that runs this ulvm (node + bin/ulvm), used to start the daemon on demand. */
  self?: string[];
  io: Io;
  env: Record<string, string | undefined>;
  uid: number;
  cwd: string;
  opener: DeviceOpener;
  /** Unix seconds; tests pin it. */
  now?: () => number;
  /** 'ulvm' when run as ulvm itself (not as `lvm` or an lvm2 command name): help and version then name ulvm too. */
  program?: string;
  /**
   * Runs another command by name (the CLI's dispatcher, handed down so that commands which run
   * commands, like `ulvm demo`, need not import the CLI above them).
   */
  dispatch?: (name: string, argv: string[], env: RunEnv) => Promise<number>;
}

/**
 * lvm2 reads global/units as it sets up (process_profilable_config): a bad one in lvm.conf stops
 * every command (rc 4); one from --config makes the updated configuration invalid (rc 5).
 */
function checkUnitsSetting(config: Config, file: string, overridden: boolean, command: string): void {
  const u = config.strOrUndefined('global/units');
  if (u === undefined || parseUnits(u)) return;
  const fromFile = Config.load(file, [], command).strOrUndefined('global/units') === u;
  if (fromFile || !overridden) throw new ConfigError(`  Unrecognised configuration setting for global/units: ${u}\n`, 4);
  throw new ConfigError(`  Unrecognised configuration setting for global/units: ${u}\n  Updated config file invalid. Aborting.\n`, 5);
}

/** lvm2's buffer for the metadata's description (format-text.c). */
const DESCRIPTION_MAX = 2048;

export class Ctx {
  readonly paths: SystemPaths;
  readonly config: Config;
  readonly locks: Locks;
  private scanned?: Scan;
  private readonly parsedCache: ParsedCache;
  private active?: ActiveLv[];
  readonly activator: Activator;
  private extra: string[] = [];
  private writes = 0;

  constructor(
    readonly run: RunEnv,
    readonly args: ParsedArgs,
    /** The command line as lvm2 records it in metadata descriptions. */
    readonly cmdline: string,
    /**
     * Where LVs are activated when `run` names no activator (the CLI's daemon client for this
     * run directory; kept out of `run`, which commands hand on to the commands they run).
     */
    activator?: Activator,
  ) {
    const paths = systemPaths(run.env, run.uid);
    this.config = Config.load(paths.configFile, optAll(args, 'config'), args.command);
    checkUnitsSetting(this.config, paths.configFile, optAll(args, 'config').length > 0, args.command);
    // lvm.conf may move the metadata backups, as lvm2's backup_dir and archive_dir do.
    this.paths = { ...paths, backupDir: this.config.str('backup/backup_dir', paths.backupDir), archiveDir: this.config.str('backup/archive_dir', paths.archiveDir) };
    // A lock just taken may have waited out another command's commit: the scan settled before the
    // command started is stale then, and is redone under the lock. (A scan the command has already
    // used is its own business, as it always was.)
    this.locks = new Locks(this.paths.lockDir, {
      wait: this.config.int('global/wait_for_locks', 1) !== 0,
      onTaken: () => (this.settledKey !== undefined ? this.settleScan() : Promise.resolve()),
    });
    this.parsedCache = new ParsedCache(join(this.paths.runDir, 'cache'));
    // The CLI (which knows how to start the daemon) passes its client; library callers pass an
    // activator (an in-process ActivationEngine, say) or get none.
    this.activator = run.activator ?? activator ?? noActivation;
  }

  /** lvm.conf's devices/pv_min_size (KiB): devices below it are not looked at as PVs. */
  pvMinSectors(): number {
    return Math.max(1, this.config.int('devices/pv_min_size', 2048) * 2);
  }

  /** Activation is off with --driverloaded n, as lvm2's is without device-mapper. */
  get activationDisabled(): boolean {
    return this.opt('driverloaded') === 'n';
  }

  /** What is active right now (asked once per command; refreshed after activation changes). */
  async loadActivation(): Promise<ActiveLv[]> {
    this.active = this.activationDisabled ? [] : await this.activator.status();
    return this.active;
  }

  /** Every LV active right now, as loadActivation found them. */
  activeLvs(): ActiveLv[] {
    return this.active ?? [];
  }

  activeLv(vgId: string, lvId: string): ActiveLv | undefined {
    return this.active?.find((a) => a.vgId === vgId && a.lvId === lvId);
  }

  get opener(): DeviceOpener {
    return this.run.opener;
  }

  opt(name: string): string | undefined {
    return opt(this.args, name);
  }
  has(name: string): boolean {
    return has(this.args, name);
  }
  count(name: string): number {
    return count(this.args, name);
  }
  now(): number {
    return this.run.now ? this.run.now() : Math.floor(Date.now() / 1000);
  }

  // ----- messages ------------------------------------------------------------------------------
  /** log_print_unless_silent: only -qq silences it (a single -q just cancels -v and -d). */
  print(msg: string): void {
    if (this.count('quiet') < 2) this.run.io.out(`${this.prefix}${msg}\n`);
  }
  /** Report and display output: never silenced by -q. Its lines carry lvm2's log prefix too. */
  output(text: string): void {
    this.run.io.out(this.prefix === '  ' ? text : text.replace(/^ {2}/gm, this.prefix));
  }
  error(msg: string): void {
    this.run.io.err(`${this.prefix}${msg}\n`);
  }
  warn(msg: string): void {
    this.run.io.err(`${this.prefix}${msg}\n`);
  }
  verbose(level: number, msg: string): void {
    if (this.count('quiet') === 0 && this.count('verbose') >= level) this.run.io.err(`${this.prefix}${msg}\n`);
  }

  /** lvm.conf's log/prefix: what lvm2 puts before each message line (two spaces by default). */
  get prefix(): string {
    return (this.logPrefix ??= this.config.str('log/prefix', '  '));
  }
  private logPrefix?: string;

  /** A failure's lines as the CLI prints them: with the log prefix, lvm2's usage hint without. */
  failureText(lines: string[]): string {
    return lines.map((l) => `${l.startsWith('Run `') ? '  ' : this.prefix}${l}\n`).join('');
  }

  /** lvm2's yes_no_prompt: stderr, no prefix, no newline; EOF answers no. */
  prompt(question: string): boolean {
    if (this.has('yes')) return true;
    if (this.count('quiet') >= 2) {
      this.run.io.err(`${question}[n]\n`);
      return false;
    }
    for (;;) {
      this.run.io.err(question);
      const line = this.run.io.readLine();
      if (line === null) {
        this.run.io.err('[n]\n');
        return false;
      }
      const a = line.trim().toLowerCase();
      if (a === 'y' || a === 'ye' || a === 'yes') return true;
      if (a === 'n' || a === 'no') return false;
      this.run.io.err(`  WARNING: Invalid input '${line.trim()}'.\n`);
    }
  }

  // ----- devices -------------------------------------------------------------------------------
  /** Canonical name of a device argument: block devices keep their /dev name, files become absolute. */
  deviceName(arg: string): string {
    return arg.startsWith('/dev/') ? arg : resolve(this.run.cwd, arg);
  }

  devicesFileEntries(): DeviceEntry[] {
    return readDevicesFile(this.paths.devicesFile) ?? [];
  }

  private expanded?: string[];

  /**
   * The devices this command may look at: --devices, else the devices file. A disk carrying a
   * partition table stands for its partitions (`disk.img:p1` …), as lvm2 looks at /dev/sdb1 and
   * not at a partitioned /dev/sdb.
   */
  devicePaths(): string[] {
    const given = optAll(this.args, 'devices').flatMap((s) => s.split(',')).filter((s) => s);
    const list = given.length ? [...new Set(given.map((d) => this.deviceName(d)))] : [...new Set([...this.devicesFileEntries().map((e) => e.devName), ...this.extra])];
    const key = list.join('\0');
    if (this.expanded && (this.expanded as string[] & { key?: string }).key === key) return this.expanded;
    const out: string[] = [];
    for (const p of list) {
      const parts = splitPartitionName(p) ? undefined : this.partitionsOf(p);
      if (parts?.length) for (const part of parts) out.push(`${p}:p${part.index}`);
      else out.push(p);
    }
    this.expanded = Object.assign([...new Set(out)], { key });
    return this.expanded;
  }

  /** Partitions of a whole device (undefined when it has no table, or is a PV itself). */
  partitionsOf(path: string): Partition[] | undefined {
    let dev: BlockDevice;
    try {
      dev = this.opener.open(path, false);
    } catch {
      return undefined;
    }
    try {
      if (scanLabel(dev.read(0, 2048)).label) return undefined;
      return partitionsOf(dev);
    } finally {
      dev.close();
    }
  }

  /** Devices named on the command line (pvcreate, vgcreate) are looked at even before the devices file lists them. */
  alsoScan(names: string[]): void {
    for (const n of names) if (!this.extra.includes(n)) this.extra.push(n);
    this.scanned = undefined;
    this.expanded = undefined;
  }

  usesDevicesFile(): boolean {
    return optAll(this.args, 'devices').length === 0;
  }

  /** Records devices (and their PV ids) in the devices file, as pvcreate does with lvm2's. */
  addToDevicesFile(devs: { name: string; pvId?: string }[]): void {
    if (!this.usesDevicesFile()) return;
    const entries = this.devicesFileEntries();
    for (const d of devs) {
      const e = entries.find((x) => x.devName === d.name);
      const idType = d.name.startsWith('/dev/') ? 'devname' : 'file';
      if (e) {
        if (d.pvId) e.pvId = d.pvId;
      } else entries.push({ idType, idName: d.name, devName: d.name, ...(d.pvId ? { pvId: d.pvId } : {}) });
    }
    writeDevicesFile(this.paths.devicesFile, entries, this.args.command, new Date(this.now() * 1000));
  }

  removeFromDevicesFile(names: string[]): void {
    if (!this.usesDevicesFile()) return;
    const entries = this.devicesFileEntries().filter((e) => !names.includes(e.devName));
    writeDevicesFile(this.paths.devicesFile, entries, this.args.command, new Date(this.now() * 1000));
  }

  private warned = false;
  private readonly noticed = new Set<string>();
  /** VGs seen with a PV on two devices in this command's scans. */
  private readonly duplicateVgIds = new Set<string>();
  /** The device list a settled scan was made for; a command that changed it since scans afresh. */
  private settledKey?: string;

  private devicesKey(): string | undefined {
    return (this.devicePaths() as string[] & { key?: string }).key;
  }

  private scanNow(): Scan {
    return scanDevices(this.opener, this.devicePaths(), this.parsedCache, this.pvMinSectors());
  }

  /** Copies that disagree while another command holds the VG's lock are a commit in progress. */
  private midCommit(scan: Scan): boolean {
    return scan.all().some((f) => f.inconsistent && this.locks.vgBusy(f.vg.name));
  }

  /**
   * Scans, waiting (with timers, never blocking the event loop) while another command is
   * mid-commit on a VG, so readers never see a half-written VG; scan() then uses this scan.
   * Run before each command and after each lock taken. A scan that fails is left to scan() to
   * fail again where the command first needs the devices.
   */
  async settleScan(): Promise<void> {
    let scan: Scan;
    try {
      scan = this.scanNow();
      // The lock may also have been released between our read and our look at it: then one more
      // scan tells a finished commit from real damage.
      let rescannedFree = false;
      for (let tries = 0; tries < 500; tries++) {
        if (!scan.all().some((f) => f.inconsistent)) break;
        const busy = this.midCommit(scan);
        if (!busy && rescannedFree) break;
        if (busy) await new Promise((done) => setTimeout(done, 10));
        else rescannedFree = true;
        scan = this.scanNow();
      }
    } catch {
      this.scanned = undefined;
      this.settledKey = undefined;
      return;
    }
    this.scanned = scan;
    this.settledKey = this.devicesKey();
  }

  /** Scans the devices; the first scan of a command prints lvm2's warnings about what it found. */
  scan(refresh = false): Scan {
    // Checked once: from then on the command's own scans (and their identity) are kept as before.
    if (this.settledKey !== undefined) {
      if (this.scanned && this.settledKey !== this.devicesKey()) this.scanned = undefined;
      this.settledKey = undefined;
    }
    if (!this.scanned || refresh) {
      // A scan of our own from here on: the settled one (and its device list) is history, or a
      // later call would drop this scan and hand out devices no longer in the scan it returns.
      this.settledKey = undefined;
      this.scanned = this.scanNow();
      // The waiting is settleScan's; here a lock released between our read and our look at it
      // gets one more scan, which tells a finished commit from real damage.
      if (this.scanned.all().some((f) => f.inconsistent)) this.scanned = this.scanNow();
    }
    for (const f of this.scanned.all()) if (f.duplicatePvs) this.duplicateVgIds.add(f.vg.id);
    // A VG name shared by two VGs is news whenever it shows up: lvm2's cache warns as it learns
    // of it, which may be after this command wrote one of them (vgcreate of a duplicate name).
    for (const n of this.scanned.notices) {
      if (this.noticed.has(n.message)) continue;
      this.noticed.add(n.message);
      this.warn(`WARNING: ${n.message}`);
      if (n.hint) this.warn(n.hint);
    }
    if (!this.warned) {
      this.warned = true;
      for (const d of this.scanned.devices) {
        for (const m of d.mdas) for (const w of m.warnings) this.warn(w);
        for (const w of d.warnings) this.warn(w);
      }
      for (const p of this.scanned.problems) this.warn(`WARNING: ${p.message}`);
      for (const f of this.scanned.all()) for (const w of f.warnings) this.warn(w);
    }
    return this.scanned;
  }

  // ----- commits -------------------------------------------------------------------------------
  private description(): string {
    this.writes++;
    const d = this.writes === 1 ? `Write from ${this.cmdline}.` : `Write[${this.writes - 1}] from ${this.cmdline}.`;
    // lvm2 formats it into a 2048-byte buffer: a long command line is cut (its final "." too),
    // which the metadata's size, and so what fits in a metadata area, depends on.
    const bytes = new TextEncoder().encode(d);
    return bytes.length < DESCRIPTION_MAX ? d : new TextDecoder().decode(bytes.subarray(0, DESCRIPTION_MAX - 1)).replace(/\uFFFD$/, '');
  }

  /**
   * Commits `vg` with seqno one above `old` (or 1 for a new VG) to the PVs in `devicePaths`.
   * The previous metadata goes to the archive first and the result to the backup, as in lvm2.
   */
  commit(vg: VolumeGroup, devicePaths: string[], old?: VolumeGroup, opts: { repair?: boolean; backup?: boolean } = {}): void {
    // A PV on two devices: which copy would be written? lvm2's vg_write refuses. (Known from the
    // scans made so far: a commit does not rescan for it.)
    if (old && this.duplicateVgIds.has(vg.id) && this.config.int('devices/allow_changes_with_duplicate_pvs', 0) === 0)
      fail(`Cannot update volume group ${vg.name} with duplicate PV devices.`, 5, 'PV_DUPLICATE', { vg: vg.name });
    vg.seqno = old ? old.seqno + 1 : 1;
    const t = this.now();
    // As lvm2 does, the metadata is archived once per command: before its first write of the VG.
    if (old && !this.archived.has(vg.id)) this.archive(old);
    this.archived.add(vg.id);
    let done: ReturnType<typeof commitVg>;
    try {
      done = commitVg(this.opener, vg, devicePaths, textHeader(this.description(), t), { ...(opts.repair ? { repair: true } : {}), skipFullMdas: handlesMissingPvs(this.args) });
    } catch (e) {
      // A PV that refuses the write (read-only device, no write permission): lvm2's vg_write failure.
      if (e instanceof DeviceWriteError) fail([e.message, `Failed to write metadata to ${e.path}.`, `Failed to write VG ${vg.name}.`], 5, 'DEVICE_WRITE', { vg: vg.name, device: e.path });
      throw e;
    }
    for (const w of done.warnings) this.warn(w);
    this.parsedCache.put(vg, done.checksum, done.size);
    this.scanned = undefined;
    // As lvm2 does, the backup is written once the command has finished with the VG (a write
    // that only guards a later one, as vgmerge's export of its source, leaves the backup be).
    if (opts.backup !== false) this.pendingBackups.set(vg.name, vg);
  }

  private pendingBackups = new Map<string, VolumeGroup>();
  /** VGs (by id) this command has archived or created. */
  private readonly archived = new Set<string>();

  /** Writes the backups of the VGs this command committed (called when the command ends). */
  flushBackups(): void {
    for (const vg of this.pendingBackups.values()) this.backup(vg);
    this.pendingBackups.clear();
  }

  /** Keeps the metadata as it was before this command changed it. */
  archive(old: VolumeGroup): void {
    if (!this.config.int('backup/archive', 1) || this.opt('autobackup') === 'n') return;
    try {
      // lvm2 says it is archiving only once the directory is known to be usable.
      writeArchive(this.paths.archiveDir, old, textHeader(`Created *before* executing '${this.cmdline}'`, this.now()), this.config.int('backup/retain_min', 10), this.config.int('backup/retain_days', 30), this.paths.backupDir, () =>
        this.verbose(1, `Archiving volume group "${old.name}" metadata (seqno ${old.seqno}).`),
      );
    } catch (e) {
      // No archive, no change: lvm2 stops here, and with no message of its own on a read-only fs.
      if (e instanceof BackupError) fail(e.lines.length ? e.lines : ['Command failed with status code 5.'], 5, 'BACKUP');
      throw e;
    }
  }

  private backupWarned = false;

  /**
   * Writes the backup of `vg`. A failure is reported and the command goes on, as in lvm2; returns
   * false when the backup could not be written. `required` (vgcfgbackup): the command fails then, and a
   * silent skip (read-only filesystem) gets lvm2's generic "Command failed" line.
   */
  backup(vg: VolumeGroup, required = false): boolean {
    // vgcfgbackup (`required`) forces the backup whatever lvm.conf says, as lvm2's backup_enable(cmd, 1).
    if (!required && (!this.config.int('backup/backup', 1) || this.opt('autobackup') === 'n')) {
      if (!this.backupWarned) this.warn('WARNING: This metadata update is NOT backed up.');
      this.backupWarned = true;
      return true; // switched off is not a failure (lvm2's backup_locally returns success)
    }
    this.verbose(1, `Creating volume group backup "${this.paths.backupDir}/${vg.name}" (seqno ${vg.seqno}).`);
    try {
      const written = writeBackup(this.paths.backupDir, vg, textHeader(`Created *after* executing '${this.cmdline}'`, this.now()));
      if (!written && required) this.error('Command failed with status code 5.');
      return written;
    } catch (e) {
      if (!(e instanceof BackupError)) throw e;
      for (const l of e.lines) this.error(l);
      return false;
    }
  }

  /** Device paths of the PVs of a VG about to be written; lvm2 refuses while PVs are missing. */
  pvPaths(found: FoundVg, allowMissing = false): string[] {
    if (found.missing.size && !allowMissing)
      fail([`Cannot change VG ${found.vg.name} while PVs are missing.`, 'See vgreduce --removemissing and vgextend --restoremissing.', `Cannot process volume group ${found.vg.name}`], 5, 'PV_MISSING', { vg: found.vg.name });
    return found.vg.pvs.flatMap((pv) => {
      const d = found.pvDevices.get(pv.id);
      return d ? [d.path] : [];
    });
  }
}
