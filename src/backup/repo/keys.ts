// The repository's master key: random, made once by init, and stored only sealed under a key
// derived (scrypt) from a passphrase or a key file's bytes, in `keys/<id>`. Several key objects can
// seal the same master key (one per passphrase); changing a passphrase rewrites one small object,
// never the data. The sealed part also records the repository id and chunk size, so a swapped or
// edited plain `config` is caught when the key is opened.
import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import type { RepoStorage } from '../types.ts';
import { AuthError, type KdfParams, deriveKey, randomHex, seal, unseal } from './crypto.ts';
import { RepoError, errnoOf, repoFail } from './errors.ts';

export interface RepoKey {
  passphrase?: string;
  keyFile?: string;
}

export interface MasterKey {
  /** AES-256-GCM key of every sealed object. */
  encKey: Buffer;
  /** HMAC key of chunk ids and other names. */
  idKey: Buffer;
  repoId: string;
  chunkSize: number;
}

interface KeyObject {
  version: 1;
  kdf: 'scrypt';
  N: number;
  r: number;
  p: number;
  salt: string;
  sealed: string;
}

interface SealedMaster {
  enc: string;
  id: string;
  repo: string;
  chunkSize: number;
}

const KEY_AAD = 'ulvm-repo-key';

/** The secret bytes a RepoKey names. */
export async function keySecret(key: RepoKey): Promise<Uint8Array> {
  if ((key.passphrase === undefined) === (key.keyFile === undefined)) {
    throw new RepoError('INVALID_ARGUMENT', 'Give exactly one of a passphrase or a key file for the repository.');
  }
  if (key.passphrase !== undefined) {
    if (key.passphrase.length === 0) throw new RepoError('INVALID_ARGUMENT', 'The repository passphrase is empty.');
    return Buffer.from(key.passphrase, 'utf8');
  }
  const file = key.keyFile as string;
  try {
    const b = await readFile(file);
    if (b.length === 0) throw new RepoError('INVALID_ARGUMENT', `Key file ${file} is empty.`);
    return b;
  } catch (e) {
    if (e instanceof RepoError) throw e;
    throw new RepoError('INVALID_ARGUMENT', `Cannot read key file ${file}: ${errnoOf(e) ?? String(e)}.`);
  }
}

export function newMasterKey(repoId: string, chunkSize: number): MasterKey {
  return { encKey: randomBytes(32), idKey: randomBytes(32), repoId, chunkSize };
}

/** Writes `keys/<random id>` sealing the master key under the secret. */
export async function addKey(storage: RepoStorage, master: MasterKey, secret: Uint8Array, kdf: KdfParams): Promise<string> {
  const salt = randomBytes(32);
  const wrap = await deriveKey(secret, salt, kdf);
  const inner: SealedMaster = { enc: master.encKey.toString('base64'), id: master.idKey.toString('base64'), repo: master.repoId, chunkSize: master.chunkSize };
  const obj: KeyObject = {
    version: 1,
    kdf: 'scrypt',
    N: kdf.N,
    r: kdf.r,
    p: kdf.p,
    salt: salt.toString('base64'),
    sealed: seal(wrap, KEY_AAD, Buffer.from(JSON.stringify(inner))).toString('base64'),
  };
  const id = randomHex(16);
  await storage.put(`keys/${id}`, Buffer.from(JSON.stringify(obj)), { ifAbsent: true });
  return id;
}

/** Tries every key object; BACKUP_WRONG_KEY when none opens with this secret. */
export async function openMasterKey(storage: RepoStorage, secret: Uint8Array, config: { id: string; chunkSize: number }): Promise<MasterKey> {
  const names = await storage.list('keys/');
  let mismatch = false;
  for (const name of names.sort()) {
    const bytes = await storage.get(name);
    if (!bytes) continue;
    let obj: KeyObject;
    try {
      obj = JSON.parse(Buffer.from(bytes).toString('utf8')) as KeyObject;
    } catch {
      continue;
    }
    if (obj.version !== 1 || obj.kdf !== 'scrypt') continue;
    const wrap = await deriveKey(secret, Buffer.from(obj.salt, 'base64'), { N: obj.N, r: obj.r, p: obj.p });
    let inner: SealedMaster;
    try {
      inner = JSON.parse(unseal(wrap, KEY_AAD, Buffer.from(obj.sealed, 'base64')).toString('utf8')) as SealedMaster;
    } catch (e) {
      if (e instanceof AuthError) continue;
      throw e;
    }
    // A key of another repository id (left by an init that crashed before its config) is not this one's.
    if (inner.repo !== config.id || inner.chunkSize !== config.chunkSize) {
      mismatch = true;
      continue;
    }
    return { encKey: Buffer.from(inner.enc, 'base64'), idKey: Buffer.from(inner.id, 'base64'), repoId: inner.repo, chunkSize: inner.chunkSize };
  }
  if (mismatch) {
    repoFail('BACKUP_CORRUPT', `Repository ${storage.location}: its config does not match its key (repository id or chunk size was changed).`, {
      repo: storage.location,
    });
  }
  if (names.length === 0) repoFail('BACKUP_CORRUPT', `Repository ${storage.location} has no keys.`, { repo: storage.location });
  repoFail('BACKUP_WRONG_KEY', `Wrong passphrase or key file for repository ${storage.location}.`, { repo: storage.location });
}
