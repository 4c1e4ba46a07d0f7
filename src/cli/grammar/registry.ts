// The command definitions and option tables lvm2 builds at start-up (lvm_register_commands,
// _set_valid_args_for_command_name, configure_command_option_values), computed once.
import { COMMAND_NAMES } from './command-names.ts';
import { defineCommand } from './define.ts';
import { DEFS as LV_DEFS } from './defs-lv.ts';
import { DEFS as LVCHANGE_DEFS } from './defs-lvchange.ts';
import { DEFS as LVCONVERT_DEFS } from './defs-lvconvert.ts';
import { DEFS as LVCREATE_DEFS } from './defs-lvcreate.ts';
import { DEFS as MISC_DEFS } from './defs-misc.ts';
import { DEFS as PV_DEFS } from './defs-pv.ts';
import { DEFS as VG_DEFS } from './defs-vg.ts';
import { OPTIONS } from './options.ts';
import type { CommandDef, DefSource, OptionSpec } from './types.ts';

const defsCache = new Map<string, CommandDef[]>();
let sources: readonly DefSource[] | undefined;

/** Definitions are expanded only for the command being run: start-up stays short. */
function defsOf(name: string): CommandDef[] {
  let list = defsCache.get(name);
  if (!list) {
    sources ??= [LVCHANGE_DEFS, LVCONVERT_DEFS, LVCREATE_DEFS, LV_DEFS, PV_DEFS, VG_DEFS, MISC_DEFS].flat();
    list = sources.filter((src) => src.line === name || src.line.startsWith(name + ' ')).map(defineCommand);
    defsCache.set(name, list);
  }
  return list;
}

/** Definitions of one command name in command-lines.in order. */
export function defsFor(name: string): readonly CommandDef[] {
  return defsOf(name);
}

export function commandDescription(name: string): string | undefined {
  return COMMAND_NAMES.find(([n]) => n === name)?.[1];
}

export function isCommandName(name: string): boolean {
  return COMMAND_NAMES.some(([n]) => n === name);
}

const OPTION_BY_ID: ReadonlyMap<string, OptionSpec> = new Map(OPTIONS.map((o) => [o.id, o]));
const OPTION_INDEX: ReadonlyMap<string, number> = new Map(OPTIONS.map((o, i) => [o.id, i]));

export function optionById(id: string): OptionSpec {
  const o = OPTION_BY_ID.get(id);
  if (!o) throw new Error(`unknown option id ${id}`);
  return o;
}

/** Position in args.h (the enum value lvm2 sorts and scans options by). */
export function optionIndex(id: string): number {
  return OPTION_INDEX.get(id) ?? -1;
}

/** `--name` as lvm2 prints an option (arg_long_option_name). */
export function longOptionName(id: string): string {
  return '--' + optionById(id).long;
}

/** Some options accept differently signed values depending on the command. */
export function optionValueType(command: string, id: string): string {
  const base = optionById(id).val;
  const table: Record<string, Record<string, string>> = {
    lvresize: { size: 'ssizemb', extents: 'sextents', poolmetadatasize: 'psizemb' },
    lvextend: { size: 'psizemb', extents: 'pextents', poolmetadatasize: 'psizemb' },
    lvreduce: { size: 'nsizemb', extents: 'nextents' },
    lvconvert: { mirrors: 'snumber' },
    lvcreate: { size: 'psizemb', extents: 'pextents', poolmetadatasize: 'psizemb', mirrors: 'pnumber' },
  };
  return table[command]?.[id] ?? base;
}

/** Preferred option → the alternative spelling lvm2 also accepts for it. */
export function synonymOf(command: string, id: string): string | undefined {
  const fixed: Record<string, string> = {
    mirrorlog: 'corelog',
    resizeable: 'resizable',
    allocatable: 'allocation',
    activate: 'available',
    rebuild: 'raidrebuild',
    syncaction: 'raidsyncaction',
    writemostly: 'raidwritemostly',
    minrecoveryrate: 'raidminrecoveryrate',
    maxrecoveryrate: 'raidmaxrecoveryrate',
    writebehind: 'raidwritebehind',
    virtualsize: 'virtualoriginsize',
    splitcache: 'split',
  };
  if (fixed[id]) return fixed[id];
  if (id === 'pvmetadatacopies' && command.startsWith('pv')) return 'metadatacopies';
  if (id === 'vgmetadatacopies' && command.startsWith('vg')) return 'metadatacopies';
  return undefined;
}

/** Alternative spelling → preferred option (for matching against definitions). */
export function standardOf(command: string, id: string): string | undefined {
  const fixed: Record<string, string> = {
    corelog: 'mirrorlog',
    resizable: 'resizeable',
    allocation: 'allocatable',
    available: 'activate',
    raidrebuild: 'rebuild',
    raidsyncaction: 'syncaction',
    raidwritemostly: 'writemostly',
    raidminrecoveryrate: 'minrecoveryrate',
    raidmaxrecoveryrate: 'maxrecoveryrate',
    raidwritebehind: 'writebehind',
    virtualoriginsize: 'virtualsize',
    split: 'splitcache',
  };
  if (fixed[id]) return fixed[id];
  if (id === 'metadatacopies') {
    if (command.startsWith('pv')) return 'pvmetadatacopies';
    if (command.startsWith('vg')) return 'vgmetadatacopies';
  }
  return undefined;
}

const validArgsCache = new Map<string, string[]>();

/**
 * Options a command name accepts on its command line: every option of any of its
 * definitions, in args.h order, plus --extents after --size, synonyms, and --allocation.
 */
export function validArgs(name: string): readonly string[] {
  const cached = validArgsCache.get(name);
  if (cached) return cached;
  const used = new Set<string>();
  for (const def of defsFor(name)) {
    for (const a of [...def.req, ...def.anyReq, ...def.optional, ...def.ignored]) used.add(a.opt);
  }
  const out: string[] = [];
  for (const o of OPTIONS) {
    if (!used.has(o.id)) continue;
    out.push(o.id);
    if (o.id === 'size') out.push('extents');
    const syn = synonymOf(name, o.id);
    if (syn) out.push(syn);
    if (o.id === 'allocatable' || o.id === 'resizeable') out.push('allocation');
  }
  validArgsCache.set(name, out);
  return out;
}

/** lvcreate/lvextend/lvreduce/lvresize accept --extents wherever --size is defined. */
export function hasAlternateExtents(name: string): boolean {
  return ['lvcreate', 'lvresize', 'lvextend', 'lvreduce'].includes(name);
}
