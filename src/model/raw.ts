// Metadata nodes the model keeps as read: segments of types ulvm does not know and lvm2's
// historical LVs. The same shape as the config parser's nodes, so text maps onto it unchanged.
export type RawScalar = { kind: 'int'; value: number } | { kind: 'float'; value: number } | { kind: 'string'; value: string };
export type RawValue = RawScalar | { kind: 'array'; items: RawScalar[] };

export interface RawNode {
  key: string;
  /** Present for `key = value`. */
  value?: RawValue;
  /** Present for `key { ... }`. */
  children?: RawNode[];
}

function cloneValue(v: RawValue): RawValue {
  return v.kind === 'array' ? { kind: 'array', items: v.items.map((i) => ({ ...i })) } : { ...v };
}

export function cloneRawNodes(nodes: RawNode[]): RawNode[] {
  return nodes.map((n) => {
    const c: RawNode = { key: n.key };
    if (n.value) c.value = cloneValue(n.value);
    if (n.children) c.children = cloneRawNodes(n.children);
    return c;
  });
}
