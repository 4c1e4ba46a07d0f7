// Segment types ulvm does not implement (raid, mirror, cache, vdo ...), as lvm2's unknown segtype:
// every key is kept and written back. lvm2 writes these types with its own exporters, so the keys
// go out in the layouts those use: area arrays one area per line after an empty line, settings
// sections through libdm's config writer, size comments on the keys that get them.
import type { UnknownSegment } from '../model/types.ts';
import type { RawNode, RawScalar } from '../model/raw.ts';
import type { SegtypeHandler, TextWriter } from './handler.ts';
import { isAreaArray, readAreas, writeAreas } from './areas.ts';
import { scalarText, valueText, writeConfigNode } from './raw-text.ts';
import { BASE_KEYS } from './text.ts';

/** Keys whose string value names an LV, by the exporters of lvm2's other types. */
const LV_KEYS = new Set(['cache_pool', 'origin', 'data', 'metadata', 'pool', 'mirror_log', 'vdo_pool', 'writecache', 'meta_dev', 'thin_pool', 'external_origin']);

/** Keys lvm2 prints with a size comment, and the sectors one unit of their value is. */
const SIZED: Record<string, (extentSize: number) => number> = {
  extents_moved: (e) => e,
  virtual_extents: (e) => e,
  header_size: () => 1,
  block_map_cache_size_mb: () => 2048,
  index_memory_size_mb: () => 2048,
  slab_size_mb: () => 2048,
};

/** One line per area: `"name", offset`, or a raid image with its metadata LV (`"lv_rmeta_0", "lv_rimage_0"`). */
function areaLines(items: RawScalar[]): string[] {
  const lines: string[] = [];
  for (let i = 0; i < items.length; i++) {
    const a = items[i]!;
    const b = items[i + 1];
    const paired = b && a.kind === 'string' && (b.kind === 'int' || /_rmeta_\d+$/.test(a.value));
    lines.push(paired ? `${scalarText(a)}, ${scalarText(b)}` : scalarText(a));
    if (paired) i++;
  }
  return lines.map((l, i) => (i < lines.length - 1 ? l + ',' : l));
}

function writeTop(out: TextWriter, seg: UnknownSegment, n: RawNode): void {
  if (n.children) return writeConfigNode(out, n);
  const v = n.value;
  if (!v) return;
  if (v.kind === 'array') {
    if (n.key === seg.areasKey && seg.areas) return writeAreas(out, n.key, seg.areas);
    out.nl();
    return out.block(`${n.key} = [`, () => areaLines(v.items).forEach((l) => out.line(l)), ']');
  }
  const text = `${n.key} = ${valueText(v)}`;
  const unit = SIZED[n.key];
  if (unit && v.kind === 'int') out.size(v.value * unit(out.extentSize), text);
  else out.line(text, n.key === 'stripe_count' && v.kind === 'int' && v.value === 1 ? '# linear' : undefined);
}

/** String values of the LV-naming keys, and every name in area arrays. */
function lvNames(seg: UnknownSegment): { node: RawNode; index?: number }[] {
  const out: { node: RawNode; index?: number }[] = [];
  for (const n of seg.nodes) {
    const v = n.value;
    if (v?.kind === 'string' && LV_KEYS.has(n.key)) out.push({ node: n });
    if (v?.kind === 'array' && n.key !== seg.areasKey) v.items.forEach((it, index) => it.kind === 'string' && out.push({ node: n, index }));
  }
  return out;
}

function nameAt(ref: { node: RawNode; index?: number }): string {
  const v = ref.node.value!;
  const s = v.kind === 'array' ? v.items[ref.index!]! : v;
  return s.kind === 'string' ? s.value : '';
}

export const unknown: SegtypeHandler<UnknownSegment> = {
  name: 'unknown',
  kind: 'unknown',
  textImport(nodes, base, ctx) {
    const seg: UnknownSegment = { ...base, kind: 'unknown', nodes: nodes.filter((n) => !BASE_KEYS.has(n.key)) };
    const areasNode = seg.nodes.find((n) => isAreaArray(n.value));
    if (areasNode) {
      seg.areasKey = areasNode.key;
      seg.areas = readAreas(areasNode.value, ctx)!;
    }
    return seg;
  },
  textExport(seg, out) {
    for (const n of seg.nodes) writeTop(out, seg, n);
  },
  references(seg) {
    const names = lvNames(seg).map(nameAt);
    for (const a of seg.areas ?? []) if (a.kind === 'lv') names.push(a.lv);
    return names;
  },
  rename(seg, from, to) {
    for (const ref of lvNames(seg)) {
      if (nameAt(ref) !== from) continue;
      const v = ref.node.value!;
      if (v.kind === 'array') v.items[ref.index!] = { kind: 'string', value: to };
      else ref.node.value = { kind: 'string', value: to };
    }
    for (const a of seg.areas ?? []) if (a.kind === 'lv' && a.lv === from) a.lv = to;
  },
};
