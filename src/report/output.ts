// Turning computed rows into text: basic columns (aligned or not, buffered or not), --rows,
// --nameprefixes and JSON. Every line carries lvm's two-blank message prefix.
import type { FieldDef } from './fields.ts';

export interface Column {
  field: FieldDef;
  /** Hidden columns (sort keys not in -o, compacted columns) take no space. */
  hidden: boolean;
}

export interface Layout {
  json: boolean;
  jsonName: string;
  headings: boolean;
  aligned: boolean;
  buffered: boolean;
  separator: string;
  namePrefixes: boolean;
  quoted: boolean;
  columnsAsRows: boolean;
}

const P = '  ';

function pad(text: string, width: number, right: boolean): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

function widthsFor(cols: Column[], rows: string[][]): number[] {
  return cols.map((c, i) => {
    let w = c.field.width;
    for (const r of rows) w = Math.max(w, r[i]!.length);
    return w;
  });
}

function heading(cols: Column[], widths: number[], layout: Layout): string {
  let line = '';
  cols.forEach((c, i) => {
    if (c.hidden) return;
    line += layout.aligned ? pad(c.field.heading.slice(0, widths[i]), widths[i]!, false) : c.field.heading;
    // libdm appends the separator after every shown heading except the very last column.
    if (i !== cols.length - 1) line += layout.separator;
  });
  return P + line + '\n';
}

function fieldText(c: Column, text: string, width: number, layout: Layout): string {
  let v = layout.aligned ? pad(text.slice(0, Math.max(text.length, width)), width, c.field.right) : text;
  if (layout.namePrefixes) {
    const q = layout.quoted ? "'" : '';
    v = `LVM2_${c.field.id.toUpperCase()}=${q}${v}${q}`;
  }
  return v;
}

function rowLine(cols: Column[], row: string[], widths: number[], layout: Layout): string {
  const parts: string[] = [];
  cols.forEach((c, i) => {
    if (!c.hidden) parts.push(fieldText(c, row[i]!, widths[i]!, layout));
  });
  return P + parts.join(layout.separator) + '\n';
}

function jsonLines(cols: Column[], rows: string[][], name: string): string {
  let out = `${P}{\n${P}    "report": [\n${P}        {\n${P}            "${name}": [\n`;
  rows.forEach((r, ri) => {
    const pairs: string[] = [];
    cols.forEach((c, i) => {
      if (!c.hidden) pairs.push(`"${c.field.id}":"${r[i]!.replace(/"/g, '\\"')}"`);
    });
    out += `${P}                {${pairs.join(', ')}}${ri < rows.length - 1 ? ',' : ''}\n`;
  });
  out += `${P}            ]\n${P}        }\n${P}    ]\n${P}}\n`;
  return out;
}

/** `rows` holds the field texts of the displayed rows, already sorted. */
export function render(cols: Column[], rows: string[][], layout: Layout): string {
  if (layout.json) return jsonLines(cols, rows, layout.jsonName);
  if (rows.length === 0) return '';
  if (layout.columnsAsRows) {
    let out = '';
    cols.forEach((c, i) => {
      if (c.hidden) return;
      const parts: string[] = [];
      if (layout.headings) parts.push(c.field.heading);
      for (const r of rows) parts.push(fieldText(c, r[i]!, 0, { ...layout, aligned: false }));
      out += P + parts.join(layout.separator) + '\n';
    });
    return out;
  }
  if (!layout.buffered) {
    // Unbuffered: each row is padded to its own widths; headings use the first row's.
    let out = layout.headings ? heading(cols, widthsFor(cols, [rows[0]!]), layout) : '';
    for (const r of rows) out += rowLine(cols, r, widthsFor(cols, [r]), layout);
    return out;
  }
  const widths = widthsFor(cols, rows);
  let out = layout.headings ? heading(cols, widths, layout) : '';
  for (const r of rows) out += rowLine(cols, r, widths, layout);
  return out;
}
