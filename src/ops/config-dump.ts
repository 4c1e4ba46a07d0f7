// What lvmconfig prints: the configuration as lvm2 holds it (lvm.conf merged into its working
// tree; with --config, that tree alone for `current`, merged over the files for the rest), the
// defaults ulvm knows, or the difference between the two.
import { join } from 'node:path';
import type { Ctx } from './context.ts';
import type { ConfigNode } from '../formats/config-text.ts';
import { configDefaults, sameConfigValue } from '../metadata/config-defaults.ts';
import { findPath, mergeTree, parsedTree } from '../metadata/config-tree.ts';
import { writeConfig, writeConfigNode } from '../formats/config-write.ts';

export type ConfigDumpType = 'current' | 'default' | 'diff' | 'full' | 'missing';

export interface ConfigDumpOptions {
  type?: ConfigDumpType;
  /** Settings or sections (`devices/filter`, `global`); none: everything. */
  paths?: string[];
  /** `current` merged over the files, as --mergedconfig. */
  merged?: boolean;
  /** Default values as `key = value` (--withspaces). */
  withSpaces?: boolean;
}

export interface ConfigDumpResult {
  /** What lvmconfig writes (stdout, or its --file). */
  text: string;
  /** Paths not found (lvm2 says so for each, and fails). */
  notFound: string[];
}

/** lvm2's cmd->cft: the --config tree if there is one, else lvm.conf merged into the working tree. */
function trees(ctx: Ctx): { current: ConfigNode[]; merged: ConfigNode[] } {
  const file = ctx.config.fileTree;
  const files = file ? mergeTree([], parsedTree(file), 'tags') : [];
  const overrides = ctx.config.overrideTrees;
  if (!overrides.length) return { current: files, merged: files };
  const over = parsedTree(overrides.flat());
  return { current: over, merged: mergeTree(mergeTree([], files, 'raw'), over, 'raw') };
}

/** Value nodes kept by `keep`; sections left empty go. */
function filterTree(nodes: ConfigNode[], keep: (section: string | undefined, n: ConfigNode) => boolean, section?: string): ConfigNode[] {
  const out: ConfigNode[] = [];
  for (const n of nodes) {
    if (n.children) {
      const children = filterTree(n.children, keep, section === undefined ? n.key : `${section}/${n.key}`);
      if (children.length) out.push({ key: n.key, children });
    } else if (keep(section, n)) out.push(n);
  }
  return out;
}

function defaultOf(defaults: ConfigNode[], section: string | undefined, key: string): ConfigNode | undefined {
  return section === undefined ? undefined : findPath(defaults, `${section}/${key}`);
}

/** lvm2's full tree: each default section with the settings made, put in as lvm2 merges them. */
function fullTree(defaults: ConfigNode[], merged: ConfigNode[]): ConfigNode[] {
  const base = defaults.map((s) => {
    const set = merged.find((m) => m.key === s.key)?.children ?? [];
    return { key: s.key, children: (s.children ?? []).filter((d) => !set.some((x) => x.key === d.key)) };
  });
  return mergeTree(base, merged, 'raw');
}

export function dumpConfig(ctx: Ctx, o: ConfigDumpOptions = {}): ConfigDumpResult {
  const type = o.type ?? 'current';
  const { current, merged } = trees(ctx);
  // lvm2's defaults for these are under its system directory, whatever lvm.conf says.
  const defaults = configDefaults({ backupDir: join(ctx.paths.systemDir, 'backup'), archiveDir: join(ctx.paths.systemDir, 'archive') });
  let tree: ConfigNode[];
  if (type === 'current') tree = o.merged ? merged : current;
  else if (type === 'diff') tree = filterTree(merged, (sec, n) => !(defaultOf(defaults, sec, n.key)?.value && n.value && sameConfigValue(defaultOf(defaults, sec, n.key)!.value!, n.value)));
  else if (type === 'default') tree = defaults;
  else if (type === 'missing') tree = filterTree(defaults, (sec, n) => !(sec !== undefined && findPath(merged, `${sec}/${n.key}`)));
  else tree = fullTree(defaults, merged);
  const format = { commented: type === 'default' || type === 'missing', withSpaces: o.withSpaces === true };
  if (!o.paths?.length) return { text: writeConfig(tree, format), notFound: [] };
  let text = '';
  const notFound: string[] = [];
  for (const p of o.paths) {
    const n = findPath(tree, p);
    if (n) text += writeConfigNode(n, 0, format);
    else notFound.push(p);
  }
  return { text, notFound };
}
