// Failures of pool metadata operations, with the errno the kernel returns and its log text.

export type ThinErrno = 'EEXIST' | 'ENODATA' | 'EBUSY' | 'EINVAL' | 'EPERM' | 'EILSEQ' | 'ENOTBLK' | 'ENOSPC';

export class ThinMetadataError extends Error {
  constructor(
    readonly errno: ThinErrno,
    message: string,
  ) {
    super(message);
  }
}
