// A repository in a folder of a local or mounted file system. Every put is atomic and durable:
// the bytes go to a temporary file in the destination's folder, are fsynced, renamed (or linked,
// for ifAbsent, so two writers never clobber each other) into place, and the folder is fsynced, so
// after a crash an object is either whole or absent. Temporary files (`.tmp-*`) are never listed.
import { promises as fsp, constants as fsc } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join, relative, sep } from 'node:path';
import type { RepoStorage } from '../types.ts';
import { RepoError, errnoOf, mapStorageError, repoFail } from './errors.ts';

export const TMP_PREFIX = '.tmp-';

export class LocalStorage implements RepoStorage {
  readonly location: string;
  private readonly create: boolean;
  /** Folders known to exist, so a pack put does not stat its folder every time. */
  private readonly madeDirs = new Set<string>();

  constructor(folder: string, o: { create?: boolean } = {}) {
    this.location = folder;
    this.create = o.create ?? false;
  }

  private path(key: string): string {
    if (key === '' || key.startsWith('/') || key.split('/').some((p) => p === '' || p === '.' || p === '..' || p.startsWith(TMP_PREFIX))) {
      throw new RepoError('FAILED', `Invalid repository object name "${key}".`);
    }
    return join(this.location, ...key.split('/'));
  }

  /** ENOENT inside a folder that is gone means the repository is gone, not the object. */
  private async rootMissing(e: unknown): Promise<boolean> {
    if (errnoOf(e) !== 'ENOENT' && errnoOf(e) !== 'ENOTDIR') return false;
    try {
      return !(await fsp.stat(this.location)).isDirectory();
    } catch {
      return true;
    }
  }

  private noRepo(): never {
    repoFail('BACKUP_NO_REPO', `Repository ${this.location} does not exist.`, { repo: this.location });
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const p = this.path(key);
    try {
      return await fsp.readFile(p);
    } catch (e) {
      // A storage told to create its folder is an empty repository until then.
      if (await this.rootMissing(e)) return this.create ? undefined : this.noRepo();
      if (errnoOf(e) === 'ENOENT') return undefined;
      throw e;
    }
  }

  async getRange(key: string, offset: number, length: number): Promise<Uint8Array> {
    const p = this.path(key);
    let fh: fsp.FileHandle;
    try {
      fh = await fsp.open(p, 'r');
    } catch (e) {
      if (await this.rootMissing(e)) this.noRepo();
      if (errnoOf(e) === 'ENOENT') repoFail('BACKUP_CORRUPT', `Object ${key} is missing from repository ${this.location}.`, { repo: this.location });
      throw e;
    }
    try {
      const buf = Buffer.allocUnsafe(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await fh.read(buf, done, length - done, offset + done);
        if (bytesRead === 0) {
          repoFail('BACKUP_CORRUPT', `Object ${key} in repository ${this.location} is shorter than expected (${offset + done} bytes, needed ${offset + length}).`, {
            repo: this.location,
          });
        }
        done += bytesRead;
      }
      return buf;
    } finally {
      await fh.close();
    }
  }

  private async ensureDir(dir: string): Promise<void> {
    if (this.madeDirs.has(dir)) return;
    if (dir === this.location) {
      try {
        if ((await fsp.stat(dir)).isDirectory()) {
          this.madeDirs.add(dir);
          return;
        }
      } catch (e) {
        if (errnoOf(e) !== 'ENOENT' || !this.create) this.noRepo();
      }
      await fsp.mkdir(dir, { recursive: true });
      this.madeDirs.add(dir);
      return;
    }
    await this.ensureDir(dirname(dir));
    try {
      await fsp.mkdir(dir);
      // The new folder's own name must be durable before objects in it are.
      await fsyncDir(dirname(dir));
    } catch (e) {
      if (errnoOf(e) !== 'EEXIST') throw e;
    }
    this.madeDirs.add(dir);
  }

  async put(key: string, data: Uint8Array, o: { ifAbsent?: boolean } = {}): Promise<boolean> {
    const p = this.path(key);
    const dir = dirname(p);
    const tmp = join(dir, `${TMP_PREFIX}${randomBytes(8).toString('hex')}`);
    try {
      await this.ensureDir(dir);
      if (o.ifAbsent && (await exists(p))) return false;
      const fh = await fsp.open(tmp, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, 0o600);
      try {
        let done = 0;
        while (done < data.length) {
          const { bytesWritten } = await fh.write(data, done, data.length - done, done);
          done += bytesWritten;
        }
        await fh.sync();
      } finally {
        await fh.close();
      }
      let placed = true;
      if (o.ifAbsent) {
        try {
          // link() fails if the name exists: the first writer wins, atomically.
          await fsp.link(tmp, p);
        } catch (e) {
          if (errnoOf(e) !== 'EEXIST') throw e;
          placed = false;
        }
        await fsp.unlink(tmp);
      } else {
        await fsp.rename(tmp, p);
      }
      await fsyncDir(dir);
      return placed;
    } catch (e) {
      await fsp.unlink(tmp).catch(() => undefined);
      if (e instanceof RepoError) throw e;
      if (await this.rootMissing(e)) this.noRepo();
      return mapStorageError(e, this.location, key);
    }
  }

  async list(prefix: string): Promise<string[]> {
    const slash = prefix.lastIndexOf('/');
    const dirKey = slash < 0 ? '' : prefix.slice(0, slash);
    const start = dirKey === '' ? this.location : this.path(dirKey);
    const out: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      let names: import('node:fs').Dirent[];
      try {
        names = await fsp.readdir(dir, { withFileTypes: true });
      } catch (e) {
        if (errnoOf(e) === 'ENOENT' || errnoOf(e) === 'ENOTDIR') return;
        throw e;
      }
      for (const d of names) {
        if (d.name.startsWith(TMP_PREFIX)) continue;
        const full = join(dir, d.name);
        if (d.isDirectory()) await walk(full);
        else if (d.isFile()) {
          const key = relative(this.location, full).split(sep).join('/');
          if (key.startsWith(prefix)) out.push(key);
        }
      }
    };
    try {
      if (!(await fsp.stat(this.location)).isDirectory()) this.noRepo();
    } catch (e) {
      if (e instanceof RepoError) throw e;
      if (this.create) return [];
      this.noRepo();
    }
    await walk(start);
    return out;
  }

  async delete(key: string): Promise<void> {
    const p = this.path(key);
    try {
      await fsp.unlink(p);
      // Deletions are ordered by callers (index before packs): each must be durable before the next.
      await fsyncDir(dirname(p));
    } catch (e) {
      if (await this.rootMissing(e)) this.noRepo();
      if (errnoOf(e) === 'ENOENT') return;
      throw e;
    }
  }

  async size(key: string): Promise<number | undefined> {
    const p = this.path(key);
    try {
      return (await fsp.stat(p)).size;
    } catch (e) {
      if (await this.rootMissing(e)) return this.create ? undefined : this.noRepo();
      if (errnoOf(e) === 'ENOENT') return undefined;
      throw e;
    }
  }

  async removeTemporary(olderThanMs: number): Promise<number> {
    let n = 0;
    for (const f of await this.listTemporary()) {
      const st = await fsp.stat(f).catch(() => undefined);
      if (!st || Date.now() - st.mtimeMs < olderThanMs) continue;
      await fsp.unlink(f).catch(() => undefined);
      n++;
    }
    return n;
  }

  /** Temporary files a crashed writer left behind (removed by gc). */
  async listTemporary(): Promise<string[]> {
    const out: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      const names = await fsp.readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const d of names) {
        const full = join(dir, d.name);
        if (d.isDirectory()) await walk(full);
        else if (d.name.startsWith(TMP_PREFIX)) out.push(full);
      }
    };
    await walk(this.location);
    return out;
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await fsp.lstat(p);
    return true;
  } catch (e) {
    if (errnoOf(e) === 'ENOENT') return false;
    throw e;
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await fsp.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
