// Any RepoStorage (a folder now; SSH and S3 later) seen through one error policy: a full disk or
// quota on a write is BACKUP_NO_SPACE with one clear sentence, whichever backend reported it.
import type { RepoStorage } from '../types.ts';
import { mapStorageError } from './errors.ts';

export class GuardedStorage implements RepoStorage {
  constructor(readonly inner: RepoStorage) {}

  get location(): string {
    return this.inner.location;
  }

  get(key: string): Promise<Uint8Array | undefined> {
    return this.inner.get(key);
  }

  getRange(key: string, offset: number, length: number): Promise<Uint8Array> {
    return this.inner.getRange(key, offset, length);
  }

  async put(key: string, data: Uint8Array, o?: { ifAbsent?: boolean }): Promise<boolean> {
    try {
      return await this.inner.put(key, data, o);
    } catch (e) {
      return mapStorageError(e, this.inner.location, key);
    }
  }

  list(prefix: string): Promise<string[]> {
    return this.inner.list(prefix);
  }

  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }

  size(key: string): Promise<number | undefined> {
    return this.inner.size(key);
  }

  async removeTemporary(olderThanMs: number): Promise<number> {
    return this.inner.removeTemporary ? this.inner.removeTemporary(olderThanMs) : 0;
  }
}

export function guarded(s: RepoStorage): RepoStorage {
  return s instanceof GuardedStorage ? s : new GuardedStorage(s);
}
