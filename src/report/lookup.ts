// Field name resolution as libdm does it: underscores are ignored, case is ignored, and a name
// may omit the report's prefix (`lvs -o name` = lv_name, `pvs -o size` = pv_size).
import { FIELDS, SELECTED_FIELD, TYPE_INFO } from './fields.ts';
import type { FieldDef } from './fields.ts';
import type { ObjType } from './field-table.ts';

export const HELP_IDS = new Set(['help', '?']);

function canonical(name: string): string {
  return name.replace(/_/g, '').toLowerCase();
}

const CANON = FIELDS.map((f) => canonical(f.id));

function sameField(fieldCanon: string, userCanon: string, prefix: string): boolean {
  if (fieldCanon === userCanon) return true;
  const p = prefix.slice(0, -1).toLowerCase();
  return p !== '' && fieldCanon.startsWith(p) && fieldCanon.slice(p.length) === userCanon;
}

/** 'selected' | 'help' for the implicit fields, a FieldDef, or undefined. */
export function findField(name: string, prefix: string): FieldDef | 'help' | undefined {
  const c = canonical(name);
  if (c === '') return undefined;
  if (sameField('selected', c, prefix)) return SELECTED_FIELD;
  if (sameField('help', c, prefix) || c === '?') return 'help';
  for (let i = 0; i < FIELDS.length; i++) if (sameField(CANON[i]!, c, prefix)) return FIELDS[i];
  return undefined;
}

const ALL_TYPES = Object.keys(TYPE_INFO) as ObjType[];

/** Types an `all`/`lv_all`/`pvseg_all` token stands for, or undefined if it is not one. */
export function allMatch(name: string, prefix: string, current: Set<ObjType>): Set<ObjType> | undefined {
  const result = new Set<ObjType>();
  let c = canonical(name);
  let bare = false;
  if (name.toLowerCase() === 'all') {
    bare = true;
    c = canonical(prefix);
    for (const t of current) result.add(t);
  }
  for (const t of ALL_TYPES) {
    const p = TYPE_INFO[t].prefix.slice(0, -1);
    if (!c.startsWith(p)) continue;
    if ((bare && c.length === p.length) || (c.slice(p.length) === 'all' && c.length === p.length + 3)) result.add(t);
  }
  return result.size ? result : undefined;
}

export function fieldsOfTypes(types: Set<ObjType>): FieldDef[] {
  return FIELDS.filter((f) => types.has(f.type));
}
