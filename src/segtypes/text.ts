// Reading typed values out of a segment's keys, with lvm2's complaints when they are missing or wrong.
import type { RawNode, RawValue } from '../model/raw.ts';
import type { TextImportCtx } from './handler.ts';

export function value(nodes: RawNode[], key: string): RawValue | undefined {
  return nodes.find((n) => n.key === key)?.value;
}

export function has(nodes: RawNode[], key: string): boolean {
  return nodes.some((n) => n.key === key);
}

/** A string value; undefined when absent, `ctx.fail(message)` when not a string. */
export function optString(nodes: RawNode[], key: string, ctx: TextImportCtx, message: string): string | undefined {
  if (!has(nodes, key)) return undefined;
  const v = value(nodes, key);
  if (v?.kind !== 'string') ctx.fail(message);
  return v.value;
}

export function reqString(nodes: RawNode[], key: string, ctx: TextImportCtx, message: string): string {
  const v = value(nodes, key);
  if (v?.kind !== 'string') ctx.fail(message);
  return v.value;
}

/** A non-negative integer (dm_config_get_uint32/64). */
export function optUint(nodes: RawNode[], key: string, ctx: TextImportCtx, message: string): number | undefined {
  if (!has(nodes, key)) return undefined;
  const v = value(nodes, key);
  if (v?.kind !== 'int' || v.value < 0) ctx.fail(message);
  return v.value;
}

export function reqUint(nodes: RawNode[], key: string, ctx: TextImportCtx, message: string): number {
  const v = value(nodes, key);
  if (v?.kind !== 'int' || v.value < 0) ctx.fail(message);
  return v.value;
}

/** lvm2's SEG_LOG_ERROR: the message, then which segment of which LV. */
export function segError(ctx: TextImportCtx, text: string): string {
  return `${text} ${ctx.where}.`;
}

/** Keys of a segment section that are the segment's own, not its type's. */
export const BASE_KEYS = new Set(['start_extent', 'extent_count', 'type', 'tags', 'reshape_count']);

/** Nodes lvm2's typed import does not read, kept so a write gives them back. */
export function leftovers(nodes: RawNode[], known: ReadonlySet<string>): RawNode[] {
  return nodes.filter((n) => !BASE_KEYS.has(n.key) && !known.has(n.key));
}

/** A required count, with the import's own messages for each way it can be wrong. */
export function reqCount(nodes: RawNode[], key: string, ctx: TextImportCtx): number {
  const v = value(nodes, key);
  if (!v) ctx.fail(`Couldn't find ${key} for ${ctx.where}.`);
  if (v.kind !== 'int') ctx.fail(`Couldn't read ${key} for ${ctx.where}.`);
  if (v.value < 0) ctx.fail(`Invalid ${key} for ${ctx.where}.`);
  return v.value;
}
