// What a reader of the thin mapping trees needs: node blocks and the top-level root. The live
// metadata's current transaction and a held metadata snapshot both provide one.
import { type NodeReader, childOf, decodeDiffNode, keyOf } from './btree-diff.ts';
import type { ThinMetadata } from './thin-metadata.ts';
import { btreeNodeValidator } from './validator.ts';

export interface MappingView extends NodeReader {
  /** Root of the top-level tree: thin device id -> root of the device's mapping tree. */
  readonly mappingRoot: number;
}

/**
 * The live metadata as it stands in the current transaction. Reads go through the block
 * manager's cache, so uncommitted changes are seen as a lookup sees them.
 */
export function viewOf(md: ThinMetadata): MappingView {
  return {
    get mappingRoot() {
      return md.dataMappingRoot;
    },
    readNode: (b) => md.bm.readDecoded(b, btreeNodeValidator, decodeDiffNode),
  };
}

/** The root of device `id`'s mapping tree, or undefined if the top level has no such device. */
export function deviceRootIn(view: MappingView, id: number): number | undefined {
  let n = view.readNode(view.mappingRoot);
  for (;;) {
    // The largest key <= id: parent keys are lower bounds of their children's keys.
    let i = -1;
    while (i + 1 < n.nr && keyOf(n, i + 1) <= id) i++;
    if (i < 0) return undefined;
    if (n.leaf) return keyOf(n, i) === id ? childOf(n, i) : undefined;
    n = view.readNode(childOf(n, i));
  }
}
