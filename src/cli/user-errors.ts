// Failures a user can provoke (every UlvmError, and the errnos of permissions, busy or read-only
// devices) and what lvm2 prints for them; anything else that escapes a command is a bug ("Internal error").
import { errnoCode, isUserErrno, strerror } from '../devices/errno.ts';
import { UlvmError } from '../errors.ts';

export interface UserFailure {
  /** Exactly what goes to stderr. */
  stderr: string;
  rc: number;
}

const indent = (lines: string[]) => lines.map((l) => `  ${l}\n`).join('');

export function userFailure(e: unknown): UserFailure | undefined {
  if (e instanceof UlvmError) return { stderr: e.stderrText(), rc: e.rc };
  if (isUserErrno(e)) {
    // lvm2's log_sys_error: "<path>: <call> failed: <strerror>".
    const x = e as NodeJS.ErrnoException;
    const what = x.path ? `${x.path}: ` : '';
    return { stderr: indent([`${what}${x.syscall ?? 'operation'} failed: ${strerror(errnoCode(e)!)}`]), rc: 5 };
  }
  return undefined;
}
