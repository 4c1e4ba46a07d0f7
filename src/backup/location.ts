// Where a repository is and how its key is given: `--repo` or $ULVM_BACKUP_REPO (a folder here;
// ssh:// and s3:// come with the replication work), the passphrase from $ULVM_BACKUP_PASSPHRASE,
// a passphrase file, or a key file. Nothing is ever read from a terminal without the user seeing
// a prompt, and a missing key is an error that says which ways there are to give one.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fail } from '../errors.ts';
import type { RepoStorage } from './types.ts';
import { LocalStorage } from './repo/local-storage.ts';
import type { RepoKey } from './repo/repository.ts';

export interface RepoArgs {
  repo?: string;
  passphraseFile?: string;
  keyFile?: string;
}

export function repoLocation(a: RepoArgs, env: Record<string, string | undefined>, cwd: string): string {
  const where = a.repo ?? env.ULVM_BACKUP_REPO;
  if (!where) fail('No repository given: use --repo REPO or set ULVM_BACKUP_REPO.', 3, 'BACKUP_NO_REPO');
  return /^[a-z][a-z0-9+.-]*:\/\//.test(where) ? where : resolve(cwd, where);
}

export function repoStorage(location: string, o: { create?: boolean } = {}): RepoStorage {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//.exec(location)?.[1];
  if (scheme === 'file') return new LocalStorage(location.slice('file://'.length), o);
  if (scheme) fail(`Repository ${location}: the ${scheme}:// transport is not available in this version of ulvm (folders only).`, 3, 'BACKUP_NO_REPO');
  return new LocalStorage(location, o);
}

export function repoKey(a: RepoArgs, env: Record<string, string | undefined>, cwd: string): RepoKey {
  if (a.keyFile) return { keyFile: resolve(cwd, a.keyFile) };
  if (a.passphraseFile) {
    let text: string;
    try {
      text = readFileSync(resolve(cwd, a.passphraseFile), 'utf8');
    } catch (e) {
      fail(`Cannot read passphrase file ${a.passphraseFile}: ${(e as NodeJS.ErrnoException).code ?? String(e)}.`, 3, 'BACKUP_WRONG_KEY');
    }
    return { passphrase: text.replace(/\r?\n$/, '') };
  }
  if (env.ULVM_BACKUP_KEY_FILE) return { keyFile: resolve(cwd, env.ULVM_BACKUP_KEY_FILE) };
  const p = env.ULVM_BACKUP_PASSPHRASE;
  if (p !== undefined) return { passphrase: p };
  fail('No key for the repository: set ULVM_BACKUP_PASSPHRASE, or use --passphrase-file FILE or --key-file FILE.', 3, 'BACKUP_WRONG_KEY');
}
