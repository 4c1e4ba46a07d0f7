// Raw nodes written back as VG text: the `key = value` lines lvm2's exporters print, and libdm's
// own config writer (out_config_node) for the sections lvm2 copies through it.
import type { RawNode, RawScalar, RawValue } from '../model/raw.ts';
import type { TextWriter } from './handler.ts';

/** A string as libdm writes it: in double quotes, `"` and `\` escaped. */
export function quoted(s: string): string {
  return '"' + s.replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"';
}

export function scalarText(v: RawScalar): string {
  return v.kind === 'string' ? quoted(v.value) : String(v.value);
}

/** `value` as lvm2's outf prints it: arrays on one line, `, `-separated. */
export function valueText(v: RawValue): string {
  return v.kind === 'array' ? '[' + v.items.map(scalarText).join(', ') + ']' : scalarText(v);
}

/** A `key = value` line, or a section with its nodes one level in. */
export function writeNode(out: TextWriter, n: RawNode): void {
  if (n.children) out.block(`${n.key} {`, () => n.children!.forEach((c) => writeNode(out, c)), '}');
  else if (n.value) out.line(`${n.key} = ${valueText(n.value)}`);
}

/**
 * libdm's dm_config_write_node, which lvm2 uses for settings sections: the section's own tab
 * indentation inside the line, `key=value` with no spaces, arrays as `[a,b]`.
 */
export function writeConfigNode(out: TextWriter, n: RawNode, level = 0): void {
  const tabs = '\t'.repeat(Math.min(level, 5));
  if (n.children) {
    out.line(`${tabs}${n.key} {`);
    for (const c of n.children) writeConfigNode(out, c, level + 1);
    out.line(`${tabs}}`);
  } else if (n.value) {
    const v = n.value;
    out.line(`${tabs}${n.key}=${v.kind === 'array' ? '[' + v.items.map(scalarText).join(',') + ']' : scalarText(v)}`);
  }
}
