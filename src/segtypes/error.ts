// error: every I/O fails (lvm2 lib/error). No keys of its own.
import type { ErrorSegment } from '../model/types.ts';
import type { SegtypeHandler } from './handler.ts';

export const error: SegtypeHandler<ErrorSegment> = {
  name: 'error',
  kind: 'error',
  textImport: (_nodes, base) => ({ ...base, kind: 'error' }),
  textExport: () => undefined,
  references: () => [],
  rename: () => undefined,
  targetName: () => 'error',
  deviceStack: () => [],
};
