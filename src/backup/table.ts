// Reports in lvm2's basic format: two spaces of indent, one space between columns, every column
// as wide as its widest cell, text left-aligned and numbers/sizes right-aligned, as `lvs` prints;
// and lvm2's JSON shape ({"report": [{"<name>": [ {field: "value"} ]}]}, values as strings).

export interface Column {
  head: string;
  /** The JSON field name. */
  field: string;
  right?: boolean;
}

export function basicReport(cols: readonly Column[], rows: readonly string[][], headings = true): string {
  const w = cols.map((c, i) => Math.max(headings ? c.head.length : 0, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    '  ' +
    cells
      .map((x, i) => (cols[i]!.right ? x.padStart(w[i]!) : i === cells.length - 1 ? x : x.padEnd(w[i]!)))
      .join(' ')
      .replace(/\s+$/, '') +
    '\n';
  return (headings ? line(cols.map((c) => c.head)) : '') + rows.map(line).join('');
}

export function jsonReport(name: string, cols: readonly Column[], rows: readonly string[][]): string {
  const objs = rows.map((r) => Object.fromEntries(cols.map((c, i) => [c.field, r[i] ?? ''])));
  return JSON.stringify({ report: [{ [name]: objs }] }, null, 2).replace(/^/gm, '  ') + '\n';
}
