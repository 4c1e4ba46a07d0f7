// The change-map tracker: the regions a plain LV's change map says were written during the
// generation that ended at this backup's instant. It vouches only for a backup whose parent was
// taken at the end of the previous generation; any other parent (or a map that says 'all') reads
// everything.
import type { RotatedChangeMap } from '../../mapper/change-map.ts';
import type { ChangedRanges } from '../types.ts';

/**
 * `parentGeneration`: the generation that ended at the parent backup's instant (undefined when
 * the parent was taken without a change map). `size`: the volume's size now.
 */
export function changeMapChanges(rotated: RotatedChangeMap, parentGeneration: number | undefined, size: number): ChangedRanges {
  if (rotated.all) return { tracker: 'change-map', ranges: 'all', note: rotated.note ?? 'the change map does not cover the whole interval' };
  if (parentGeneration === undefined) return { tracker: 'change-map', ranges: 'all', note: 'the parent backup has no change map generation' };
  if (parentGeneration + 1 !== rotated.generation)
    return { tracker: 'change-map', ranges: 'all', note: `the change map's generation ${rotated.generation} does not follow the parent's ${parentGeneration}` };
  const bits = Buffer.from(rotated.bitmap, 'base64');
  const rs = rotated.regionSize;
  const ranges: { offset: number; length: number }[] = [];
  for (let byte = 0; byte < bits.length; byte++) {
    if (!bits[byte]) continue;
    for (let b = 0; b < 8; b++) {
      if (!(bits[byte]! & (1 << b))) continue;
      const offset = (byte * 8 + b) * rs;
      if (offset >= size) break;
      const length = Math.min(rs, size - offset);
      const last = ranges[ranges.length - 1];
      if (last && last.offset + last.length === offset) last.length += length;
      else ranges.push({ offset, length });
    }
  }
  return { tracker: 'change-map', ranges };
}
