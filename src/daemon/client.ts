// Talking to the activation daemon of a run directory; starting it when activation needs it.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import type { ActivateRequest, ActiveLv, Activator, MergeResult } from '../activation/activator.ts';
import { ActivationError } from '../activation/activator.ts';
import { daemonPaths } from './paths.ts';
import type { BodyOf, ControlOp, ControlReply, ControlRequest, ControlResults } from './protocol.ts';
import { DmError, type DmInfo } from '../mapper/registry.ts';
import type { DmView } from '../activation/dm-view.ts';
import type { StopReply } from './stop.ts';
import type { DeltaRun } from '../pdata/thin-delta.ts';
import type { RotatedChangeMap } from '../mapper/change-map.ts';

/** A process that still runs (a zombie nobody reaped has exited: it holds no file any more). */
function alive(pid: number): boolean {
  if (existsSync('/proc/self')) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat[stat.lastIndexOf(')') + 2] !== 'Z';
    } catch {
      return false;
    }
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const EXIT_WAIT_MS = 10_000;

export class DaemonClient implements Activator, DmView {
  private nextId = 1;

  constructor(
    private readonly runDir: string,
    /** argv that runs ulvm (node + bin/ulvm), to start the daemon on demand. */
    private readonly self: string[] | undefined,
    private readonly env: Record<string, string | undefined>,
  ) {}

  private request<O extends ControlOp>(body: BodyOf<O>): Promise<ControlResults[O]> {
    const p = daemonPaths(this.runDir);
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      const sock = connect(p.control);
      let buf = '';
      sock.on('connect', () => sock.write(JSON.stringify({ ...body, id }) + '\n'));
      sock.on('data', (d) => {
        buf += d.toString('utf8');
        const nl = buf.indexOf('\n');
        if (nl < 0) return;
        const r = JSON.parse(buf.slice(0, nl)) as ControlReply<O>;
        sock.end();
        if (r.ok) resolve(r.result);
        else reject(r.code ? new DmError(r.code, r.error) : new ActivationError(r.error || 'daemon error'));
      });
      sock.on('error', reject);
    });
  }

  async running(): Promise<boolean> {
    if (!existsSync(daemonPaths(this.runDir).control)) return false;
    try {
      await this.request({ op: 'ping' });
      return true;
    } catch {
      return false;
    }
  }

  /** Starts the daemon detached from this command, and waits until it answers. */
  async start(): Promise<void> {
    if (await this.running()) return;
    if (!this.self) throw new ActivationError('Cannot start the ulvm daemon from here (no ulvm command known).');
    mkdirSync(this.runDir, { recursive: true, mode: 0o700 });
    const out = openSync(daemonPaths(this.runDir).log, 'a');
    const child = spawn(this.self[0]!, [...this.self.slice(1), 'daemon', 'run'], {
      detached: true,
      stdio: ['ignore', out, out],
      env: { ...process.env, ...Object.fromEntries(Object.entries(this.env).filter(([, v]) => v !== undefined)), ULVM_RUN_DIR: this.runDir, UV_THREADPOOL_SIZE: '16' },
    });
    child.unref();
    for (let i = 0; i < 300; i++) {
      if (await this.running()) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new ActivationError(`The ulvm daemon did not start (see ${daemonPaths(this.runDir).log}).`);
  }

  /**
   * Stops the daemon unless an LV is in use (or with `force`), and waits until its process is
   * gone: only then has it let go of /dev/fuse and of the LVs' devices. Undefined when no
   * daemon runs.
   */
  async stop(force = false): Promise<StopReply | undefined> {
    if (!(await this.running())) return undefined;
    const r = await this.request({ op: 'stop', force });
    if (!r.stopped) return r;
    const until = Date.now() + EXIT_WAIT_MS;
    while (alive(r.pid)) {
      if (Date.now() > until) throw new ActivationError(`The ulvm daemon (pid ${r.pid}) did not exit (see ${daemonPaths(this.runDir).log}).`);
      await new Promise((res) => setTimeout(res, 20));
    }
    return r;
  }

  async status(): Promise<ActiveLv[]> {
    if (!(await this.running())) return [];
    return this.request({ op: 'status' });
  }

  async activate(req: ActivateRequest): Promise<void> {
    await this.start();
    await this.request({ op: 'activate', req });
  }

  async deactivate(vgName: string, lvNames: string[]): Promise<void> {
    if (!(await this.running())) return;
    await this.request({ op: 'deactivate', vgName, lvNames });
  }

  async reload(vgName: string, devices: string[]): Promise<void> {
    if (!(await this.running())) return;
    await this.request({ op: 'reload', vgName, devices });
  }

  /**
   * The daemon freezes the filesystems mounted from the LVs' device-tree files, then holds the
   * LVs; release resumes and thaws, and returns once the thaw is done. The hold lasts at most as
   * long as this connection: a holder that dies releases (and thaws) too. `warn` gets what
   * could not be frozen or thawed.
   */
  async hold(vgName: string, lvNames: string[], warn: (msg: string) => void = () => undefined, frozen?: (mountPoints: string[]) => void): Promise<() => Promise<void>> {
    if (!(await this.running())) return async () => undefined;
    const p = daemonPaths(this.runDir);
    const sock = connect(p.control);
    let buf = '';
    let answer: ((r: ControlReply<'hold' | 'release'>) => void) | undefined;
    sock.on('data', (d) => {
      buf += d.toString('utf8');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        answer?.(JSON.parse(line) as ControlReply<'hold' | 'release'>);
      }
    });
    const ask = (op: 'hold' | 'release') =>
      new Promise<{ warnings?: string[]; frozen?: string[] }>((resolve, reject) => {
        answer = (r) => (r.ok ? resolve(r.result ?? {}) : reject(new ActivationError(r.error || 'daemon error')));
        sock.once('error', reject);
        sock.once('close', () => reject(new ActivationError('The ulvm daemon closed the connection.')));
        const body: ControlRequest = op === 'hold' ? { op, vgName, lvNames, id: this.nextId++ } : { op, id: this.nextId++ };
        sock.write(JSON.stringify(body) + '\n');
      });
    const got = await ask('hold');
    for (const w of got.warnings ?? []) warn(w);
    if (got.frozen?.length) frozen?.(got.frozen);
    let released: Promise<void> | undefined;
    return () =>
      (released ??= (async () => {
        try {
          for (const w of (await ask('release')).warnings ?? []) warn(w);
        } finally {
          // Closing releases too, should the daemon not have answered.
          await new Promise<void>((resolve) => {
            if (sock.destroyed) return resolve();
            sock.once('close', () => resolve());
            sock.end();
          });
        }
      })());
  }

  async merge(vgName: string, originName: string, devices: string[], opts: { wait?: boolean } = {}): Promise<MergeResult> {
    if (!(await this.running())) throw new ActivationError(`${vgName}/${originName} is not active.`);
    return this.request({ op: 'merge', vgName, originName, devices, ...(opts.wait === false ? { wait: false } : {}) });
  }

  async dmStatus(): Promise<DmInfo[]> {
    if (!(await this.running())) return [];
    return this.request({ op: 'dmStatus' });
  }

  async dmTable(name: string, inactive = false): Promise<string[]> {
    if (!(await this.running())) throw new DmError('ENXIO', `Device ${name} not found`);
    return this.request({ op: 'dmTable', name, ...(inactive ? { inactive } : {}) });
  }

  /** thin_delta of two devices of an active pool, from the daemon's pool (through a metadata snapshot). */
  async thinChangedBlocks(vgName: string, pool: string, left: number, right: number, opts: { leftBlocks?: number; rightBlocks?: number } = {}): Promise<{ blockSectors: number; runs: DeltaRun[] }> {
    if (!(await this.running())) throw new ActivationError(`Thin pool ${vgName}/${pool} is not active.`);
    return this.request({ op: 'thinDelta', vgName, pool, left, right, ...opts });
  }

  /** Starts keeping a change map of an active LV's writes (nothing when it has one). */
  async enableChangeMap(vgName: string, lvName: string, regionSize?: number): Promise<{ generation: number; regionSize: number }> {
    if (!(await this.running())) throw new ActivationError(`Logical volume ${vgName}/${lvName} is not active.`);
    return this.request({ op: 'enableChangeMap', vgName, lvName, ...(regionSize !== undefined ? { regionSize } : {}) });
  }

  /** Ends the LV's change map generation and returns it; hold the LV around it to pair it with a snapshot. */
  async rotateChangeMap(vgName: string, lvName: string): Promise<RotatedChangeMap> {
    if (!(await this.running())) throw new ActivationError(`Logical volume ${vgName}/${lvName} is not active.`);
    return this.request({ op: 'rotateChangeMap', vgName, lvName });
  }

  async dmMessage(name: string, sector: number, text: string): Promise<string> {
    if (!(await this.running())) throw new DmError('ENXIO', `Device ${name} not found`);
    return this.request({ op: 'message', name, sector, text });
  }
}
