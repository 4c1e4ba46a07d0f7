// Rendering of command definitions as lvm2's help prints them (tools/command.c print_usage,
// print_usage_common_cmd, print_usage_common_lvm, print_usage_notes).
import { lvmAllOptions } from './define.ts';
import { defsFor, hasAlternateExtents, optionById, optionIndex, optionValueType } from './registry.ts';
import type { ArgDef, CommandDef, OptArg } from './types.ts';
import { VALUE_ORDER, VALUE_TYPES } from './values.ts';

const LVM_ALL: readonly OptArg[] = lvmAllOptions();
const LVM_ALL_IDS: ReadonlySet<string> = new Set(LVM_ALL.map((a) => a.opt));

function valUsage(command: string, opt: string, val: string): string {
  let v = val;
  // lvcreate accepts '+' for compatibility but does not advertise it.
  if (command === 'lvcreate' && ['size', 'extents', 'poolmetadatasize', 'mirrors'].includes(opt)) {
    if (v === 'psizemb') v = 'sizemb';
    else if (v === 'pextents') v = 'extents';
    else if (v === 'pnumber' && opt === 'mirrors') v = 'number';
  }
  const t = VALUE_TYPES.find((x) => x.id === v);
  if (!t) throw new Error(`unknown value type ${v}`);
  return t.usage ?? t.name;
}

function usageDef(command: string, opt: string, def: ArgDef): string {
  let out = '';
  let sep = false;
  const vals = [...def.vals].sort((a, b) => (VALUE_ORDER.get(a) ?? 0) - (VALUE_ORDER.get(b) ?? 0));
  for (const v of vals) {
    if (v === 'conststr') out += def.str ?? '';
    else if (v === 'constnum') out += String(def.num ?? 0);
    else {
      if (sep) out += '|';
      out += valUsage(command, opt, v);
      sep = true;
    }
    if ((v === 'vg' && def.newVG) || (v === 'lv' && def.newLV)) out += '_new';
  }
  if (def.repeat) out += ' ...';
  return out;
}

function optText(command: string, a: OptArg, withShort: boolean): string {
  const spec = optionById(a.opt);
  let out = withShort && spec.short ? ` -${spec.short}|--${spec.long}` : withShort ? ` --${spec.long}` : `    --${spec.long}`;
  if (a.def.vals.size) out += ' ' + usageDef(command, a.opt, a.def);
  return out;
}

function description(def: CommandDef): string {
  // Description lines were joined with a blank in lvm2, which stays at the end of each line.
  return def.desc.map((d, i) => `  ${d.replace(/\\/g, '')}${i < def.desc.length - 1 ? ' ' : ''}\n`).join('');
}

interface Factored {
  variants: number;
  common: ReadonlySet<string>;
}

/** Options every definition of a command lists as optional (lvm2 factor_common_options). */
function factor(name: string): Factored {
  const defs = defsFor(name);
  const common = new Set<string>();
  if (defs.length) {
    for (const a of defs[0].optional) {
      if (defs.every((d) => d.optional.some((o) => o.opt === a.opt))) common.add(a.opt);
    }
  }
  return { variants: defs.length, common };
}

export function printUsage(cmd: CommandDef, longhelp: boolean, descFirst: boolean): string {
  const f = factor(cmd.name);
  let out = descFirst ? description(cmd) : '';
  let includeExtents = false;
  out += `  ${cmd.name}`;
  if (cmd.anyRequired) {
    for (const a of cmd.req) out += optText(cmd.name, a, true);
    let first = true;
    for (const pass of [true, false]) {
      for (const a of cmd.anyReq) {
        const spec = optionById(a.opt);
        if (Boolean(spec.short) !== pass) continue;
        if (!pass && a.opt === 'size' && hasAlternateExtents(cmd.name)) includeExtents = true;
        out += first ? '\n\t(' : ',\n\t ';
        first = false;
        out += pass ? optText(cmd.name, a, true) : optText(cmd.name, a, false);
      }
    }
    out += ' )\n';
  } else {
    for (const a of cmd.req) {
      if (a.opt === 'size' && hasAlternateExtents(cmd.name)) includeExtents = true;
      out += optText(cmd.name, a, true);
    }
  }
  if (cmd.reqPos.length) {
    if (cmd.anyRequired) out += '\t';
    for (const p of cmd.reqPos) if (p.vals.size) out += ' ' + usageDef(cmd.name, '', p);
  }
  if (longhelp) {
    if (cmd.optional.length) {
      if (cmd.autotype.length) out += `\n\t[ --type ${cmd.autotype.join('|')} ] (implied)`;
      if (includeExtents) {
        out += `\n\t[ -l|--extents ${valUsage(cmd.name, 'extents', optionValueType(cmd.name, 'extents'))} ]`;
      }
      for (const pass of [true, false]) {
        for (const a of cmd.optional) {
          if (Boolean(optionById(a.opt).short) !== pass) continue;
          if (LVM_ALL_IDS.has(a.opt)) continue;
          if (f.variants > 1 && f.common.has(a.opt)) continue;
          out += `\n\t[${optText(cmd.name, a, pass)} ]`;
        }
      }
      out += '\n\t[ COMMON_OPTIONS ]';
    }
    if (cmd.optPos.length) {
      out += '\n\t[';
      for (const p of cmd.optPos) if (p.vals.size) out += ' ' + usageDef(cmd.name, '', p);
      out += ' ]';
    }
  }
  out += '\n';
  if (!descFirst) out += description(cmd);
  return out + '\n';
}

/** "Common options for command:" — options shared by all definitions (when there are several). */
export function printCommonCmd(name: string, last: CommandDef): string {
  const f = factor(name);
  if (f.variants < 2) return '';
  const ids = [...f.common].filter((id) => !LVM_ALL_IDS.has(id)).sort((a, b) => optionIndex(a) - optionIndex(b));
  if (!ids.length) return '';
  let out = '  Common options for command:';
  for (const pass of [true, false]) {
    for (const id of ids) {
      if (Boolean(optionById(id).short) !== pass) continue;
      const a = last.optional.find((o) => o.opt === id);
      out += `\n\t[${a ? optText(name, a, pass) : ''} ]`;
    }
  }
  return out + '\n\n';
}

/** "Common options for lvm:" — OO_ALL, short options first. */
export function printCommonLvm(name: string): string {
  let out = '  Common options for lvm:';
  for (const pass of [true, false]) {
    for (const a of LVM_ALL) {
      if (Boolean(optionById(a.opt).short) !== pass) continue;
      out += `\n\t[${optText(name, a, pass)} ]`;
    }
  }
  return out + '\n\n';
}

/** The explanations --longhelp ends with (lvm2 print_usage_notes). */
export function printNotes(name: string | undefined): string {
  let out = '';
  if (name && hasAlternateExtents(name)) {
    out +=
      '  Special options for command:\n' +
      '        [ --extents Number[PERCENT] ]\n' +
      '        The --extents option can be used in place of --size.\n' +
      '        The number allows an optional percent suffix.\n\n';
  }
  if (name === 'lvcreate') {
    out +=
      '        [ --name String ]\n' +
      '        The --name option is not required but is typically used.\n' +
      '        When a name is not specified, a new LV name is generated\n' +
      '        with the "lvol" prefix and a unique numeric suffix.\n\n';
  }
  out +=
    '  Common variables for lvm:\n' +
    '        Variables in option or position args are capitalized,\n' +
    '        e.g. PV, VG, LV, Size, Number, String, Tag.\n\n' +
    '        PV\n' +
    '        Physical Volume name, a device path under /dev.\n' +
    '        For commands managing physical extents, a PV positional arg\n' +
    '        generally accepts a suffix indicating a range (or multiple ranges)\n' +
    '        of PEs. When the first PE is omitted, it defaults to the start of\n' +
    '        the device, and when the last PE is omitted it defaults to the end.\n' +
    '        PV[:PE-PE]... is start and end range (inclusive),\n' +
    '        PV[:PE+PE]... is start and length range (counting from 0).\n\n' +
    '        LV\n' +
    '        Logical Volume name. See lvm(8) for valid names. An LV positional\n' +
    '        arg generally includes the VG name and LV name, e.g. VG/LV.\n' +
    '        LV followed by _<type> indicates that an LV of the given type is\n' +
    '        required. (raid represents raid<N> type).\n' +
    '        The _new suffix indicates that the LV name is new.\n\n' +
    '        Tag\n' +
    '        Tag name. See lvm(8) for information about tag names and using\n' +
    '        tags in place of a VG, LV or PV.\n\n' +
    '        Select\n' +
    '        Select indicates that a required positional arg can be omitted\n' +
    '        if the --select option is used. No arg appears in this position.\n\n' +
    '        Size[UNIT]\n' +
    '        Size is an input number that accepts an optional unit.\n' +
    '        Input units are always treated as base two values, regardless of\n' +
    "        capitalization, e.g. 'k' and 'K' both refer to 1024.\n" +
    '        The default input unit is specified by letter, followed by |UNIT.\n' +
    '        UNIT represents other possible input units: BbBsSkKmMgGtTpPeE.\n' +
    '        (This should not be confused with the output control --units, where\n' +
    '        capital letters mean multiple of 1000.)\n\n';
  return out;
}
