// PostgreSQL 15 clusters for the backup scenario (lab task 7): a cluster on a data directory (on a
// mounted ulvm LV), pgbench's load, a canary writer whose acknowledged ids say what a copy taken at
// an instant must hold, and the checks a restored copy must pass (crash recovery, pg_amcheck,
// pgbench's balance invariant, canary contiguity). PostgreSQL refuses to run as root, so the
// server binaries run as the `postgres` user; the clients connect over a private unix socket
// (never TCP), so a system cluster on this machine is never touched.
import { execFile, spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { chmodSync, chownSync, closeSync, existsSync, mkdirSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** Debian's PostgreSQL 15 server binaries (the client wrappers in /usr/bin do not have all of them). */
export const PG_BIN_DIR = process.env.ULVM_PG_BIN ?? '/usr/lib/postgresql/15/bin';
export const PG_USER = 'postgres';

function onPath(cmd: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** A PostgreSQL program: from PG_BIN_DIR, else from PATH. */
export function pgBin(name: string): string {
  const p = join(PG_BIN_DIR, name);
  if (existsSync(p)) return p;
  const found = onPath(name);
  if (!found) throw new Error(`${name} not found in ${PG_BIN_DIR} or on PATH`);
  return found;
}

function pgUserIds(): { uid: number; gid: number } | undefined {
  const r = spawnSync('id', ['-u', PG_USER], { encoding: 'utf8' });
  const g = spawnSync('id', ['-g', PG_USER], { encoding: 'utf8' });
  if (r.status !== 0 || g.status !== 0) return undefined;
  return { uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) };
}

/** Why the PostgreSQL scenario cannot run here, or undefined when it can. */
export function pgSkipReason(): string | undefined {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'needs root (FUSE mount, loop devices, runuser)';
  if (!existsSync('/dev/fuse')) return 'no /dev/fuse';
  if (!existsSync('/dev/loop-control')) return 'no /dev/loop-control (loop driver absent)';
  for (const c of ['mkfs.ext4', 'losetup', 'mount', 'umount', 'fsfreeze', 'runuser', 'cp']) if (!onPath(c)) return `${c} not installed`;
  for (const c of ['initdb', 'pg_ctl', 'postgres', 'pgbench', 'pg_amcheck', 'psql']) {
    try {
      pgBin(c);
    } catch {
      return `PostgreSQL's ${c} not installed (Debian postgresql-15)`;
    }
  }
  if (!pgUserIds()) return `no ${PG_USER} user (Debian postgresql-common creates it)`;
  if (!existsSync(new URL('../../dist/ulvm.cjs', import.meta.url))) return 'dist/ not built (npm run build)';
  return undefined;
}

/** Gives a directory to the postgres user (mode 0700: initdb and postgres insist on it). */
export function ownByPostgres(dir: string, mode = 0o700): string {
  const ids = pgUserIds();
  if (!ids) throw new Error(`no ${PG_USER} user`);
  mkdirSync(dir, { recursive: true });
  chownSync(dir, ids.uid, ids.gid);
  chmodSync(dir, mode);
  return dir;
}

/** Runs a server program as the postgres user; throws with its output when it fails. */
async function asPostgres(prog: string, args: string[], timeout = 120_000): Promise<string> {
  try {
    const r = await exec('runuser', ['-u', PG_USER, '--', pgBin(prog), ...args], { timeout, maxBuffer: 16 << 20 });
    return r.stdout + r.stderr;
  } catch (e) {
    const x = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${prog} ${args.join(' ')} failed: ${x.message}\n${x.stdout ?? ''}${x.stderr ?? ''}`);
  }
}

/** initdb with data checksums (so pg_amcheck and page reads see torn or corrupt pages). */
export async function initCluster(dataDir: string): Promise<void> {
  ownByPostgres(dataDir);
  await asPostgres('initdb', ['-k', '-A', 'trust', '-U', PG_USER, '-E', 'UTF8', '--locale=C', '-D', dataDir]);
}

export interface ClusterOptions {
  dataDir: string;
  port: number;
  /** A directory for the unix socket (created for the postgres user). */
  socketDir: string;
  /** The server log (default: `<socketDir>/postgres.log`). */
  logFile?: string;
  /** Archive every WAL segment into this directory (made for the postgres user). */
  archiveDir?: string;
  /** Archive recovery from this directory (recovery.signal, restore_command) instead of crash recovery. */
  restoreFrom?: string;
}

export interface Cluster extends ClusterOptions {
  readonly logFile: string;
  /** Connection arguments for the client programs. */
  readonly connArgs: string[];
  /** Runs SQL in psql (unaligned, tuples only); the output, trimmed; throws on error. */
  psql(sql: string, db?: string): Promise<string>;
  /** pg_ctl stop (fast by default; `immediate` is a crash). */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** The server log so far. */
  log(): string;
}

/**
 * Starts a cluster listening on a unix socket only, with fsync on (a backup of a cluster that does
 * not fsync proves nothing) and small memory and WAL settings (the volumes are small). Waits until
 * it accepts connections, i.e. until crash recovery has finished.
 */
export async function startCluster(o: ClusterOptions): Promise<Cluster> {
  ownByPostgres(o.socketDir, 0o755);
  const logFile = o.logFile ?? join(o.socketDir, 'postgres.log');
  writeFileSync(logFile, '');
  const ids = pgUserIds()!;
  chownSync(logFile, ids.uid, ids.gid);
  const settings = [
    `port=${o.port}`,
    `listen_addresses=''`,
    `unix_socket_directories='${o.socketDir}'`,
    'fsync=on',
    'synchronous_commit=on',
    'full_page_writes=on',
    'shared_buffers=16MB',
    'max_wal_size=96MB',
    'min_wal_size=32MB',
    'max_connections=30',
  ];
  if (o.archiveDir) {
    ownByPostgres(o.archiveDir);
    settings.push('archive_mode=on', `archive_command='test ! -f ${o.archiveDir}/%f && cp %p ${o.archiveDir}/%f.part && mv ${o.archiveDir}/%f.part ${o.archiveDir}/%f'`);
  }
  if (o.restoreFrom) {
    const signal = join(o.dataDir, 'recovery.signal');
    writeFileSync(signal, '');
    chownSync(signal, ids.uid, ids.gid);
    settings.push(`restore_command='cp ${o.restoreFrom}/%f %p'`);
  }
  const opts = settings.map((s) => `-c ${s}`).join(' ');
  try {
    await asPostgres('pg_ctl', ['-D', o.dataDir, '-l', logFile, '-w', '-t', '120', '-o', opts, 'start'], 150_000);
  } catch (e) {
    throw new Error(`${(e as Error).message}\n--- server log\n${readText(logFile)}`);
  }
  const connArgs = ['-h', o.socketDir, '-p', String(o.port), '-U', PG_USER];
  const c: Cluster = {
    ...o,
    logFile,
    connArgs,
    async psql(sql, db = 'postgres') {
      try {
        const r = await exec(pgBin('psql'), [...connArgs, '-d', db, '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', sql], { timeout: 120_000 });
        return r.stdout.trim();
      } catch (e) {
        const x = e as { stderr?: string; message: string };
        throw new Error(`psql ${JSON.stringify(sql)}: ${x.stderr ?? x.message}`);
      }
    },
    async stop(mode = 'fast') {
      await asPostgres('pg_ctl', ['-D', o.dataDir, '-m', mode, '-w', '-t', '60', 'stop'], 90_000);
    },
    log: () => readText(logFile),
  };
  // pg_ctl -w returns at the first connection accepted: during archive recovery that is a hot
  // standby's read-only one; the checks need the promoted cluster.
  for (let i = 0; (await c.psql('select pg_is_in_recovery()')) === 't'; i++) {
    if (i >= 600) throw new Error(`still in recovery after 60 s\n--- server log\n${c.log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return c;
}

function readText(path: string): string {
  const r = spawnSync('cat', [path], { encoding: 'utf8' });
  return r.stdout ?? '';
}

/** Stops a cluster if it is running; for teardown (never throws). */
export function stopQuietly(dataDir: string): void {
  if (!existsSync(join(dataDir, 'postmaster.pid'))) return;
  spawnSync('runuser', ['-u', PG_USER, '--', pgBin('pg_ctl'), '-D', dataDir, '-m', 'immediate', '-w', '-t', '30', 'stop'], { timeout: 40_000, stdio: 'ignore' });
}

/** `pgbench -i -s scale` (tables pgbench_accounts/branches/tellers/history; 100,000 accounts per scale unit). */
export async function pgbenchInit(c: Cluster, scale: number): Promise<void> {
  await exec(pgBin('pgbench'), [...c.connArgs, '-i', '-q', '-s', String(scale), 'postgres'], { timeout: 300_000 });
}

export interface PgbenchResult {
  tps: number;
  transactions: number;
  failed: number;
  seconds: number;
  output: string;
}

/**
 * A pgbench TPC-B run in the background. `-n`: no vacuum and, above all, no truncation of
 * pgbench_history, so the balance invariant holds over every run since `pgbench -i`.
 */
export function pgbenchRun(c: Cluster, o: { seconds: number; clients?: number; jobs?: number }): Promise<PgbenchResult> {
  const args = [...c.connArgs, '-n', '-T', String(o.seconds), '-c', String(o.clients ?? 4), '-j', String(o.jobs ?? 2), 'postgres'];
  return exec(pgBin('pgbench'), args, { timeout: (o.seconds + 120) * 1000 }).then((r) => {
    const out = r.stdout + r.stderr;
    const tps = Number(/tps = ([\d.]+) \(without initial connection time\)/.exec(out)?.[1] ?? NaN);
    const transactions = Number(/number of transactions actually processed: (\d+)/.exec(out)?.[1] ?? NaN);
    const failed = Number(/number of failed transactions: (\d+)/.exec(out)?.[1] ?? 0);
    if (!Number.isFinite(tps)) throw new Error(`pgbench printed no tps:\n${out}`);
    return { tps, transactions, failed, seconds: o.seconds, output: out };
  });
}

export const CANARY_TABLE = 'canary';

/**
 * The canary: one psql session inserting ids 1, 2, 3, … into canary(id bigint primary key,
 * t timestamptz), one autocommit transaction each, the next sent only when the previous one is
 * acknowledged (psql prints the RETURNING id once the commit is durable). The acknowledgement
 * times (performance.now() in this process) say which ids a copy made at an instant must hold.
 */
export class Canary {
  private readonly acks: { id: number; at: number }[] = [];
  private next = 1;
  private stopping = false;
  private failure: string | undefined;
  private readonly ended: Promise<void>;

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      const id = Number(line.trim());
      const want = this.acks.length + 1;
      if (id !== want) {
        this.failure ??= `canary: expected ack ${want}, got ${JSON.stringify(line)}`;
        return;
      }
      this.acks.push({ id, at: performance.now() });
      this.send();
    });
    this.ended = new Promise((resolve) =>
      child.on('close', (code) => {
        if (!this.stopping) this.failure ??= `canary's psql ended (${code}): ${stderr}`;
        resolve();
      }),
    );
  }

  static async start(c: Cluster): Promise<Canary> {
    await c.psql(`create table if not exists ${CANARY_TABLE}(id bigint primary key, t timestamptz not null)`);
    const child = spawn(pgBin('psql'), [...c.connArgs, '-d', 'postgres', '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1'], { stdio: 'pipe' });
    const canary = new Canary(child);
    canary.send();
    return canary;
  }

  private send(): void {
    if (this.stopping || this.failure) return;
    this.child.stdin.write(`insert into ${CANARY_TABLE} values (${this.next++}, clock_timestamp()) returning id;\n`);
  }

  /** The highest id acknowledged strictly before `instant` (performance.now() time), 0 if none. */
  ackedBefore(instant: number): number {
    let best = 0;
    for (const a of this.acks) if (a.at < instant) best = a.id;
    return best;
  }

  /** Ids acknowledged in [from, to). */
  ackedBetween(from: number, to: number): number {
    return this.acks.filter((a) => a.at >= from && a.at < to).length;
  }

  get highestAcked(): number {
    return this.acks.length;
  }

  /** Why the canary failed (an insert refused, psql gone), or undefined. */
  get error(): string | undefined {
    return this.failure;
  }

  /** Stops after the insert in flight; returns the highest id acknowledged. */
  async stop(): Promise<number> {
    this.stopping = true;
    this.child.stdin.end();
    await this.ended;
    return this.acks.length;
  }
}

/**
 * A non-exclusive base backup around a snapshot: pg_backup_start in a session that stays open
 * (PostgreSQL ends the backup when its session ends), pg_backup_stop in the same one, which
 * returns the backup_label (and tablespace_map) to store with the backup and to write into the
 * restored data directory. No WAL archive here: the snapshot holds pg_wal, so wait_for_archive
 * is false.
 */
export class BaseBackupSession {
  private buf = '';
  private waiting: ((out: string) => void) | undefined;
  private stderr = '';

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.on('data', (d: Buffer) => {
      this.buf += d.toString('utf8');
      const end = this.buf.indexOf('@@done\n');
      if (end >= 0 && this.waiting) {
        const out = this.buf.slice(0, end);
        this.buf = this.buf.slice(end + 7);
        const w = this.waiting;
        this.waiting = undefined;
        w(out);
      }
    });
    child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString('utf8')));
  }

  private ask(sql: string): Promise<string> {
    return new Promise((resolve, reject) => {
      this.waiting = resolve;
      this.child.once('close', (code) => reject(new Error(`psql ended (${code}): ${this.stderr}`)));
      this.child.stdin.write(`${sql}\n\\echo @@done\n`);
    });
  }

  /** pg_backup_start(label, fast => true): a checkpoint now, so the start does not wait for one. */
  static async start(c: Cluster, label: string): Promise<{ session: BaseBackupSession; lsn: string }> {
    const child = spawn(pgBin('psql'), [...c.connArgs, '-d', 'postgres', '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1'], { stdio: 'pipe' });
    const session = new BaseBackupSession(child);
    const lsn = (await session.ask(`select pg_backup_start('${label.replace(/'/g, "''")}', true);`)).trim();
    return { session, lsn };
  }

  /** With waitForArchive, returns once the backup's last WAL segment is archived (archive_mode on). */
  async stop(waitForArchive: boolean): Promise<{ backupLabel: string; tablespaceMap: string; lsn: string }> {
    const out = await this.ask(
      `select lsn, translate(encode(convert_to(labelfile, 'UTF8'), 'base64'), E'\\n', ''), translate(encode(convert_to(coalesce(spcmapfile, ''), 'UTF8'), 'base64'), E'\\n', '') from pg_backup_stop(${waitForArchive});`,
    );
    this.child.stdin.end();
    const [lsn, label, map] = out.trim().split('|');
    return { lsn: lsn!, backupLabel: Buffer.from(label!, 'base64').toString('utf8'), tablespaceMap: Buffer.from(map ?? '', 'base64').toString('utf8') };
  }
}

export interface RestoredOptions extends ClusterOptions {
  /** The backup_label from pg_backup_stop, written into the data directory before the start. */
  backupLabel?: string;
  tablespaceMap?: string;
}

/**
 * Starts a second cluster on a restored copy of a data directory: a copy of a running cluster
 * carries its postmaster.pid (whose pid may be alive: the original), which would make the start
 * refuse; it is removed. pg_ctl -w returns once crash (or backup) recovery has finished.
 */
export async function startRestored(o: RestoredOptions): Promise<Cluster> {
  rmSync(join(o.dataDir, 'postmaster.pid'), { force: true });
  const ids = pgUserIds()!;
  for (const [name, text] of [['backup_label', o.backupLabel], ['tablespace_map', o.tablespaceMap]] as const) {
    if (text === undefined) continue;
    const p = join(o.dataDir, name);
    writeFileSync(p, text, { mode: 0o600 });
    chownSync(p, ids.uid, ids.gid);
  }
  return startCluster(o);
}

export interface Balances {
  accounts: string;
  tellers: string;
  branches: string;
  history: string;
}

export interface CanaryState {
  count: number;
  min: number;
  max: number;
}

export interface RestoredReport {
  /** pg_amcheck's exit code and output (0 and empty when clean). */
  amcheck: { rc: number; output: string };
  /** Undefined when they could not be read (see problems). */
  balances?: Balances;
  canary?: CanaryState;
  /** The log lines of the recovery (for the test's diagnostics). */
  recovery: string[];
  /** What is wrong; empty when every check passed. */
  problems: string[];
}

/** pg_amcheck over every database, heap and btree, with every index entry checked against the heap. */
export async function amcheck(c: Cluster): Promise<{ rc: number; output: string }> {
  try {
    const r = await exec(pgBin('pg_amcheck'), [...c.connArgs, '--all', '--install-missing', '--heapallindexed', '--no-strict-names'], { timeout: 300_000, maxBuffer: 16 << 20 });
    return { rc: 0, output: (r.stdout + r.stderr).trim() };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string; message: string };
    return { rc: typeof x.code === 'number' ? x.code : -1, output: `${x.stdout ?? ''}${x.stderr ?? x.message}`.trim() };
  }
}

/** pgbench's invariant: every transaction adds the same delta to an account, its teller, its branch and the history. */
export async function balances(c: Cluster): Promise<Balances> {
  const row = await c.psql(
    'select (select coalesce(sum(abalance),0) from pgbench_accounts), (select coalesce(sum(tbalance),0) from pgbench_tellers), ' +
      '(select coalesce(sum(bbalance),0) from pgbench_branches), (select coalesce(sum(delta),0) from pgbench_history)',
  );
  const [accounts, tellers, branches, history] = row.split('|');
  return { accounts: accounts!, tellers: tellers!, branches: branches!, history: history! };
}

export async function canaryState(c: Cluster): Promise<CanaryState> {
  const [count, min, max] = (await c.psql(`select count(*), coalesce(min(id),0), coalesce(max(id),0) from ${CANARY_TABLE}`)).split('|').map(Number);
  return { count: count!, min: min!, max: max! };
}

/**
 * Every check a restored copy must pass. `ackedBeforeSnapshot`: the canary's highest id
 * acknowledged before the snapshot instant, which the copy must hold (it may hold more: ids
 * committed during the instant). The ids must be contiguous from 1: a hole is a lost commit.
 */
export async function checkRestored(c: Cluster, o: { ackedBeforeSnapshot: number }): Promise<RestoredReport> {
  const problems: string[] = [];
  const am = await amcheck(c);
  if (am.rc !== 0 || am.output !== '') problems.push(`pg_amcheck (rc ${am.rc}): ${am.output}`);
  // A check that cannot run (a table unreadable) is a problem found, not a crash of the harness.
  let b: Balances | undefined;
  try {
    b = await balances(c);
    if (!(b.accounts === b.tellers && b.tellers === b.branches && b.branches === b.history)) problems.push(`pgbench balances differ: ${JSON.stringify(b)}`);
  } catch (e) {
    problems.push(`pgbench balances unreadable: ${(e as Error).message}`);
  }
  let k: CanaryState | undefined;
  try {
    k = await canaryState(c);
    if (k.count > 0 && (k.min !== 1 || k.count !== k.max - k.min + 1)) problems.push(`canary ids not contiguous from 1: ${JSON.stringify(k)}`);
    if (k.max < o.ackedBeforeSnapshot) problems.push(`canary max ${k.max} < ${o.ackedBeforeSnapshot}, acknowledged before the snapshot`);
  } catch (e) {
    problems.push(`canary unreadable: ${(e as Error).message}`);
  }
  const recovery = c
    .log()
    .split('\n')
    .filter((l) => /recovery|redo|was interrupted|not properly shut down|backup_label|timeline|restored log file|ready to accept|FATAL|PANIC/.test(l));
  return { amcheck: am, balances: b, canary: k, recovery, problems };
}

/**
 * Breaks a restored copy the three ways its checks must see: a lost commit (a canary id gone),
 * a torn transaction (one account's balance changed alone), a corrupt page (64 bytes in block 3
 * of pgbench_accounts_pkey, an index, so the tables stay readable for the other checks). The
 * cluster is restarted after the page is overwritten (the page must be read from the file).
 */
export async function breakRestored(c: Cluster, canaryId: number): Promise<Cluster> {
  await c.psql(`delete from ${CANARY_TABLE} where id = ${canaryId}`);
  await c.psql('update pgbench_accounts set abalance = abalance + 1 where aid = 1');
  const relfile = await c.psql(`select pg_relation_filepath('pgbench_accounts_pkey')`);
  await c.stop();
  const fd = openSync(join(c.dataDir, relfile), 'r+');
  try {
    writeSync(fd, Buffer.alloc(64, 0xa5), 0, 64, 8192 * 3 + 1024);
  } finally {
    closeSync(fd);
  }
  return startCluster({ dataDir: c.dataDir, port: c.port, socketDir: c.socketDir, logFile: c.logFile });
}

/** A free-enough TCP port number for the socket's name (no TCP listener is ever opened). */
export function socketPort(offset = 0): number {
  return 20_000 + ((process.pid * 7 + offset) % 20_000);
}
