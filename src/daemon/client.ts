// Talking to the activation daemon of a run directory; starting it when activation needs it.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync } from 'node:fs';
import { connect } from 'node:net';
import type { ActivateRequest, ActiveLv, Activator, MergeResult } from '../activation/activator.ts';
import { ActivationError } from '../activation/activator.ts';
import { daemonPaths } from './paths.ts';
import type { ControlRequest } from './server.ts';

export class DaemonClient implements Activator {
  private nextId = 1;

  constructor(
    private readonly runDir: string,
    /** argv that runs ulvm (node + bin/ulvm), to start the daemon on demand. */
    private readonly self: string[] | undefined,
    private readonly env: Record<string, string | undefined>,
  ) {}

  private request(body: Omit<ControlRequest, 'id'>): Promise<unknown> {
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
        const r = JSON.parse(buf.slice(0, nl)) as { ok: boolean; result?: unknown; error?: string };
        sock.end();
        if (r.ok) resolve(r.result);
        else reject(new ActivationError(r.error ?? 'daemon error'));
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

  async stop(): Promise<boolean> {
    if (!(await this.running())) return false;
    await this.request({ op: 'stop' });
    for (let i = 0; i < 250 && existsSync(daemonPaths(this.runDir).control); i++) await new Promise((r) => setTimeout(r, 20));
    return true;
  }

  async status(): Promise<ActiveLv[]> {
    if (!(await this.running())) return [];
    return (await this.request({ op: 'status' })) as ActiveLv[];
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

  /** The hold lasts as long as this connection: closing it (or dying) releases it. */
  async hold(vgName: string, lvNames: string[]): Promise<() => Promise<void>> {
    if (!(await this.running())) return async () => undefined;
    const p = daemonPaths(this.runDir);
    const sock = connect(p.control);
    await new Promise<void>((resolve, reject) => {
      let buf = '';
      sock.on('connect', () => sock.write(JSON.stringify({ op: 'hold', vgName, lvNames, id: this.nextId++ }) + '\n'));
      sock.on('data', (d) => {
        buf += d.toString('utf8');
        if (!buf.includes('\n')) return;
        const r = JSON.parse(buf.slice(0, buf.indexOf('\n'))) as { ok: boolean; error?: string };
        if (r.ok) resolve();
        else reject(new ActivationError(r.error ?? 'daemon error'));
      });
      sock.on('error', reject);
    });
    return () =>
      new Promise<void>((resolve) => {
        sock.once('close', () => resolve());
        sock.end();
      });
  }

  async merge(vgName: string, originName: string, devices: string[], opts: { wait?: boolean } = {}): Promise<MergeResult> {
    if (!(await this.running())) throw new ActivationError(`${vgName}/${originName} is not active.`);
    return (await this.request({ op: 'merge', vgName, originName, devices, ...(opts.wait === false ? { wait: false } : {}) })) as MergeResult;
  }
}
