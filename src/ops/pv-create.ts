// pvcreate as an operation: initialise devices as physical volumes (also what vgcreate and
// vgextend do to plain devices they are given).
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { basename } from 'node:path';
import type { Ctx } from './context.ts';
import { fail } from './context.ts';
import { generateId } from '../formats/uuid.ts';
import { createPv } from '../metadata/pv-write.ts';
import { scanDevice } from '../metadata/scan.ts';
import { splitPartitionName } from '../formats/partitions.ts';
import { sizeArg } from './lv-size.ts';
import { wipeSignatures } from './wipe.ts';
import { claimDevice } from './exclusive.ts';
import { confirmReinitialise, exclusiveRescan, pvUser, rescanWarnings } from './pvcreate-check.ts';

export interface PvCreateOptions {
  metadataSectors?: number;
  dataAlignment?: number;
  dataAlignmentOffset?: number;
  metadataCopies?: 0 | 1 | 2;
  labelSector?: number;
  uuid?: string;
}

export function pvCreateOptions(ctx: Ctx): PvCreateOptions {
  const o: PvCreateOptions = {};
  const ms = ctx.opt('metadatasize');
  if (ms) o.metadataSectors = sizeArg(ms, 'm', 'metadatasize').sectors;
  const da = ctx.opt('dataalignment');
  if (da) o.dataAlignment = sizeArg(da, 'k', 'dataalignment').sectors;
  const dao = ctx.opt('dataalignmentoffset');
  if (dao) o.dataAlignmentOffset = sizeArg(dao, 'k', 'dataalignmentoffset').sectors;
  const mc = ctx.opt('pvmetadatacopies') ?? ctx.opt('metadatacopies');
  if (mc !== undefined) {
    const n = parseInt(mc, 10);
    if (n !== 0 && n !== 1 && n !== 2) fail('Metadatacopies may only be 0, 1 or 2', 3);
    o.metadataCopies = n as 0 | 1 | 2;
  }
  const ls = ctx.opt('labelsector');
  if (ls !== undefined) o.labelSector = parseInt(ls, 10);
  return o;
}

/**
 * Initialises one device; returns false (after printing why) when it must be left alone.
 * Shared with vgcreate/vgextend, which initialise plain devices implicitly.
 */
export function initialisePv(ctx: Ctx, name: string, o: PvCreateOptions): boolean {
  if (!ctx.opener.exists(name)) {
    ctx.error(`No device found for ${name}.`);
    return false;
  }
  if (!splitPartitionName(name) && ctx.partitionsOf(name)?.length) {
    ctx.error(`Cannot use ${name}: device is partitioned`);
    return false;
  }
  const sd = scanDevice(ctx.opener, name, new Map(), ctx.pvMinSectors());
  // There but not to be opened (permissions): lvm2's scan drops it and its filter says "not found".
  if (sd.error === 'device not found') {
    claimDevice(ctx, name);
    if (ctx.args.command !== 'pvcreate') ctx.error('Command requires all devices to be found.');
    return false;
  }
  if (sd.error === 'device is too small (pv_min_size)') {
    ctx.error(`Cannot use ${name}: device is too small (pv_min_size)`);
    if (ctx.args.command !== 'pvcreate') ctx.error('Command requires all devices to be found.');
    return false;
  }
  const scan = ctx.scan();
  const known = scan.device(name) ?? sd;
  // A copy of a PV another device carries (lvm2 uses that one): not to be made a new PV.
  if (known.duplicateOf) {
    ctx.error(`Cannot use device ${name} with duplicates.`);
    return false;
  }
  const user = pvUser(scan, known);
  if (user && !confirmReinitialise(ctx, name, user)) return false;
  exclusiveRescan(ctx, known);
  if (!claimDevice(ctx, name, known.label ? scan.vgOfDevice(known) : undefined, known.label?.pvId)) return false;
  const cached = `${name}: using cached size ${sd.sizeSectors} sectors`;
  for (let round = 0; round < 3; round++) {
    ctx.verbose(2, cached);
    ctx.verbose(2, cached);
    if (!sd.label) ctx.verbose(2, `${name}: No lvm label detected`);
  }
  ctx.verbose(2, `Wiping signatures on new PV ${name}.`);
  if (!sd.label && wipeSignatures(ctx, ctx.opener, name, name) === 'refused') return false;
  ctx.verbose(2, cached);
  const q = queueLimits(name);
  ctx.verbose(2, `Device ${name}: queue/minimum_io_size is ${q.minimumIo} bytes.`);
  ctx.verbose(2, `Device ${name}: queue/optimal_io_size is ${q.optimalIo} bytes.`);
  ctx.verbose(2, `Device ${name}: alignment_offset is ${q.alignmentOffset} bytes.`);
  ctx.verbose(2, `Set up physical volume for "${name}" with ${sd.sizeSectors} available sectors.`);
  ctx.verbose(2, `Scanning for labels to wipe from ${name}`);
  ctx.verbose(2, `Zeroing start of device ${name}.`);
  ctx.verbose(1, `Writing physical volume data to disk "${name}".`);
  const id = o.uuid ?? generateId();
  const sector = o.labelSector ?? 1;
  createPv(ctx.opener, name, id, o, sector);
  ctx.verbose(2, `${name}: Writing label to sector ${sector} with stored offset 32.`);
  ctx.addToDevicesFile([{ name, pvId: id }]);
  ctx.print(`Physical volume "${name}" successfully created.`);
  return true;
}

/** The sysfs limits lvm2 reads for data alignment; image files have none (512/0/0). */
function queueLimits(name: string): { minimumIo: number; optimalIo: number; alignmentOffset: number } {
  const read = (p: string, dflt: number) => {
    try {
      return parseInt(readFileSync(p, 'utf8').trim(), 10);
    } catch {
      return dflt;
    }
  };
  if (!name.startsWith('/dev/')) return { minimumIo: 512, optimalIo: 0, alignmentOffset: 0 };
  let base = `/sys/class/block/${basename(name)}`;
  try {
    base = `/sys/class/block/${basename(realpathSync(name))}`;
  } catch {
    /* keep the name */
  }
  const queue = existsSync(`${base}/queue`) ? `${base}/queue` : `${base}/../queue`;
  return { minimumIo: read(`${queue}/minimum_io_size`, 512), optimalIo: read(`${queue}/optimal_io_size`, 0), alignmentOffset: read(`${base}/alignment_offset`, 0) };
}


/** Result of pvcreate: the devices now PVs and those left alone (lvm2 printed why). */
export interface PvCreateResult {
  created: string[];
  failed: string[];
}

/**
 * Initialises each device as a PV (global lock held), with lvm2's checks, prompts and messages:
 * a device in use, partitioned, too small or holding a signature the user keeps is left alone.
 */
export async function pvcreate(ctx: Ctx, devices: string[], o: PvCreateOptions = {}): Promise<PvCreateResult> {
  if (o.uuid !== undefined && devices.length > 1) fail('Can only set uuid on one volume at once', 3, 'INVALID_ARGUMENT');
  await ctx.locks.global();
  const names = devices.map((p) => ctx.deviceName(p));
  if (ctx.usesDevicesFile()) ctx.alsoScan(names.filter((n) => ctx.opener.exists(n)));
  for (const d of ctx.scan().devices) if (!d.error) ctx.verbose(2, `${d.path}: size is ${d.sizeSectors} sectors`);
  // pvcreate_each_device scans its arguments once more.
  for (const name of names) rescanWarnings(ctx, ctx.scan().device(name));
  const r: PvCreateResult = { created: [], failed: [] };
  for (const name of names) (initialisePv(ctx, name, o) ? r.created : r.failed).push(name);
  return r;
}
