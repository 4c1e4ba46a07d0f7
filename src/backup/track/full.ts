// The fallback tracker: nothing is known about what changed, so everything is read.
import type { ChangedRanges } from '../types.ts';

export function fullChanges(note?: string): ChangedRanges {
  return { tracker: 'full', ranges: 'all', ...(note ? { note } : {}) };
}
