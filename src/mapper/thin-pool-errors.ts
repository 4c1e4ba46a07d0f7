// Failures of the pool's table load and messages, with the errno the kernel returns: the ioctl
// fails with it (dmsetup prints its strerror). I/O errors are TargetIoErrors instead.
import type { ThinErrno } from '../pdata/thin-metadata-errors.ts';
import { TargetIoError } from './target.ts';

export type ThinPoolErrno = ThinErrno | 'EOPNOTSUPP' | 'EIO';

export class ThinPoolError extends Error {
  constructor(
    readonly errno: ThinPoolErrno,
    message: string,
  ) {
    super(message);
  }
}

const ERRNO_VALUES: Record<string, number> = {
  EPERM: 1, EIO: 5, EBUSY: 16, EEXIST: 17, EINVAL: 22, ENOSPC: 28, ENODATA: 61, ENOTBLK: 15, EILSEQ: 84, EOPNOTSUPP: 95,
};

/** The errno's number, as the kernel's "error = -28" log lines print it (negated). */
export function errnoValue(errno: string): number {
  return ERRNO_VALUES[errno] ?? 5;
}

/** The error a failed bio completes with (BLK_STS_NOSPC / BLK_STS_IOERR). */
export function ioError(code: 'EIO' | 'ENOSPC'): TargetIoError {
  return new TargetIoError(code === 'ENOSPC' ? 'No space left on device' : 'Input/output error', code);
}
