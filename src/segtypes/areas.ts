// Area arrays (`stripes = ["pv0", 0, ...]`): a PV section name or an LV name, each with an offset.
import type { Area } from '../model/types.ts';
import type { RawValue } from '../model/raw.ts';
import type { TextImportCtx, TextWriter } from './handler.ts';

/** The areas of `v`; undefined when it is not an array. Names that are no PV section are LVs. */
export function readAreas(v: RawValue | undefined, ctx: TextImportCtx): Area[] | undefined {
  if (!v || v.kind !== 'array') return undefined;
  const items = v.items;
  if (items.length % 2 !== 0) ctx.fail(`Missing offset in areas array for ${ctx.where}.`);
  const out: Area[] = [];
  for (let i = 0; i < items.length; i += 2) {
    const name = items[i]!;
    const off = items[i + 1]!;
    if (name.kind !== 'string' || off.kind !== 'int' || off.value < 0) ctx.fail(`Bad area array for ${ctx.where}.`);
    const pvId = ctx.pvByName.get(name.value);
    if (pvId) out.push({ kind: 'pv', pvId, pe: off.value });
    else out.push({ kind: 'lv', lv: name.value, le: off.value });
  }
  return out;
}

/** Whether `v` is an array of name, offset pairs (what readAreas takes). */
export function isAreaArray(v: RawValue | undefined): boolean {
  if (!v || v.kind !== 'array' || v.items.length === 0 || v.items.length % 2 !== 0) return false;
  for (let i = 0; i < v.items.length; i += 2) {
    const off = v.items[i + 1]!;
    if (v.items[i]!.kind !== 'string' || off.kind !== 'int' || off.value < 0) return false;
  }
  return true;
}

/** lvm2's out_areas: an empty line, then `key = [` with one `"name", offset` per line. */
export function writeAreas(out: TextWriter, key: string, areas: Area[]): void {
  out.nl();
  out.block(`${key} = [`, () => {
    areas.forEach((a, i) => {
      const last = i === areas.length - 1 ? '' : ',';
      out.line(a.kind === 'pv' ? `"${out.pvName(a.pvId)}", ${a.pe}${last}` : `"${a.lv}", ${a.le}${last}`);
    });
  }, ']');
}
