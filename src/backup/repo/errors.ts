// The repository's failures: UlvmErrors with a BACKUP_* code, the one line a user reads, and the
// objects involved so a caller (or `ulvm backup verify`) can say which chunk, pack or backup.
import { UlvmError, type UlvmErrorCode } from '../../errors.ts';

export interface RepoErrorFacts {
  repo?: string;
  backup?: string;
  chunk?: string;
  pack?: string;
  /** BACKUP_LOCKED: who holds the lock. */
  holder?: { host: string; pid: number; what: string; since: number; kind: string };
}

export class RepoError extends UlvmError {
  constructor(
    code: UlvmErrorCode,
    message: string,
    readonly facts: RepoErrorFacts = {},
  ) {
    super(code, [message], 5, { detail: message });
  }
}

export function repoFail(code: UlvmErrorCode, message: string, facts?: RepoErrorFacts): never {
  throw new RepoError(code, message, facts);
}

/** Node's errno name of a system error (ENOSPC …), if it is one. */
export function errnoOf(e: unknown): string | undefined {
  if (e && typeof e === 'object' && 'code' in e && typeof (e as { code: unknown }).code === 'string') {
    return (e as { code: string }).code;
  }
  return undefined;
}

/** A full file system or quota, whichever storage reported it, becomes one clear error. */
export function noSpace(location: string, key: string): RepoError {
  return new RepoError(
    'BACKUP_NO_SPACE',
    `No space left in repository ${location} while writing ${key}: nothing partial was stored; free space and run again.`,
    { repo: location },
  );
}

/** Rethrows storage failures as repository errors where one is meant (ENOSPC, EDQUOT). */
export function mapStorageError(e: unknown, location: string, key: string): never {
  if (e instanceof UlvmError) throw e;
  const errno = errnoOf(e);
  if (errno === 'ENOSPC' || errno === 'EDQUOT') throw noSpace(location, key);
  throw e;
}
