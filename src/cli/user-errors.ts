// Failures a user can provoke (permissions, busy or read-only devices, a broken lvm.conf) and
// what lvm2 prints for them; anything else that escapes a command is a bug ("Internal error").
import { DeviceAccessError, DeviceBusyError, DeviceNotFoundError, DeviceWriteError } from '../devices/device.ts';
import { errnoCode, isUserErrno, strerror } from '../devices/errno.ts';
import { BackupError } from '../metadata/backup.ts';
import { ConfigError } from '../metadata/config.ts';
import { DevicesFileError } from '../metadata/devices-file.ts';
import { DuplicateVgNameError } from '../metadata/scan.ts';

export interface UserFailure {
  /** Exactly what goes to stderr. */
  stderr: string;
  rc: number;
}

const indent = (lines: string[]) => lines.map((l) => `  ${l}\n`).join('');

export function userFailure(e: unknown): UserFailure | undefined {
  if (e instanceof ConfigError) return { stderr: e.stderr, rc: e.rc };
  if (e instanceof DeviceBusyError || e instanceof DeviceWriteError || e instanceof DeviceNotFoundError || e instanceof DevicesFileError) return { stderr: indent([e.message]), rc: 5 };
  if (e instanceof DeviceAccessError) return { stderr: indent([`Cannot use ${e.path}: device not found`]), rc: 5 };
  if (e instanceof DuplicateVgNameError) return { stderr: indent(e.lines), rc: 5 };
  if (e instanceof BackupError) return { stderr: indent(e.lines.length ? e.lines : ['Command failed with status code 5.']), rc: 5 };
  if (isUserErrno(e)) {
    // lvm2's log_sys_error: "<path>: <call> failed: <strerror>".
    const x = e as NodeJS.ErrnoException;
    const what = x.path ? `${x.path}: ` : '';
    return { stderr: indent([`${what}${x.syscall ?? 'operation'} failed: ${strerror(errnoCode(e)!)}`]), rc: 5 };
  }
  return undefined;
}
