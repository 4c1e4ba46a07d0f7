// What changed between two thin devices, in thin_delta's terms: runs of virtual blocks that map to
// the same data block in both, to different ones, or only on one side.
import type { ThinMetadata } from './thin-metadata.ts';

export type DeltaKind = 'same' | 'different' | 'left_only' | 'right_only';

export interface DeltaRun {
  kind: DeltaKind;
  begin: number;
  length: number;
}

function blocks(md: ThinMetadata, id: number): Map<number, number> {
  const m = new Map<number, number>();
  md.mappings(id, (v, bt) => void m.set(v, bt.block));
  return m;
}

export function thinDelta(md: ThinMetadata, left: number, right: number): DeltaRun[] {
  const l = blocks(md, left);
  const r = blocks(md, right);
  const keys = [...new Set([...l.keys(), ...r.keys()])].sort((a, b) => a - b);
  const runs: DeltaRun[] = [];
  for (const v of keys) {
    const a = l.get(v);
    const b = r.get(v);
    const kind: DeltaKind = a === undefined ? 'right_only' : b === undefined ? 'left_only' : a === b ? 'same' : 'different';
    const last = runs.at(-1);
    if (last && last.kind === kind && last.begin + last.length === v) last.length++;
    else runs.push({ kind, begin: v, length: 1 });
  }
  return runs;
}
