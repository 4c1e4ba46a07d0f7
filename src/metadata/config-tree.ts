// lvm.conf as lvm2 holds it in memory, which is what lvmconfig prints: libdm's parser keeps one
// node per key (a repeated key overwrites the value where it first appeared; a repeated section
// gathers its keys), and lvm2 then merges the file into its working tree (merge_config_tree),
// which puts each new top-level section after the first one, leaves out `tags`, and overwrites
// or adds the values of a section already there (a new one, again, after the first).
import type { ConfigNode } from '../formats/config-text.ts';

const copy = (n: ConfigNode): ConfigNode => (n.children ? { key: n.key, children: n.children.map(copy) } : { ...n });

/** One node per key, as libdm's parser makes them. */
export function parsedTree(nodes: ConfigNode[]): ConfigNode[] {
  const out: ConfigNode[] = [];
  for (const n of nodes) {
    const same = out.find((o) => o.key === n.key);
    if (same && same.children && n.children) same.children = parsedTree([...same.children, ...n.children]);
    else if (same) Object.assign(same, n.children ? { children: parsedTree(n.children), value: undefined } : { value: n.value, children: undefined });
    else out.push(n.children ? { key: n.key, children: parsedTree(n.children) } : { ...n });
  }
  return out.map((n) => (n.children ? { key: n.key, children: n.children } : { key: n.key, ...(n.value ? { value: n.value } : {}) }));
}

/** lvm2's _insert_config_node: first in an empty list, else right after the first. */
function insert(list: ConfigNode[], n: ConfigNode): void {
  list.splice(list.length ? 1 : 0, 0, n);
}

/** lvm2's _merge_section: values only (subsections are left out), new keys after the first. */
function mergeSection(into: ConfigNode, from: ConfigNode): void {
  into.children ??= [];
  for (const c of from.children ?? []) {
    if (c.children) continue;
    const old = into.children.find((o) => o.key === c.key);
    if (old) old.value = c.value!;
    else insert(into.children, copy(c));
  }
}

/**
 * lvm2's merge_config_tree of `from` into `into` (modified, and returned): 'tags' is the merge of
 * config files into the working tree, which leaves their `tags` sections out; 'raw' is lvmconfig's
 * merge of the --config tree over the files.
 */
export function mergeTree(into: ConfigNode[], from: ConfigNode[], kind: 'tags' | 'raw'): ConfigNode[] {
  for (const n of from) {
    if (kind === 'tags' && n.key === 'tags') continue;
    const old = into.find((o) => o.key === n.key);
    if (old) mergeSection(old, n);
    else insert(into, copy(n));
  }
  return into;
}

/** A node by lvm2's path (dm_config_find_node): slash-separated, a leading slash ignored. */
export function findPath(nodes: ConfigNode[], path: string): ConfigNode | undefined {
  const parts = path.replace(/^\/+/, '').split('/');
  let list: ConfigNode[] | undefined = nodes;
  let found: ConfigNode | undefined;
  for (const p of parts) {
    found = list?.find((n) => n.key === p);
    if (!found) return undefined;
    list = found.children;
  }
  return found;
}
