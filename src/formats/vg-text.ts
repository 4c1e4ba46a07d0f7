// VG text metadata: export byte-identical to lvm2's raw (on-disk) and file (backup) layouts, and import.
import type { LogicalVolume, PhysicalVolume, Segment, SegmentBase, VolumeGroup } from '../model/types.ts';
import { areaExtents, isVisible, lvIsVisible, segAreas } from '../model/types.ts';
import type { TextImportCtx, TextWriter } from '../segtypes/handler.ts';
import { handlerForType, segtypeOf } from '../segtypes/index.ts';
import { formatId, parseId } from './uuid.ts';
import { UlvmError } from '../errors.ts';
import { type ConfigNode, type ConfigScalar, type ConfigValue, findNode, parseConfig, quote } from './config-text.ts';

export const LVM_VERSION = '2.03.16(2) (2022-05-18)';

export interface TextHeader {
  description: string;
  /** uname fields for the creation_host comment. */
  nodename: string;
  sysname: string;
  release: string;
  version: string;
  machine: string;
  /** Unix seconds. */
  time: number;
  /** Renders a time the way C's ctime() does, including the trailing newline. */
  ctime: (t: number) => string;
  /** Renders a time as strftime("%Y-%m-%d %T %z") in local time. */
  localTime: (t: number) => string;
}

type Mode = 'raw' | 'file';

class Out {
  lines: string[] = [];
  indent = 0;
  constructor(readonly mode: Mode) {}
  line(text: string, comment?: string): void {
    if (this.mode === 'raw') {
      this.lines.push(text);
      return;
    }
    let s = '\t'.repeat(this.indent) + text;
    if (comment) {
      // lvm2 lines comments up on tab stops: column of the text in units of 8, at least one tab.
      let i = Math.floor((text.length + 8 * this.indent) / 8) + 1;
      do s += '\t';
      while (++i < 6);
      s += comment;
    }
    this.lines.push(s);
  }
  nl(): void {
    this.lines.push('');
  }
  size(sectors: number, text: string): void {
    this.line(text, sectorsComment(sectors));
  }
}

/** `# 4 Megabytes`: C's %g of the size in the largest unit not exceeded (strictly) by 1024. */
export function sectorsComment(sectors: number): string {
  const units = ['Kilobytes', 'Megabytes', 'Gigabytes', 'Terabytes', 'Petabytes', 'Exabytes'];
  let d = sectors / 2;
  let i = 0;
  while (d > 1024 && i < units.length - 1) {
    d /= 1024;
    i++;
  }
  return `# ${formatG(d)} ${units[i]}`;
}

/** C printf %g with the default precision of 6. */
export function formatG(d: number): string {
  if (d === 0) return '0';
  const exp = Math.floor(Math.log10(Math.abs(d)));
  if (exp < -4 || exp >= 6) {
    const [m, e] = d.toExponential(5).split('e') as [string, string];
    const mant = m.includes('.') ? m.replace(/0+$/, '').replace(/\.$/, '') : m;
    const en = parseInt(e, 10);
    return `${mant}e${en < 0 ? '-' : '+'}${String(Math.abs(en)).padStart(2, '0')}`;
  }
  const s = d.toPrecision(6);
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

function strList(items: string[]): string {
  return '[' + items.map((s) => `"${s}"`).join(', ') + ']';
}

function scalarText(v: ConfigScalar): string {
  if (v.kind === 'string') return quote(v.value);
  return String(v.value);
}

function valueText(v: ConfigValue): string {
  if (v.kind === 'array') return '[' + v.items.map(scalarText).join(', ') + ']';
  return scalarText(v);
}

function printVg(o: Out, vg: VolumeGroup): void {
  o.line(`id = "${formatId(vg.id)}"`);
  o.line(`seqno = ${vg.seqno}`);
  o.line(`format = "lvm2"`, '# informational');
  o.line(`status = ${strList(vg.status)}`);
  o.line(`flags = ${strList(vg.flags)}`);
  if (vg.tags.length) o.line(`tags = ${strList(vg.tags)}`);
  if (vg.systemId) o.line(`system_id = "${vg.systemId}"`);
  if (vg.lockType) {
    o.line(`lock_type = "${vg.lockType}"`);
    if (vg.lockArgs) o.line(`lock_args = "${vg.lockArgs}"`);
  }
  o.size(vg.extentSize, `extent_size = ${vg.extentSize}`);
  o.line(`max_lv = ${vg.maxLv}`);
  o.line(`max_pv = ${vg.maxPv}`);
  if (vg.allocationPolicy && vg.allocationPolicy !== 'normal' && vg.allocationPolicy !== 'inherit') {
    o.nl();
    o.line(`allocation_policy = "${vg.allocationPolicy}"`);
  }
  if (vg.profile) o.line(`profile = "${vg.profile}"`);
  o.line(`metadata_copies = ${vg.metadataCopies}`);
}

function printPvs(o: Out, vg: VolumeGroup): void {
  o.line('physical_volumes {');
  o.indent++;
  vg.pvs.forEach((pv, i) => {
    o.nl();
    o.line(`pv${i} {`);
    o.indent++;
    o.line(`id = "${formatId(pv.id)}"`);
    o.line(`device = ${quote(pv.device)}`, '# Hint only');
    o.nl();
    if (pv.deviceIdType && pv.deviceId) {
      o.line(`device_id_type = "${pv.deviceIdType}"`);
      o.line(`device_id = "${pv.deviceId}"`);
    }
    o.line(`status = ${strList(pv.status)}`);
    o.line(`flags = ${strList(pv.flags)}`);
    if (pv.tags.length) o.line(`tags = ${strList(pv.tags)}`);
    o.size(pv.devSize, `dev_size = ${pv.devSize}`);
    o.line(`pe_start = ${pv.peStart}`);
    o.size(vg.extentSize * pv.peCount, `pe_count = ${pv.peCount}`);
    if (pv.baStart && pv.baSize) {
      o.line(`ba_start = ${pv.baStart}`);
      o.size(pv.baSize, `ba_size = ${pv.baSize}`);
    }
    o.indent--;
    o.line('}');
  });
  o.indent--;
  o.line('}');
}

/** The segment's view of the text being written: its type's keys go at the segment's indentation. */
function segmentWriter(o: Out, vg: VolumeGroup, pvNames: Map<string, string>): TextWriter {
  return {
    extentSize: vg.extentSize,
    line: (text, comment) => o.line(text, comment),
    nl: () => o.nl(),
    size: (sectors, text) => o.size(sectors, text),
    block(open, body, close) {
      o.line(open);
      o.indent++;
      body();
      o.indent--;
      o.line(close);
    },
    pvName(pvId) {
      const name = pvNames.get(pvId);
      // A bug, reported as lvm2 reports its own: one line, no stack trace.
      if (!name) throw new UlvmError('FAILED', [`Internal error: PV ${formatId(pvId)} is not in volume group ${vg.name}.`], 5, { vg: vg.name });
      return name;
    },
  };
}

function printSegment(o: Out, vg: VolumeGroup, seg: Segment, index: number, pvNames: Map<string, string>): void {
  o.line(`segment${index} {`);
  o.indent++;
  o.line(`start_extent = ${seg.startExtent}`);
  o.size(seg.extentCount * vg.extentSize, `extent_count = ${seg.extentCount}`);
  o.nl();
  if (seg.reshapeCount) o.size(seg.reshapeCount * vg.extentSize, `reshape_count = ${seg.reshapeCount}`);
  o.line(`type = "${seg.type}"`);
  if (seg.tags.length) o.line(`tags = ${strList(seg.tags)}`);
  segtypeOf(seg).textExport(seg, segmentWriter(o, vg, pvNames));
  o.indent--;
  o.line('}');
}

function printLv(o: Out, vg: VolumeGroup, lv: LogicalVolume, header: TextHeader, pvNames: Map<string, string>): void {
  o.nl();
  o.line(`${lv.name} {`);
  o.indent++;
  o.line(`id = "${formatId(lv.id)}"`);
  o.line(`status = ${strList(lv.status)}`);
  o.line(`flags = ${strList(lv.flags)}`);
  if (lv.tags.length) o.line(`tags = ${strList(lv.tags)}`);
  if (lv.creationTime) {
    o.line(`creation_time = ${lv.creationTime}`, '# ' + header.localTime(lv.creationTime));
    o.line(`creation_host = ${quote(lv.creationHost ?? '')}`);
  }
  if (lv.lockArgs) o.line(`lock_args = "${lv.lockArgs}"`);
  if (lv.allocationPolicy && lv.allocationPolicy !== 'inherit') o.line(`allocation_policy = "${lv.allocationPolicy}"`);
  if (lv.profile) o.line(`profile = "${lv.profile}"`);
  if (lv.readAhead === -1) o.line('read_ahead = -1', '# None');
  else if (lv.readAhead !== undefined && lv.readAhead > 0) o.line(`read_ahead = ${lv.readAhead}`);
  if (lv.major !== undefined && lv.major >= 0) o.line(`major = ${lv.major}`);
  if (lv.minor !== undefined && lv.minor >= 0) o.line(`minor = ${lv.minor}`);
  o.line(`segment_count = ${lv.segments.length}`);
  o.nl();
  lv.segments.forEach((s, i) => printSegment(o, vg, s, i + 1, pvNames));
  o.indent--;
  o.line('}');
}

function printHistorical(o: Out, nodes: ConfigNode[]): void {
  for (const n of nodes) {
    if (n.children) {
      o.nl();
      o.line(`${n.key} {`);
      o.indent++;
      printHistorical(o, n.children);
      o.indent--;
      o.line('}');
    } else if (n.value) o.line(`${n.key} = ${valueText(n.value)}`);
  }
}

function printVgSection(o: Out, vg: VolumeGroup, header: TextHeader): void {
  const pvNames = new Map(vg.pvs.map((pv, i) => [pv.id, `pv${i}`] as const));
  o.line(`${vg.name} {`);
  o.indent++;
  printVg(o, vg);
  o.nl();
  printPvs(o, vg);
  o.nl();
  if (vg.lvs.length) {
    o.line('logical_volumes {');
    o.indent++;
    // Only a VG with snapshots needs the full rule; the VISIBLE flag decides everywhere else.
    const hasSnapshots = vg.lvs.some((l) => l.segments.some((s) => s.kind === 'snapshot'));
    const visible = vg.lvs.map((lv) => (hasSnapshots ? lvIsVisible(vg, lv) : isVisible(lv)));
    vg.lvs.forEach((lv, i) => visible[i] && printLv(o, vg, lv, header, pvNames));
    vg.lvs.forEach((lv, i) => !visible[i] && printLv(o, vg, lv, header, pvNames));
    o.indent--;
    o.line('}');
  }
  // lvm2 puts an empty line after the LV section whether or not there is one (so an LV-less VG
  // has two), and none after the historical one.
  o.nl();
  if (vg.historicalLvs?.length) {
    o.line('historical_logical_volumes {');
    o.indent++;
    printHistorical(o, vg.historicalLvs);
    o.indent--;
    o.line('}');
  }
  o.indent--;
  o.line('}');
}

function printHeader(o: Out, h: TextHeader): void {
  const ct = h.ctime(h.time);
  // ctime() ends with a newline, so this line is followed by an empty one.
  o.line(`# Generated by LVM2 version ${LVM_VERSION}: ${ct.replace(/\n$/, '')}`);
  o.nl();
  o.line('contents = "Text Format Volume Group"');
  o.line('version = 1');
  o.nl();
  o.line(`description = ${quote(h.description)}`);
  o.nl();
  o.lines.push(`creation_host = "${h.nodename}"\t# ${h.sysname} ${h.nodename} ${h.release} ${h.version} ${h.machine}`);
  o.lines.push(`creation_time = ${h.time}\t# ${ct.replace(/\n$/, '')}`);
  o.nl();
}

/** On-disk text: VG section, then the header block, then the caller appends one NUL. */
export function exportVgRaw(vg: VolumeGroup, header: TextHeader): string {
  const o = new Out('raw');
  printVgSection(o, vg, header);
  printHeader(o, header);
  return o.lines.join('\n') + '\n';
}

/** Backup/archive file text: header first, TAB indentation, size comments, no NUL. */
export function exportVgFile(vg: VolumeGroup, header: TextHeader): string {
  const o = new Out('file');
  printHeader(o, header);
  printVgSection(o, vg, header);
  return o.lines.join('\n') + '\n';
}

/** The header block of a backup/archive file (everything before the VG section). */
export function fileHeaderText(header: TextHeader): string {
  const o = new Out('file');
  printHeader(o, header);
  return o.lines.join('\n') + '\n';
}

/**
 * Reuses the VG section of an existing backup file of the same VG (same id and seqno) under a new
 * header: the section depends only on the VG, so re-exporting it would print the same bytes.
 * Returns undefined when `file` does not hold that VG.
 */
export function reheadVgFile(file: string, vg: VolumeGroup, header: TextHeader): string | undefined {
  const start = file.indexOf(`\n${vg.name} {\n`);
  if (start < 0) return undefined;
  const section = file.slice(start + 1);
  if (!section.startsWith(`${vg.name} {\n\tid = "${formatId(vg.id)}"\n\tseqno = ${vg.seqno}\n`)) return undefined;
  return fileHeaderText(header) + section;
}

// ---------------------------------------------------------------------------------------------
// Import

export class MetadataError extends Error {}

function fail(msg: string): never {
  throw new MetadataError(msg);
}

function get(nodes: ConfigNode[], key: string): ConfigValue | undefined {
  return findNode(nodes, key)?.value;
}

function reqInt(nodes: ConfigNode[], key: string, where: string): number {
  const v = get(nodes, key);
  if (!v) fail(`Couldn't find ${key} for ${where}.`);
  if (v.kind !== 'int') fail(`Couldn't read ${key} for ${where}.`);
  if (v.value < 0) fail(`Invalid ${key} for ${where}.`);
  return v.value;
}

function optInt(nodes: ConfigNode[], key: string, where: string): number | undefined {
  const v = get(nodes, key);
  if (!v) return undefined;
  if (v.kind !== 'int') fail(`Couldn't read ${key} for ${where}.`);
  return v.value;
}

function optStr(nodes: ConfigNode[], key: string, where: string): string | undefined {
  const v = get(nodes, key);
  if (!v) return undefined;
  if (v.kind !== 'string') fail(`Couldn't read ${key} for ${where}.`);
  return v.value;
}

function strArray(nodes: ConfigNode[], key: string, where: string, required: boolean): string[] {
  const v = get(nodes, key);
  if (!v) {
    if (required) fail(`Couldn't find ${key} flags for ${where}.`);
    return [];
  }
  if (v.kind !== 'array') fail(`Couldn't read ${key} for ${where}.`);
  return v.items.map((it) => {
    if (it.kind !== 'string') fail(`Bad ${key} item for ${where}.`);
    return it.value;
  });
}

const STATUS_WORDS = {
  vg: new Set(['EXPORTED', 'RESIZEABLE', 'PVMOVE', 'READ', 'WRITE', 'CLUSTERED', 'SHARED', 'PARTIAL', 'WRITE_LOCKED']),
  pv: new Set(['ALLOCATABLE', 'EXPORTED', 'MISSING']),
  lv: new Set(['READ', 'WRITE', 'FIXED_MINOR', 'VISIBLE', 'PVMOVE', 'LOCKED', 'NOTSYNCED', 'REBUILD', 'WRITEMOSTLY', 'WRITE_LOCKED']),
};

function checkStatus(kind: keyof typeof STATUS_WORDS, words: string[], where: string): void {
  for (const w of words) if (!STATUS_WORDS[kind].has(w)) fail(`Unknown status flag '${w}' for ${where}.`);
}

function readId(nodes: ConfigNode[], where: string): string {
  const s = optStr(nodes, 'id', where);
  if (s === undefined) fail(`Couldn't find id for ${where}.`);
  const id = parseId(s);
  if (!id) fail(`Couldn't read uuid for ${where}.`);
  return id;
}

function readPv(node: ConfigNode): PhysicalVolume {
  const n = node.children ?? fail(`Bad physical volume section ${node.key}.`);
  const where = `physical volume ${node.key}`;
  const status = strArray(n, 'status', where, true);
  checkStatus('pv', status, where);
  const pv: PhysicalVolume = {
    id: readId(n, where),
    device: optStr(n, 'device', where) ?? '',
    status,
    flags: strArray(n, 'flags', where, false),
    tags: strArray(n, 'tags', where, false),
    devSize: optInt(n, 'dev_size', where) ?? 0,
    peStart: reqInt(n, 'pe_start', where),
    peCount: reqInt(n, 'pe_count', where),
  };
  const dit = optStr(n, 'device_id_type', where);
  const di = optStr(n, 'device_id', where);
  if (dit !== undefined) pv.deviceIdType = dit;
  if (di !== undefined) pv.deviceId = di;
  const bs = optInt(n, 'ba_start', where);
  const bz = optInt(n, 'ba_size', where);
  if ((bs === undefined) !== (bz === undefined)) fail(`Only one of ba_start and ba_size found for ${where}.`);
  if (bs !== undefined && bz !== undefined) {
    pv.baStart = bs;
    pv.baSize = bz;
  }
  return pv;
}

function readSegment(node: ConfigNode, where: string, pvByName: Map<string, string>, lvNames: ReadonlySet<string>): Segment {
  const n = node.children ?? fail(`Bad segment section ${node.key} for ${where}.`);
  const w = `segment ${node.key} of logical volume ${where}`;
  const type = optStr(n, 'type', w) ?? fail(`Couldn't find type for ${w}.`);
  const base: SegmentBase = {
    startExtent: reqInt(n, 'start_extent', w),
    extentCount: reqInt(n, 'extent_count', w),
    type,
    tags: strArray(n, 'tags', w, false),
  };
  const rc = optInt(n, 'reshape_count', w);
  if (rc !== undefined) base.reshapeCount = rc;
  const ctx: TextImportCtx = { where: w, pvByName, lvExists: (name) => lvNames.has(name), fail };
  return handlerForType(type).textImport(n, base, ctx);
}

function readLv(node: ConfigNode, pvByName: Map<string, string>, lvNames: ReadonlySet<string>): LogicalVolume {
  const n = node.children ?? fail(`Bad logical volume section ${node.key}.`);
  const where = node.key;
  const status = strArray(n, 'status', `logical volume ${where}`, true);
  checkStatus('lv', status, `logical volume ${where}`);
  const lv: LogicalVolume = {
    name: node.key,
    id: readId(n, `logical volume ${where}`),
    status,
    flags: strArray(n, 'flags', where, false),
    tags: strArray(n, 'tags', where, false),
    segments: [],
  };
  const ct = optInt(n, 'creation_time', where);
  const ch = optStr(n, 'creation_host', where);
  if ((ct === undefined) !== (ch === undefined)) fail(`Missing creation_host or creation_time for logical volume ${where}.`);
  if (ct !== undefined) lv.creationTime = ct;
  if (ch !== undefined) lv.creationHost = ch;
  const la = optStr(n, 'lock_args', where);
  if (la !== undefined) lv.lockArgs = la;
  const ap = optStr(n, 'allocation_policy', where);
  if (ap !== undefined) lv.allocationPolicy = ap;
  const pr = optStr(n, 'profile', where);
  if (pr !== undefined) lv.profile = pr;
  const ra = optInt(n, 'read_ahead', where);
  if (ra !== undefined && ra !== 0) lv.readAhead = ra;
  const ma = optInt(n, 'major', where);
  const mi = optInt(n, 'minor', where);
  if (ma !== undefined) lv.major = ma;
  if (mi !== undefined) lv.minor = mi;
  const count = reqInt(n, 'segment_count', `logical volume ${where}`);
  for (const c of n) if (c.children && /^segment[0-9]+$/.test(c.key)) lv.segments.push(readSegment(c, where, pvByName, lvNames));
  if (lv.segments.length !== count) fail(`segment_count and actual number of segments disagree for logical volume ${where}.`);
  lv.segments.sort((a, b) => a.startExtent - b.startExtent);
  let le = 0;
  for (const s of lv.segments) {
    if (s.startExtent !== le) fail(`Logical volume ${where} has a gap or overlap at extent ${le}.`);
    le += s.extentCount;
  }
  return lv;
}

export interface ImportedText {
  vg: VolumeGroup;
  description?: string;
  creationHost?: string;
  creationTime?: number;
}

/** Parses metadata text (raw or file form) into a VG, checking what lvm2 checks before using it. */
export function importVgText(text: string): ImportedText {
  const root = parseConfig(text);
  const contents = get(root, 'contents');
  if (!contents || contents.kind !== 'string' || contents.value !== 'Text Format Volume Group') fail("Can't process text format file - missing contents field.");
  const version = get(root, 'version');
  if (!version || version.kind !== 'int' || version.value !== 1) fail("Can't process text format file - unsupported version.");
  const vgNode = root.find((n) => n.children);
  if (!vgNode?.children) fail("Couldn't find volume group in file.");
  const n = vgNode.children;
  const name = vgNode.key;
  const status = strArray(n, 'status', `volume group ${name}`, true);
  checkStatus('vg', status, `volume group ${name}`);
  const vg: VolumeGroup = {
    name,
    id: readId(n, `volume group ${name}`),
    seqno: reqInt(n, 'seqno', name),
    status,
    flags: strArray(n, 'flags', name, false),
    tags: strArray(n, 'tags', name, false),
    extentSize: reqInt(n, 'extent_size', name),
    maxLv: reqInt(n, 'max_lv', name),
    maxPv: reqInt(n, 'max_pv', name),
    metadataCopies: optInt(n, 'metadata_copies', name) ?? 0,
    pvs: [],
    lvs: [],
  };
  if (vg.extentSize === 0) fail(`Invalid extent size 0 for volume group ${name}.`);
  for (const [k, set] of [
    ['system_id', (v: string) => (vg.systemId = v)],
    ['lock_type', (v: string) => (vg.lockType = v)],
    ['lock_args', (v: string) => (vg.lockArgs = v)],
    ['allocation_policy', (v: string) => (vg.allocationPolicy = v)],
    ['profile', (v: string) => (vg.profile = v)],
  ] as const) {
    const v = optStr(n, k, name);
    if (v !== undefined) set(v);
  }
  const pvsNode = findNode(n, 'physical_volumes');
  if (!pvsNode?.children) fail(`Couldn't find section 'physical_volumes'.`);
  const pvByName = new Map<string, string>();
  for (const p of pvsNode.children) {
    const pv = readPv(p);
    if (vg.pvs.some((x) => x.id === pv.id)) fail(`Duplicate PV ${formatId(pv.id)} in volume group ${name}.`);
    pvByName.set(p.key, pv.id);
    vg.pvs.push(pv);
  }
  const lvsNode = findNode(n, 'logical_volumes');
  // As lvm2 does, every LV is known by name before any segment is read, so segments may name LVs written after them.
  const lvNames = new Set((lvsNode?.children ?? []).map((l) => l.key));
  for (const l of lvsNode?.children ?? []) {
    if (vg.lvs.some((x) => x.name === l.key)) fail(`Duplicate LV name ${l.key} detected in ${name}.`);
    vg.lvs.push(readLv(l, pvByName, lvNames));
  }
  const hist = findNode(n, 'historical_logical_volumes');
  if (hist?.children?.length) vg.historicalLvs = hist.children;
  validateVg(vg);
  const out: ImportedText = { vg };
  const d = get(root, 'description');
  if (d?.kind === 'string') out.description = d.value;
  const h = get(root, 'creation_host');
  if (h?.kind === 'string') out.creationHost = h.value;
  const t = get(root, 'creation_time');
  if (t?.kind === 'int') out.creationTime = t.value;
  return out;
}

/** The structural checks of lvm2's vg_validate that matter for data safety: no PE used twice, none past its PV. */
export function validateVg(vg: VolumeGroup): void {
  const pvs = new Map(vg.pvs.map((p) => [p.id, p] as const));
  const lvNames = new Set(vg.lvs.map((l) => l.name));
  const ranges = new Map<string, { start: number; end: number; lv: string }[]>();
  for (const lv of vg.lvs) {
    for (const seg of lv.segments) {
      const areas = segAreas(seg);
      if (!areas.length) continue;
      const per = areaExtents(seg);
      for (const a of areas) {
        if (a.kind === 'lv') {
          if (!lvNames.has(a.lv)) fail(`Couldn't find volume '${a.lv}' for segment of logical volume ${lv.name}.`);
          continue;
        }
        const pv = pvs.get(a.pvId)!;
        if (a.pe + per > pv.peCount) fail(`Logical volume ${lv.name} uses extents ${a.pe}-${a.pe + per - 1} past the end of physical volume ${formatId(pv.id)} (${pv.peCount} extents).`);
        let list = ranges.get(a.pvId);
        if (!list) ranges.set(a.pvId, (list = []));
        list.push({ start: a.pe, end: a.pe + per, lv: lv.name });
      }
    }
  }
  for (const [pvId, list] of ranges) {
    list.sort((x, y) => x.start - y.start);
    for (let i = 1; i < list.length; i++) {
      const prev = list[i - 1]!;
      const cur = list[i]!;
      if (cur.start < prev.end) fail(`Physical extent ${cur.start} of physical volume ${formatId(pvId)} is allocated to both ${prev.lv} and ${cur.lv}.`);
    }
  }
}
