// zero: reads as zeros, writes vanish (lvm2 lib/zero). No keys of its own.
import type { ZeroSegment } from '../model/types.ts';
import type { SegtypeHandler } from './handler.ts';

export const zero: SegtypeHandler<ZeroSegment> = {
  name: 'zero',
  kind: 'zero',
  textImport: (_nodes, base) => ({ ...base, kind: 'zero' }),
  textExport: () => undefined,
  references: () => [],
  rename: () => undefined,
  targetName: () => 'zero',
  deviceStack: () => [],
};
