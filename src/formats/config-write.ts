// lvm.conf trees written out as lvm2's lvmconfig writes them (libdm's dm_config_write_node):
// `key=value` without spaces, sections opened with `name {` and indented by tabs, arrays as
// `["a",1]`, and a one-element array written as its element (libdm keeps no array mark for it).
import type { ConfigNode, ConfigScalar, ConfigValue } from './config-text.ts';
import { quote } from './config-text.ts';

function scalar(v: ConfigScalar): string {
  return v.kind === 'string' ? quote(v.value) : String(v.value);
}

/**
 * Arrays written as arrays even with one element (lvm2's defaults carry that format flag; values
 * read from a file do not).
 */
export const ARRAY_FORMAT = new WeakSet<ConfigValue>();

export function configValueText(v: ConfigValue): string {
  if (v.kind !== 'array') return scalar(v);
  if (v.items.length === 1 && !ARRAY_FORMAT.has(v)) return scalar(v.items[0]!);
  return `[${v.items.map(scalar).join(',')}]`;
}

/** One node (a setting, or a section with all it holds) at `depth` tabs; `commented` puts `# ` before settings. */
export function writeConfigNode(n: ConfigNode, depth = 0, commented = false): string {
  const tabs = '\t'.repeat(depth);
  if (n.children) return `${tabs}${n.key} {\n${n.children.map((c) => writeConfigNode(c, depth + 1, commented)).join('')}${tabs}}\n`;
  return `${tabs}${commented ? '# ' : ''}${n.key}=${n.value ? configValueText(n.value) : ''}\n`;
}

export function writeConfig(nodes: ConfigNode[], commented = false): string {
  return nodes.map((n) => writeConfigNode(n, 0, commented)).join('');
}
