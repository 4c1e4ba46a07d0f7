// What a segment type knows about itself, as lvm2's struct segtype_handler: how its segment reads
// from and writes to VG text, which LVs it uses, and how it comes up in the device stack.
import type { Segment, SegmentBase } from '../model/types.ts';
import type { RawNode } from '../model/raw.ts';

export interface TextImportCtx {
  /** `segment segment1 of logical volume lv0`: how messages name the segment. */
  where: string;
  /** PV section names (`pv0` ...) to PV ids. */
  pvByName: ReadonlyMap<string, string>;
  /** Whether the VG has an LV of this name (lvm2's find_lv). */
  lvExists(name: string): boolean;
  fail(message: string): never;
}

/** Where a segment writes its keys: lines at the segment's indentation, in raw or file form. */
export interface TextWriter {
  readonly extentSize: number;
  line(text: string, comment?: string): void;
  nl(): void;
  /** A line followed, in the file form, by the size comment of `sectors`. */
  size(sectors: number, text: string): void;
  /** `open`, the body one level in, `close`. */
  block(open: string, body: () => void, close: string): void;
  /** The section name (`pv0` ...) a PV has in this text. */
  pvName(pvId: string): string;
}

/** A segment's place in a dm table: where it starts in the LV and how long it is, in sectors. */
export interface TargetExtent {
  start: number;
  length: number;
}

/** `Status` is what the segment's target reports (dm status), for the types that have one in ulvm. */
export interface SegtypeHandler<S extends Segment = Segment, Status = unknown> {
  /** The type name in VG text (`type = "..."`, `+FLAG` suffixes aside). */
  readonly name: string;
  readonly kind: S['kind'];
  /** Reads the segment's own keys; `nodes` are all the keys of its section. */
  textImport(nodes: RawNode[], base: SegmentBase, ctx: TextImportCtx): S;
  /** Writes the keys after `type` (and `tags`), in lvm2's order. */
  textExport(seg: S, out: TextWriter): void;
  /** Names of the LVs the segment uses, in the order lvm2 writes them. */
  references(seg: S): string[];
  /** Points references to LV `from` at `to` (lvrename). */
  rename(seg: S, from: string, to: string): void;
  /** dm target name of the segment's table line (lvm2's target_name). */
  targetName?(seg: S): string;
  /** LVs whose devices the segment's target is loaded over, bottom of the stack first. */
  deviceStack?(seg: S): string[];
  /** The table line, given `major:minor` of each deviceStack device (same order). */
  targetLine?(seg: S, sectors: number, devices: string[]): string;
  /** The percent lvm2 reports from the target's status (target_percent). */
  percent?(status: Status): number;
  /** dmeventd's watch: whether this status at `thresholdPercent` calls for extending the LV. */
  needsExtend?(status: Status, thresholdPercent: number): boolean;
}
