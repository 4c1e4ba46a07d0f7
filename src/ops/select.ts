// Finding the objects named on the command line, with lvm2's messages when they are not there.
import type { Ctx } from './context.ts';
import { fail } from './context.ts';
import { DuplicateVgNameError, type FoundVg } from '../metadata/scan.ts';
import type { LogicalVolume } from '../model/types.ts';
import { selectVgs } from './select-vgs.ts';

/** Accepts VG/LV, /dev/VG/LV and /dev/mapper/VG-LV. */
export function splitLvName(arg: string): { vg: string; lv: string } | undefined {
  let s = arg;
  if (s.startsWith('/dev/mapper/')) {
    const m = /^((?:[^-]|--)+)-((?:[^-]|--)+)$/.exec(s.slice('/dev/mapper/'.length));
    if (!m) return undefined;
    return { vg: m[1]!.replace(/--/g, '-'), lv: m[2]!.replace(/--/g, '-') };
  }
  if (s.startsWith('/dev/')) s = s.slice(5);
  const parts = s.split('/');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return undefined;
  return { vg: parts[0], lv: parts[1] };
}

export const vgNotFound = (name: string): string[] => [`Volume group "${name}" not found`, `Cannot process volume group ${name}`];

/** A VG name two VGs share names neither: lvm2 refuses it rather than pick one. */
export function duplicateVgName(name: string): string[] {
  return new DuplicateVgNameError(name).lines;
}

/**
 * lvm2's commands flagged ALLOW_EXPORTED (tools/commands.h): the others refuse an exported VG
 * they are given by name and pass over one they only came across.
 */
const ALLOW_EXPORTED = new Set(['fullreport', 'lvmdiskscan', 'pvck', 'pvdisplay', 'pvs', 'pvscan', 'vgcfgbackup', 'vgcfgrestore', 'vgdisplay', 'vgimport', 'vgimportclone', 'vgimportdevices', 'vgrename', 'vgs', 'vgscan']);

export function vgExported(f: FoundVg): boolean {
  return f.vg.status.includes('EXPORTED');
}

/** True when this command may not use the exported VG `f` (lvm2's vg_read, FAILED_EXPORTED). */
export function exportedForCommand(ctx: Ctx, f: FoundVg): boolean {
  return vgExported(f) && !ALLOW_EXPORTED.has(ctx.args.command);
}

export const vgIsExported = (name: string): string => `Volume group ${name} is exported`;

export function findVgOrFail(ctx: Ctx, name: string): FoundVg {
  if (ctx.scan().isDuplicate(name)) throw new DuplicateVgNameError(name);
  const f = ctx.scan().get(name);
  if (!f) fail(vgNotFound(name), 5, 'VG_NOT_FOUND', { vg: name });
  if (exportedForCommand(ctx, f)) fail(vgIsExported(f.vg.name), 5, 'VG_EXPORTED', { vg: f.vg.name });
  return f;
}

/** For commands that go on with the other VGs named: prints lvm2's two lines and returns undefined. */
export function findVgOrSay(ctx: Ctx, name: string, refresh = false): FoundVg | undefined {
  const scan = ctx.scan(refresh);
  const lines = scan.isDuplicate(name) ? duplicateVgName(name) : undefined;
  const f = lines ? undefined : scan.get(name);
  if (!f) for (const l of lines ?? vgNotFound(name)) ctx.error(l);
  else if (exportedForCommand(ctx, f)) {
    ctx.error(vgIsExported(f.vg.name));
    return undefined;
  }
  return f;
}

/** The same VG (by id) as the scan after a rescan sees it: after taking its lock, say. */
export function rescanVg(ctx: Ctx, f: FoundVg): FoundVg {
  return ctx.scan(true).byId(f.vg.id) ?? fail(vgNotFound(f.vg.name));
}

export function findLv(f: FoundVg, name: string): LogicalVolume | undefined {
  return f.vg.lvs.find((l) => l.name === name);
}

/**
 * Runs `fn` for the named VGs, or for every VG when none is named (all of them, two VGs of one
 * name included, as lvm2's process_each_vg with no arguments).
 */
export async function forEachVg(ctx: Ctx, names: string[], fn: (f: FoundVg) => Promise<number | void> | number | void): Promise<number> {
  const selection = ctx.opt('select');
  if (selection !== undefined && !names.length) {
    // lvm2 walks every VG (in cache order) and takes those the selection picks.
    let rc = 0;
    for (const f of selectVgs(ctx, ctx.scan().all().filter((x) => !exportedForCommand(ctx, x)), selection)) {
      const r = await fn(f);
      if (r) rc = r;
    }
    return rc;
  }
  const tags = names.filter((n) => n.startsWith('@')).map((n) => n.slice(1));
  if (tags.length) {
    // With tags lvm2 goes through every VG, taking the named and the tagged ones.
    const plain = names.filter((n) => !n.startsWith('@'));
    let rc = 0;
    for (const n of plain)
      if (!ctx.scan().has(n)) {
        for (const l of vgNotFound(n)) ctx.error(l);
        rc = 5;
      }
    for (const f of ctx.scan().all()) {
      if (!plain.includes(f.vg.name) && !f.vg.tags.some((t) => tags.includes(t))) continue;
      if (exportedForCommand(ctx, f)) {
        if (plain.includes(f.vg.name)) {
          ctx.error(vgIsExported(f.vg.name));
          rc = 5;
        }
        continue;
      }
      const r = await fn(f);
      if (r) rc = r;
    }
    return rc;
  }
  if (names.length) return eachNamedVg(ctx, names, fn);
  let rc = 0;
  for (const f of ctx.scan().sortedByName()) {
    if (exportedForCommand(ctx, f)) continue;
    const r = await fn(f);
    if (r) rc = r;
  }
  return rc;
}

/** Runs `fn` for each named VG in turn; missing ones get lvm2's two lines and make the result 5. */
export async function eachNamedVg(ctx: Ctx, names: string[], fn: (f: FoundVg) => Promise<number | void> | number | void): Promise<number> {
  let rc = 0;
  for (const name of names) {
    const f = findVgOrSay(ctx, name);
    if (!f) {
      rc = 5;
      continue;
    }
    const r = await fn(f);
    if (r) rc = r;
  }
  return rc;
}

/**
 * LVs named on the command line as lvm2's process_each_lv takes them: VG/LV, a VG (its LVs a
 * user can name), or @tag (LVs carrying the tag, and every LV of a VG carrying it). Missing VGs
 * get lvm2's lines; the result keeps the order of the arguments, each LV once.
 */
export function lvTargets(ctx: Ctx, args: string[], selectable: (lv: LogicalVolume, f: FoundVg) => boolean): { targets: { vg: string; lv: string }[]; rc: number } {
  const targets: { vg: string; lv: string }[] = [];
  const add = (vg: string, lv: string) => {
    if (!targets.some((t) => t.vg === vg && t.lv === lv)) targets.push({ vg, lv });
  };
  let rc = 0;
  for (const arg of args) {
    if (arg.startsWith('@')) {
      const tag = arg.slice(1);
      // In lvm2's cache order, as process_each_lv walks every VG for a tag.
      for (const f of ctx.scan().all())
        for (const l of f.vg.lvs) if (selectable(l, f) && (l.tags.includes(tag) || f.vg.tags.includes(tag))) add(f.vg.name, l.name);
      continue;
    }
    const s = splitLvName(arg);
    if (s) add(s.vg, s.lv);
    else if (!arg.replace(/^\/dev\//, '').includes('/')) {
      const f = findVgOrSay(ctx, arg.replace(/^\/dev\//, ''));
      if (!f) rc = 5;
      else for (const l of f.vg.lvs) if (selectable(l, f)) add(f.vg.name, l.name);
    } else fail(`"${arg}": Invalid path for Logical Volume.`, 3);
  }
  return { targets, rc };
}
