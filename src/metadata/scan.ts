// Reading what is on the devices: labels, metadata areas, and the newest copy of each VG.
import type { BlockDevice, DeviceOpener } from '../devices/device.ts';
import { scanLabel, type PvLabel, type LabelProblem, LABEL_SCAN_SECTORS, SECTOR_SIZE, PV_EXT_USED } from '../formats/label.ts';
import { decodeMdaHeader, type MdaHeader, MDA_HEADER_SIZE, RAW_LOCN_IGNORED } from '../formats/mda-header.ts';
import { layoutText, maxMetadataSize } from '../formats/circular.ts';
import { lvmCrc } from '../formats/crc.ts';
import { importVgText, MetadataError } from '../formats/vg-text.ts';
import { ConfigParseError } from '../formats/config-text.ts';
import type { VolumeGroup } from '../model/types.ts';
import { PV_MIN_SIZE_SECTORS } from '../model/layout.ts';
import { formatId } from '../formats/uuid.ts';
import type { ParsedCache } from './parsed-cache.ts';
import { UlvmError } from '../errors.ts';

export interface ScannedMda {
  /** Absolute byte offset of the mda header. */
  offset: number;
  size: number;
  header?: MdaHeader;
  /** Why this area could not be used (short form, for pvck/vgck). */
  problem?: string;
  /** lvm2's warning lines for this area, printed when commands scan. */
  warnings: string[];
  text?: string;
  vgName?: string;
  vgId?: string;
  seqno?: number;
}

export interface ScannedDevice {
  path: string;
  sizeSectors: number;
  label?: PvLabel;
  labelRejected: { sector: number; problem: LabelProblem }[];
  mdas: ScannedMda[];
  /** Why the device could not be used at all (not found, too small). */
  error?: string;
  /** Device-level warnings lvm2 prints after the per-area ones. */
  warnings: string[];
  /**
   * No metadata area gave a summary and at least one was bad (lvm2's _text_read failing): the
   * scan "failed to process" the device, which makes lvm2's exclusive rescan refuse it.
   */
  summaryFailed: boolean;
  /**
   * Another device carries the same PV (a copied disk image, a second path): this one is not
   * used, lvm2's "Not using device"; the path of the one used instead.
   */
  duplicateOf?: string;
  /** `major:minor` of a block device (lvm2's pv_major/pv_minor); undefined for image files. */
  devNumber?: string;
}

/** The PV header's "used by a VG" flag (PV_EXT_USED), as lvmcache_ext_flags reads it. */
export function pvExtUsed(label: PvLabel): boolean {
  return (label.extFlags & PV_EXT_USED) !== 0;
}

function headerWarnings(problem: string, raw: Uint8Array, path: string, at: number): string[] {
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (problem === 'bad-checksum') return [`WARNING: wrong checksum ${dv.getUint32(0, true).toString(16)} in mda header on ${path} at ${at}`];
  if (problem === 'bad-magic') return [`WARNING: wrong magic number in mda header on ${path} at ${at}`];
  if (problem === 'bad-version') return [`WARNING: wrong version ${dv.getUint32(20, true)} in mda header on ${path} at ${at}`];
  if (problem === 'bad-start') return [`WARNING: wrong start sector ${Number(dv.getBigUint64(24, true))} in mda header on ${path} at ${at}`];
  return [];
}

function summaryWarnings(path: string, mdaNum: number): string[] {
  return [`WARNING: scanning ${path} mda${mdaNum} failed to read metadata summary.`, `WARNING: repair VG metadata on ${path} with vgck --updatemetadata.`];
}

/**
 * Texts already verified in this scan, by checksum and size: every PV of a VG carries the same
 * copy, so the others are checked by comparing bytes (memcmp) instead of running the CRC again,
 * and decoded once.
 */
export type TextCache = Map<string, { bytes: Buffer; text: string }>;

function readText(dev: BlockDevice, mda: ScannedMda, h: MdaHeader, cache: TextCache): string {
  const loc = h.committed;
  const pieces = layoutText(h.size, loc.offset, loc.size);
  const buf = Buffer.alloc(loc.size);
  for (const p of pieces) buf.set(dev.read(mda.offset + p.offset, p.length), p.from);
  const key = `${loc.checksum}:${loc.size}`;
  const known = cache.get(key);
  if (known && known.bytes.equals(buf)) return known.text;
  if (lvmCrc(buf) !== loc.checksum) throw new MetadataError(`Checksum error at offset ${mda.offset + loc.offset}`);
  const nul = buf.indexOf(0);
  const text = buf.toString('utf8', 0, nul >= 0 ? nul : buf.length);
  cache.set(key, { bytes: buf, text });
  return text;
}

const HEAD_RE = /^([^\s{]+) \{\nid = "([^"]*)"\nseqno = (\d+)\n/;

/** `minSectors`: lvm.conf's devices/pv_min_size (2 MiB by default); smaller devices are no PVs. */
export function scanDevice(opener: DeviceOpener, path: string, cache: TextCache = new Map(), minSectors = PV_MIN_SIZE_SECTORS): ScannedDevice {
  const sd: ScannedDevice = { path, sizeSectors: 0, labelRejected: [], mdas: [], warnings: [], summaryFailed: false };
  const num = opener.deviceNumber?.(path);
  if (num) sd.devNumber = num;
  let dev: BlockDevice;
  try {
    dev = opener.open(path, false);
  } catch {
    sd.error = 'device not found';
    return sd;
  }
  try {
    sd.sizeSectors = Math.floor(dev.size / SECTOR_SIZE);
    if (sd.sizeSectors < minSectors) {
      sd.error = 'device is too small (pv_min_size)';
      return sd;
    }
    const head = dev.read(0, LABEL_SCAN_SECTORS * SECTOR_SIZE);
    const ls = scanLabel(head);
    sd.labelRejected = ls.rejected;
    if (!ls.label) return sd;
    sd.label = ls.label;
    for (const l of ls.label.metadataAreas) {
      const m: ScannedMda = { offset: l.offset, size: l.size, warnings: [] };
      sd.mdas.push(m);
      const mdaNum = sd.mdas.length;
      const raw = dev.read(l.offset, MDA_HEADER_SIZE);
      const h = decodeMdaHeader(raw, l.offset);
      if (typeof h === 'string') {
        m.problem = `Failed to read metadata area header on ${path} at ${l.offset}: ${h}`;
        m.warnings.push(...headerWarnings(h, raw, path, l.offset), `WARNING: bad metadata header on ${path} at ${l.offset}.`, ...summaryWarnings(path, mdaNum));
        continue;
      }
      if (h.size !== l.size) {
        // The label says how big the area is; a header claiming otherwise cannot be trusted.
        m.problem = `Metadata area header on ${path} at ${l.offset} claims size ${h.size}, the label says ${l.size}.`;
        m.warnings.push(`WARNING: bad metadata header on ${path} at ${l.offset}.`, ...summaryWarnings(path, mdaNum));
        continue;
      }
      m.header = h;
      const c = h.committed;
      if (c.offset === 0 || c.flags & RAW_LOCN_IGNORED) continue;
      if (c.size > maxMetadataSize(h.size) + MDA_HEADER_SIZE * 2 || c.offset < MDA_HEADER_SIZE) {
        m.problem = `Metadata location on ${path} at ${l.offset + c.offset} has invalid size ${c.size}.`;
        continue;
      }
      try {
        const text = readText(dev, m, h, cache);
        const mm = HEAD_RE.exec(text);
        if (!mm) throw new MetadataError(`Metadata on ${path} at ${l.offset + c.offset} has invalid VG name or header.`);
        m.text = text;
        m.vgName = mm[1]!;
        m.vgId = mm[2]!.replace(/-/g, '');
        m.seqno = parseInt(mm[3]!, 10);
      } catch (e) {
        m.problem = `${(e as Error).message} on ${path}`;
        m.warnings.push(`WARNING: bad metadata text on ${path} in mda${mdaNum}`, ...summaryWarnings(path, mdaNum));
      }
    }
    // An empty or ignored area is neither good nor bad; one bad area and no good one fails the scan.
    sd.summaryFailed = sd.mdas.some((m) => m.problem) && !sd.mdas.some((m) => m.text);
    if (sd.summaryFailed) sd.warnings.push(`WARNING: scan failed to get metadata summary from ${path} PVID ${ls.label.pvId}`);
    return sd;
  } finally {
    dev.close();
  }
}

/** A VG as found on disk: the parsed newest copy and where its PVs are. */
export interface FoundVg {
  vg: VolumeGroup;
  /** Devices of present PVs, by PV id. */
  pvDevices: Map<string, ScannedDevice>;
  missing: Set<string>;
  /** Some copies carry an older seqno or differ (lvm2's "Inconsistent metadata"). */
  inconsistent: boolean;
  /** lvm2's warnings about this VG (missing PVs, stale copies), printed when it is read. */
  warnings: string[];
  /** Some of its PVs appear on more than one device: lvm2 neither changes nor activates it. */
  duplicatePvs: boolean;
}

export interface VgProblem {
  vgName: string;
  message: string;
  /** A line printed after the warning, without the WARNING: prefix. */
  hint?: string;
}

/**
 * Two or more VGs carry the name a command was given (lvm2 refuses to guess which one is meant;
 * acting on an arbitrary one would rename or remove the wrong VG).
 */
export class DuplicateVgNameError extends UlvmError {
  constructor(readonly vgName: string) {
    super('VG_NAME_AMBIGUOUS', [`Multiple VGs found with the same name: skipping ${vgName}`, 'Use --select vg_uuid=<uuid> in place of the VG name.'], 5, { vg: vgName });
  }
}

export class Scan {
  readonly byPvId = new Map<string, ScannedDevice>();
  /** Every VG found with a name, in the order found. */
  private byName = new Map<string, FoundVg[]>();
  readonly problems: VgProblem[] = [];
  /** Warnings that are not failures: VG names used by more than one VG. */
  readonly notices: VgProblem[] = [];
  /** VGs in the order lvm2's cache lists them (last found first). */
  private readonly order: FoundVg[] = [];

  constructor(
    readonly devices: ScannedDevice[],
    private readonly parsed?: ParsedCache,
  ) {
    const byId = new Map<string, ScannedDevice[]>();
    for (const d of devices) if (d.label) byId.set(d.label.pvId, [...(byId.get(d.label.pvId) ?? []), d]);
    for (const [pvId, list] of byId) {
      const chosen = list.length > 1 ? this.preferDuplicate(pvId, list) : { dev: list[0]!, reason: '' };
      this.byPvId.set(pvId, chosen.dev);
      if (list.length === 1) continue;
      this.duplicatePvIds.add(pvId);
      const id = formatId(pvId);
      for (const d of list) if (d !== chosen.dev) (d.duplicateOf = chosen.dev.path), this.notices.push({ vgName: '', message: `Not using device ${d.path} for PV ${id}.` });
      this.notices.push({ vgName: '', message: `PV ${id} prefers device ${chosen.dev.path} because ${chosen.reason}.` });
    }
    this.assemble();
  }

  /** PV ids found on more than one device. */
  readonly duplicatePvIds = new Set<string>();

  /**
   * lvm2's choice among devices carrying one PV (lvmcache's _choose_duplicates), of the rules it
   * has that apply here: the size the VG metadata records, then the device name it records, then
   * the device seen first.
   */
  private preferDuplicate(pvId: string, list: ScannedDevice[]): { dev: ScannedDevice; reason: string } {
    let pv: { device: string; devSize: number } | undefined;
    for (const d of list)
      for (const m of d.mdas)
        if (m.text && !pv)
          try {
            pv = importVgText(m.text).vg.pvs.find((p) => p.id === pvId);
          } catch {
            /* a copy that does not parse says nothing about the PV */
          }
    let dev = list[0]!;
    let reason = 'device was seen first';
    for (const alt of list.slice(1)) {
      const size = (d: ScannedDevice) => pv !== undefined && d.sizeSectors === pv.devSize;
      const name = (d: ScannedDevice) => pv !== undefined && d.path === pv.device;
      if (size(dev) !== size(alt)) {
        reason = 'device size is correct';
        if (size(alt)) dev = alt;
      } else if (name(dev) !== name(alt)) {
        reason = 'device name matches previous';
        if (name(alt)) dev = alt;
      } else reason = 'device was seen first';
    }
    return { dev, reason };
  }

  private assemble(): void {
    // Group copies by VG id; the highest seqno wins.
    const groups = new Map<string, { mda: ScannedMda; dev: ScannedDevice }[]>();
    for (const d of this.devices)
      for (const m of d.mdas) {
        if (!m.text || !m.vgId || d.duplicateOf) continue;
        let g = groups.get(m.vgId);
        if (!g) groups.set(m.vgId, (g = []));
        g.push({ mda: m, dev: d });
      }
    for (const copies of groups.values()) {
      const best = copies.reduce((a, b) => (b.mda.seqno! > a.mda.seqno! ? b : a));
      let vg: VolumeGroup;
      try {
        vg = this.parsed ? this.parsed.get(best.mda, () => importVgText(best.mda.text!).vg) : importVgText(best.mda.text!).vg;
      } catch (e) {
        const detail = e instanceof ConfigParseError || e instanceof MetadataError ? e.message : String(e);
        this.problems.push({ vgName: best.mda.vgName!, message: `Failed to read metadata of VG ${best.mda.vgName} from ${best.dev.path}: ${detail}` });
        continue;
      }
      const warnings: string[] = [];
      const pvDevices = new Map<string, ScannedDevice>();
      const missing = new Set<string>();
      for (const pv of vg.pvs) {
        const d = this.byPvId.get(pv.id);
        if (d) pvDevices.set(pv.id, d);
        else {
          missing.add(pv.id);
          warnings.push(`WARNING: Couldn't find device with uuid ${formatId(pv.id)}.`, `WARNING: VG ${vg.name} is missing PV ${formatId(pv.id)} (last written to ${pv.device || '[unknown]'}).`);
        }
      }
      const stale = copies.filter((c) => c.mda.seqno !== best.mda.seqno || c.mda.text !== best.mda.text);
      for (const c of stale) warnings.push(`WARNING: ignoring metadata seqno ${c.mda.seqno} on ${c.dev.path} for seqno ${best.mda.seqno} on ${best.dev.path} for VG ${vg.name}.`);
      if (stale.length) warnings.push(`WARNING: Inconsistent metadata found for VG ${vg.name}.`, 'See vgck --updatemetadata to correct inconsistency.');
      const inconsistent = stale.length > 0;
      const found: FoundVg = { vg, pvDevices, missing, inconsistent, warnings, duplicatePvs: vg.pvs.some((p) => this.duplicatePvIds.has(p.id)) };
      const same = this.byName.get(vg.name);
      // lvmcache's warning when a second VG id arrives under a known name: the new id, then the first.
      if (same) this.notices.push({ vgName: vg.name, message: `VG name ${vg.name} is used by VGs ${formatId(vg.id)} and ${formatId(same[0]!.vg.id)}.`, hint: 'Fix duplicate VG names with vgrename uuid, a device filter, or system IDs.' });
      if (same) same.push(found);
      else this.byName.set(vg.name, [found]);
      this.order.unshift(found);
    }
  }

  /** Names of the VGs found, sorted, each once. */
  vgNames(): string[] {
    return [...this.byName.keys()].sort();
  }

  /** VGs sorted by name (duplicates in the order found, last first), for commands given no VG names. */
  sortedByName(): FoundVg[] {
    return this.all().sort((a, b) => (a.vg.name < b.vg.name ? -1 : a.vg.name > b.vg.name ? 1 : 0));
  }

  /** Whether any VG found carries this name. */
  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** Two or more VGs carry this name: commands naming it must refuse (DuplicateVgNameError). */
  isDuplicate(name: string): boolean {
    return (this.byName.get(name)?.length ?? 0) > 1;
  }

  /** The VG of this name; throws DuplicateVgNameError when the name does not say which VG. */
  get(name: string): FoundVg | undefined {
    const list = this.byName.get(name);
    if (list && list.length > 1) throw new DuplicateVgNameError(name);
    return list?.[0];
  }

  /** The VG with this id (32 characters, no dashes). */
  byId(id: string): FoundVg | undefined {
    return this.order.find((f) => f.vg.id === id);
  }

  all(): FoundVg[] {
    return [...this.order];
  }

  /** The VG a device's PV belongs to, if any. */
  vgOfDevice(d: ScannedDevice): FoundVg | undefined {
    if (!d.label) return undefined;
    for (const f of this.order) if (f.pvDevices.get(d.label.pvId) === d) return f;
    return undefined;
  }

  device(path: string): ScannedDevice | undefined {
    return this.devices.find((d) => d.path === path);
  }

  /**
   * The VG a device's own metadata areas name (lvmcache_vgname_from_info before any VG is read):
   * a PV without readable metadata of its own has none, even when another PV's metadata lists it.
   */
  summaryVgOf(d: ScannedDevice): FoundVg | undefined {
    const ids = new Set(d.mdas.filter((m) => m.text).map((m) => m.vgId));
    return this.all().find((f) => ids.has(f.vg.id) && f.pvDevices.get(d.label?.pvId ?? '') === d);
  }

  /** PVs outside every VG found (lvm2's orphan VG), in scan order. */
  orphans(): ScannedDevice[] {
    return this.devices.filter((d) => d.label && !d.error && !d.duplicateOf && !this.vgOfDevice(d));
  }
}

/**
 * What lvm2 says when it reads the orphan VG and meets a PV whose header says it is used by a VG
 * (vg_read_orphans → _vg_read_orphan_pv): its metadata is damaged, or lives only on PVs not present.
 */
export function usedOrphanWarnings(d: ScannedDevice): string[] {
  if (!d.label || d.label.extVersion < 2 || !pvExtUsed(d.label)) return [];
  return [`WARNING: PV ${d.path} is marked in use but no VG was found using it.`, `WARNING: PV ${d.path} might need repairing.`];
}

export function scanDevices(opener: DeviceOpener, paths: string[], parsed?: ParsedCache, minSectors = PV_MIN_SIZE_SECTORS): Scan {
  const cache: TextCache = new Map();
  return new Scan(paths.map((p) => scanDevice(opener, p, cache, minSectors)), parsed);
}
