// Sparse image files for tests.
import { closeSync, ftruncateSync, openSync } from 'node:fs';

export function sparseFile(path: string, bytes: number): string {
  const fd = openSync(path, 'w');
  ftruncateSync(fd, bytes);
  closeSync(fd);
  return path;
}
