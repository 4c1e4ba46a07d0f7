// Keeps the FUSE device tree in step with activation: entries come and go, sizes and names change live.
import type { ActivationObserver } from '../activation/observer.ts';
import type { FuseServer } from './server.ts';

export function fuseObserver(fuse: FuseServer): ActivationObserver {
  const tree = fuse.tree;
  return {
    shown(key, vgName, lvName, target, readOnly) {
      const before = tree.byKey(key);
      const oldNames = before ? tree.names(before) : [];
      tree.put(vgName, lvName, target, readOnly, key);
      const now = tree.byKey(key)!;
      const newNames = tree.names(now).map(([p, n]) => `${p}/${n}`);
      for (const [p, n] of oldNames) if (!newNames.includes(`${p}/${n}`)) fuse.invalidateEntry(p, n);
    },
    hidden(key) {
      const f = tree.byKey(key);
      if (!f) return;
      const names = tree.names(f);
      tree.remove(key);
      for (const [p, n] of names) fuse.invalidateEntry(p, n);
    },
    resized(key) {
      const f = tree.byKey(key);
      if (f) fuse.invalidateSize(f.id);
    },
    opens(key) {
      return tree.byKey(key)?.opens ?? 0;
    },
  };
}
