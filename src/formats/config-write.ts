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

/** Values lvm2 makes from its defaults, which --withspaces writes as `key = value` (those read from a file keep no such mark). */
export const SPACED_FORMAT = new WeakSet<ConfigValue>();

export interface WriteFormat {
  /** `# ` before each setting (lvmconfig's default and missing trees). */
  commented?: boolean;
  /** lvmconfig --withspaces. */
  withSpaces?: boolean;
}

export function configValueText(v: ConfigValue, spaced = false): string {
  if (v.kind !== 'array') return scalar(v);
  if (v.items.length === 1 && !ARRAY_FORMAT.has(v)) return scalar(v.items[0]!);
  return spaced ? `[ ${v.items.map(scalar).join(', ')} ]` : `[${v.items.map(scalar).join(',')}]`;
}

/** One node (a setting, or a section with all it holds) at `depth` tabs. */
export function writeConfigNode(n: ConfigNode, depth = 0, f: WriteFormat = {}): string {
  const tabs = '\t'.repeat(depth);
  if (n.children) return `${tabs}${n.key} {\n${n.children.map((c) => writeConfigNode(c, depth + 1, f)).join('')}${tabs}}\n`;
  const spaced = f.withSpaces === true && n.value !== undefined && SPACED_FORMAT.has(n.value);
  return `${tabs}${f.commented ? '# ' : ''}${n.key}${spaced ? ' = ' : '='}${n.value ? configValueText(n.value, spaced) : ''}\n`;
}

export function writeConfig(nodes: ConfigNode[], f: WriteFormat = {}): string {
  return nodes.map((n) => writeConfigNode(n, 0, f)).join('');
}
