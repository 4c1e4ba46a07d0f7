// `-o help` and `-S help` listings (stderr). Generated from the field table so they stay in sync.
import { FIELDS, SPECIAL_FIELDS, TYPE_INFO } from './fields.ts';
import { SELECTION_HELP_LINES } from './selection-help.ts';
import type { Kind } from './field-table.ts';

const TYPE_NAME: Record<Kind, string> = {
  STR: 'string',
  NUM: 'number',
  BIN: 'number',
  SNUM: 'number',
  SIZ: 'size',
  PCT: 'percent',
  TIM: 'time',
  STR_LIST: 'string list',
};

const DASHES = '-------------------------------------------------------------------------------';

interface HelpItem {
  id: string;
  desc: string;
  section: string;
  prefix: string;
  typeName: string;
}

function items(): HelpItem[] {
  const out: HelpItem[] = FIELDS.map((f) => ({
    id: f.id,
    desc: f.desc,
    section: TYPE_INFO[f.type].desc,
    prefix: TYPE_INFO[f.type].prefix,
    typeName: TYPE_NAME[f.kind],
  }));
  return out;
}

function idWidth(): number {
  let w = 0;
  for (const f of FIELDS) w = Math.max(w, f.id.length);
  for (const t of Object.values(TYPE_INFO)) w = Math.max(w, t.prefix.length + 3);
  return w;
}

function section(lines: string[], list: HelpItem[], w: number, withAll: boolean, withTypes: boolean, special: boolean): void {
  let last = '';
  for (const it of list) {
    if (it.section !== last) {
      if (last) lines.push(' ');
      lines.push(`${it.section} Fields`);
      lines.push(DASHES.slice(0, it.section.length + 7));
      if (withAll && !special) lines.push(`  ${(it.prefix + 'all').padEnd(w)} - All fields in this section.`);
    }
    lines.push(`  ${it.id.padEnd(w)} - ${it.desc}${withTypes ? ` [${it.typeName}]` : ''}`);
    last = it.section;
  }
}

/** Field listing; `withTypes` for `-S help` (adds [type], drops the *_all lines). */
export function fieldHelpLines(withTypes: boolean): string[] {
  const w = idWidth();
  const lines: string[] = [];
  section(lines, items(), w, !withTypes, withTypes, false);
  lines.push(' ');
  const special: HelpItem[] = SPECIAL_FIELDS.map((s) => ({
    id: s.id,
    desc: s.desc,
    section: ' ',
    prefix: '',
    typeName: s.selectable ? 'number' : 'unselectable number',
  }));
  const specialLines: string[] = [];
  section(specialLines, special, w, false, withTypes, true);
  // libdm's special section has a blank description: its title is "  Fields".
  specialLines[0] = 'Special Fields';
  specialLines[1] = DASHES.slice(0, 'Special'.length + 7);
  lines.push(...specialLines);
  lines.push(' ');
  return lines.map((l) => `  ${l}\n`);
}

export function optionsHelp(): string {
  return fieldHelpLines(false).join('');
}

export function selectionHelp(): string {
  return fieldHelpLines(true).join('') + SELECTION_HELP_LINES.map((l) => l + '\n').join('');
}
