// Value types of lvm2's tools/vals.h: the name used in command-lines.in and the text help prints.
// Kept in vals.h enum order because help lists alternatives (`VG|LV|Tag`) in that order.

export interface ValueType {
  /** vals.h enum name without `_VAL`. */
  id: string;
  /** Name in command-lines.in (`SizeMB`). */
  name: string;
  /** Text shown in usage, or null to show the name itself. */
  usage: string | null;
}

const RAW: readonly [string, string, string | null][] = [
  ['conststr', 'ConstString', null],
  ['constnum', 'ConstNumber', null],
  ['bool', 'Bool', 'y|n'],
  ['number', 'Number', null],
  ['snumber', 'SNumber', '[+|-]Number'],
  ['pnumber', 'PNumber', '[+]Number'],
  ['uint32', 'Uint32', 'Number'],
  ['string', 'String', null],
  ['vg', 'VG', null],
  ['lv', 'LV', null],
  ['pv', 'PV', null],
  ['tag', 'Tag', null],
  ['select', 'Select', null],
  ['activationmode', 'ActivationMode', 'partial|degraded|complete'],
  ['activation', 'Active', 'y|n|ay'],
  ['cachemetadataformat', 'CacheMetadataFormat', 'auto|1|2'],
  ['cachemode', 'CacheMode', 'writethrough|writeback|passthrough'],
  ['discards', 'Discards', 'passdown|nopassdown|ignore'],
  ['mirrorlog', 'MirrorLog', 'core|disk'],
  ['sizekb', 'SizeKB', 'Size[k|UNIT]'],
  ['ssizekb', 'SSizeKB', '[+|-]Size[k|UNIT]'],
  ['sizemb', 'SizeMB', 'Size[m|UNIT]'],
  ['ssizemb', 'SSizeMB', '[+|-]Size[m|UNIT]'],
  ['psizemb', 'PSizeMB', '[+]Size[m|UNIT]'],
  ['nsizemb', 'NSizeMB', '[-]Size[m|UNIT]'],
  ['regionsizemb', 'RegionSize', 'Size[m|UNIT]'],
  ['extents', 'Extents', 'Number[PERCENT]'],
  ['sextents', 'SExtents', '[+|-]Number[PERCENT]'],
  ['pextents', 'PExtents', '[+]Number[PERCENT]'],
  ['nextents', 'NExtents', '[-]Number[PERCENT]'],
  ['permission', 'Permission', 'rw|r'],
  ['metadatatype', 'MetadataType', 'lvm2'],
  ['units', 'Units', '[Number]r|R|h|H|b|B|s|S|k|K|m|M|g|G|t|T|p|P|e|E'],
  ['segtype', 'SegType', 'linear|striped|snapshot|raid|mirror|thin|thin-pool|vdo|vdo-pool|cache|cache-pool|writecache'],
  ['alloc', 'Alloc', 'contiguous|cling|cling_by_tags|normal|anywhere|inherit'],
  ['locktype', 'LockType', 'sanlock|dlm|none'],
  ['readahead', 'Readahead', 'auto|none|Number'],
  ['vgmetadatacopies', 'MetadataCopiesVG', 'all|unmanaged|Number'],
  ['pvmetadatacopies', 'MetadataCopiesPV', '0|1|2'],
  ['metadatacopies', 'unused', 'unused'],
  ['polloperation', 'PollOp', 'pvmove|convert|merge|merge_thin'],
  ['writemostly', 'WriteMostlyPV', 'PV[:t|n|y]'],
  ['syncaction', 'SyncAction', 'check|repair'],
  ['reportformat', 'ReportFmt', 'basic|json'],
  ['configreport', 'ConfigReport', 'log|vg|lv|pv|pvseg|seg'],
  ['configtype', 'ConfigType', 'current|default|diff|full|list|missing|new|profilable|profilable-command|profilable-metadata'],
  ['repairtype', 'RepairType', 'pv_header|metadata|label_header'],
  ['dumptype', 'DumpType', 'headers|metadata|metadata_all|metadata_search'],
];

export const VALUE_TYPES: readonly ValueType[] = RAW.map(([id, name, usage]) => ({ id, name, usage }));

/** Enum order of each value type id, for printing alternatives in lvm2's order. */
export const VALUE_ORDER: ReadonlyMap<string, number> = new Map(VALUE_TYPES.map((v, i) => [v.id, i]));

/**
 * vals.h type for a name in command-lines.in (`VG_new` → vg). lvm2 compares only the part
 * before the first `_` and accepts a name that merely starts with a type name; no name in
 * the file depends on that laxness, so an exact match of the part before `_` is enough.
 */
export function valueTypeByName(word: string): ValueType | undefined {
  const base = word.split('_')[0];
  return VALUE_TYPES.find((v) => v.name === base);
}
