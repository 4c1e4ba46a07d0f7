// errno codes as lvm2 reports them: Node gives `code` ("EACCES"), lvm2 prints strerror(3) text.
import { UlvmError } from '../errors.ts';

const STRERROR: Record<string, string> = {
  EPERM: 'Operation not permitted',
  ENOENT: 'No such file or directory',
  EIO: 'Input/output error',
  EACCES: 'Permission denied',
  EBUSY: 'Device or resource busy',
  EEXIST: 'File exists',
  ENOTDIR: 'Not a directory',
  EISDIR: 'Is a directory',
  ENOSPC: 'No space left on device',
  EROFS: 'Read-only file system',
  EDQUOT: 'Disk quota exceeded',
  ELOOP: 'Too many levels of symbolic links',
  ENAMETOOLONG: 'File name too long',
};

/** The errno code of a failed system call, or undefined for anything that is not one. */
export function errnoCode(e: unknown): string | undefined {
  // A UlvmError's code is ulvm's own (ENOSPC_VG is no errno).
  if (e instanceof UlvmError) return undefined;
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && code.startsWith('E') ? code : undefined;
}

/** Numeric errno (lvm2 prints it in a few messages, e.g. "(13)"); -1 when unknown. */
export function errnoNumber(e: unknown): number {
  const n = (e as NodeJS.ErrnoException | undefined)?.errno;
  return typeof n === 'number' ? Math.abs(n) : -1;
}

export function strerror(code: string): string {
  return STRERROR[code] ?? code;
}

/** Errors a user can provoke with permissions, full disks, read-only mounts, wrong paths. */
const USER_ERRNOS = new Set(['EPERM', 'ENOENT', 'EACCES', 'EBUSY', 'EEXIST', 'ENOTDIR', 'EISDIR', 'ENOSPC', 'EROFS', 'EDQUOT', 'ELOOP', 'ENAMETOOLONG']);

export function isUserErrno(e: unknown): boolean {
  const c = errnoCode(e);
  return c !== undefined && USER_ERRNOS.has(c);
}
