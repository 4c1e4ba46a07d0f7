// The segment types ulvm knows, by the name VG text gives them; any other is kept as unknown.
import type { Segment, SegmentKind } from '../model/types.ts';
import type { SegtypeHandler } from './handler.ts';
import { striped } from './striped.ts';
import { snapshot } from './snapshot.ts';
import { thinPool } from './thin-pool.ts';
import { thin } from './thin.ts';
import { zero } from './zero.ts';
import { error } from './error.ts';
import { unknown } from './unknown.ts';

type HandlerOf<K extends SegmentKind> = SegtypeHandler<Extract<Segment, { kind: K }>>;

const BY_KIND: { [K in SegmentKind]: HandlerOf<K> } = {
  striped, snapshot, 'thin-pool': thinPool, thin, zero, error, unknown,
};

const BY_NAME = new Map<string, SegtypeHandler>(
  Object.values(BY_KIND)
    .filter((h) => h.kind !== 'unknown')
    .map((h) => [h.name, h as unknown as SegtypeHandler]),
);

/** The handler for a `type = "..."` value (flags aside); unknown types get the keep-everything one. */
export function handlerForType(type: string): SegtypeHandler {
  const plus = type.indexOf('+');
  return BY_NAME.get(plus >= 0 ? type.slice(0, plus) : type) ?? (unknown as unknown as SegtypeHandler);
}

/** The handler of a segment in the model. */
export function segtypeOf<S extends Segment>(seg: S): SegtypeHandler<S> {
  return BY_KIND[seg.kind] as unknown as SegtypeHandler<S>;
}

/** LVs a segment uses. */
export function segReferences(seg: Segment): string[] {
  return segtypeOf(seg).references(seg);
}

/** lvrename: every segment of the VG's LVs that names `from` names `to` instead. */
export function renameReferences(lvs: { segments: Segment[] }[], from: string, to: string): void {
  for (const lv of lvs) for (const seg of lv.segments) segtypeOf(seg).rename(seg, from, to);
}

