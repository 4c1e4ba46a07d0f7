// The activation daemon: one per $ULVM_RUN_DIR. It keeps active LVs mapped, serves them over NBD,
// takes requests on a control socket only its owner may use, and re-activates what was active
// when it is restarted after a crash.
import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { DeviceTree } from '../fuse/tree.ts';
import { FuseServer } from '../fuse/server.ts';
import { fuseObserver } from '../fuse/observer.ts';
import { createServer, type Socket } from 'node:net';
import { ActivationEngine } from '../activation/engine.ts';
import type { ActivateRequest, Activator } from '../activation/activator.ts';
import { autoextendSnapshots, snapshotAutoextendPolicy } from './autoextend.ts';
import { Config } from '../metadata/config.ts';
import { ThinPoolWatch } from './thin-watch.ts';
import { Locks } from '../metadata/lock.ts';
import { NbdServer } from '../nbd/server.ts';
import { daemonPaths } from './paths.ts';
import { mergeFinisher } from './merge-finisher.ts';
import { holdFrozen, kernelTreePath, type Held } from './hold.ts';
import { cleanStaleMount } from '../fuse/stale.ts';
import { openLvs, type StopReply } from './stop.ts';
import { join } from 'node:path';
import { dmName } from '../model/names.ts';
import { DmError, DmRegistry } from '../mapper/registry.ts';
import { dmMajor } from '../activation/major.ts';
import { observeRegistry } from '../activation/observer.ts';
import { RegistryExports } from '../nbd/registry-exports.ts';
import { type ControlOp, type ControlRequest, type ControlResults, parseRequest } from './protocol.ts';
import { ChangeMaps } from '../mapper/change-maps.ts';
import { systemPaths } from '../metadata/paths.ts';

/**
 * The snapshot watch's needs: where lvm.conf and the locks are, and the two operations it runs
 * inside the daemon against the daemon's own activation (dmeventd's and lvmpolld's parts): each
 * resolves to lvm2's messages and whether it succeeded.
 */
export interface SnapshotWatch {
  configFile: string;
  lockDir: string;
  /** lvextend -l +PERCENT%LV of a snapshot's COW store. */
  extend: (vgName: string, lvName: string, percent: number, devices: string[], activator: Activator) => Promise<WatchResult>;
  /** lvpoll --polloperation merge: drops a snapshot whose merge into its origin has finished. */
  pollMerge: (vgName: string, originName: string, devices: string[], activator: Activator) => Promise<WatchResult>;
  /** lvextend --usepolicies of a thin pool (dmeventd's thin plugin runs it). */
  extendPool?: (vgName: string, poolName: string, devices: string[], activator: Activator) => Promise<WatchResult>;
}

export interface WatchResult {
  /** lvm2's exit status for the same command (0 done). */
  rc: number;
  messages: string[];
}

const WATCH_MS = 2000;

export async function runDaemon(runDir: string, opts: { tcpPort?: number; deviceTree?: string; watch?: SnapshotWatch } = {}): Promise<void> {
  const p = daemonPaths(runDir);
  mkdirSync(runDir, { recursive: true, mode: 0o700 });
  chmodSync(runDir, 0o700);
  const log = (msg: string) => {
    try {
      appendFileSync(p.log, `${new Date().toISOString()} ${msg}\n`);
    } catch {
      /* logging must not take the daemon down */
    }
  };
  const nbd = new NbdServer(log);
  const save = () => {
    const tmp = `${p.state}.tmp`;
    writeFileSync(tmp, JSON.stringify(engine.saved()));
    renameSync(tmp, p.state);
  };
  // The device tree needs root (mount(2) through util-linux) and /dev/fuse; without them only NBD serves.
  let fuse: FuseServer | undefined;
  if (opts.deviceTree && (process.getuid?.() ?? 1) === 0 && existsSync('/dev/fuse')) {
    // A daemon that was killed leaves its mount behind, disconnected (ENOTCONN): detach it first.
    mkdirSync(dirname(opts.deviceTree), { recursive: true });
    await cleanStaleMount(opts.deviceTree, kernelTreePath(opts.deviceTree), log);
    mkdirSync(opts.deviceTree, { recursive: true });
    const f = new FuseServer(new DeviceTree(), log);
    if (await f.mount(opts.deviceTree)) fuse = f;
  }
  // The devices live in one registry; NBD exports and the FUSE tree follow its events.
  const registry = new DmRegistry(dmMajor());
  const exports = new RegistryExports(registry, nbd);
  if (fuse) observeRegistry(registry, fuseObserver(fuse));
  // Before the re-activation below: an LV's change map must see its first write after a crash.
  const changeMaps = new ChangeMaps(systemPaths(process.env, process.getuid?.() ?? 0).systemDir, registry, log);
  const engine = new ActivationEngine(undefined, registry, save, undefined, log);
  // Test-only knob (see test/compat/merge-resume.test.ts): a pause after each merge step, so a
  // test can interrupt a merge in its middle. Unset in normal use.
  engine.mergeStepDelayMs = Number(process.env.ULVM_TEST_MERGE_STEP_MS) || 0;
  // dm_thin_pool's no_space_timeout module parameter (seconds, 0 = queue for ever), which ulvm
  // takes from the environment as the daemon starts; and lvm2's threshold, which sets the pools'
  // low water mark when they are loaded.
  const nst = process.env.ULVM_THIN_NO_SPACE_TIMEOUT;
  if (nst !== undefined && /^\d+$/.test(nst)) engine.thinSettings.noSpaceTimeout = Number(nst);
  if (opts.watch) engine.thinSettings.autoextendThreshold = Config.load(opts.watch.configFile, []).int('activation/thin_pool_autoextend_threshold', 100);
  const merges = mergeFinisher(engine, log, opts.watch);
  engine.onMergeDone = (vgName, originName, devices) => merges.done(vgName, originName, devices);
  // A restart after a crash: bring back what was active.
  let previous: ActivateRequest[] = [];
  try {
    previous = JSON.parse(readFileSync(p.state, 'utf8')) as ActivateRequest[];
  } catch {
    previous = [];
  }
  for (const r of previous) {
    try {
      await engine.activate(r);
      log(`re-activated ${r.vgName}/${r.lvNames.join(',')}`);
    } catch (e) {
      log(`could not re-activate ${r.vgName}/${r.lvNames.join(',')}: ${(e as Error).message}`);
    }
  }
  await nbd.listen({ path: p.nbd });
  chmodSync(p.nbd, 0o600);
  if (opts.tcpPort !== undefined) await nbd.listen({ port: opts.tcpPort, host: '127.0.0.1' });

  // dmeventd's job for snapshots: extend a COW before it fills, per lvm.conf's autoextend policy.
  let watching = false;
  const watch = opts.watch;
  const thinWatch = watch?.extendPool
    ? new ThinPoolWatch(engine, (vg, pool, devices) => (new Locks(watch.lockDir).vgBusy(vg) ? Promise.resolve({ rc: 0, messages: [] }) : watch.extendPool!(vg, pool, devices, engine)), log)
    : undefined;
  const timer = watch
    ? setInterval(() => {
        if (watching) return;
        watching = true;
        void (async () => {
          try {
            const policy = snapshotAutoextendPolicy(Config.load(watch.configFile, []));
            const locks = new Locks(watch.lockDir);
            // A command holding the VG's lock may be waiting on this daemon: try again next round.
            await autoextendSnapshots(engine, policy, (vg, lv, percent, devices) => (locks.vgBusy(vg) ? Promise.resolve({ rc: 0, messages: [] }) : watch.extend(vg, lv, percent, devices, engine)), log);
            await thinWatch?.round();
          } catch (e) {
            log(`snapshot watch: ${(e as Error).message}`);
          } finally {
            watching = false;
          }
        })();
      }, WATCH_MS)
    : undefined;
  timer?.unref();

  let stopping = false;
  const treePath = opts.deviceTree ? kernelTreePath(opts.deviceTree) : undefined;
  const holds = new WeakMap<Socket, Held>();
  // `daemon stop`: refused while an LV is open (lvm2's vgchange -an refuses the same), unless
  // forced; the tree is unmounted before the answer, so a busy tree is refused too.
  const stop = async (force: boolean): Promise<StopReply> => {
    if (stopping) return { stopped: true, pid: process.pid };
    if (!force) {
      const busy = await openLvs(engine);
      if (busy.length) return { stopped: false, inUse: busy.map((a) => ({ vgName: a.vgName, lvName: a.lvName, openCount: a.openCount })) };
    }
    const why = await fuse?.unmount(force);
    if (why) return { stopped: false, treeBusy: why };
    stopping = true;
    return { stopped: true, pid: process.pid };
  };
  const control = createServer((sock: Socket) => {
    let buf = '';
    sock.on('data', (d) => {
      buf += d.toString('utf8');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        void handle(sock, line);
      }
    });
    sock.on('error', () => undefined);
  });
  const answer = async (sock: Socket, r: ControlRequest): Promise<ControlResults[ControlOp]> => {
    switch (r.op) {
      case 'ping':
        return null;
      case 'status':
        // With the device tree mounted, each LV says where its files are (the CLI must not stat
        // them: commands run inside this daemon would wait on themselves).
        return (await engine.status()).map((a) => {
          const exportName = exports.nameOf(a.vgId, a.lvId);
          const withExport = exportName !== undefined ? { ...a, exportName } : a;
          return fuse && opts.deviceTree ? { ...withExport, devicePath: join(opts.deviceTree, a.vgName, a.lvName), dmDevicePath: join(opts.deviceTree, 'mapper', dmName(a.vgName, a.lvName)) } : withExport;
        });
      case 'activate':
        await engine.activate(r.req);
        return null;
      case 'deactivate':
        await engine.deactivate(r.vgName, r.lvNames ?? []);
        return null;
      case 'reload':
        await engine.reload(r.vgName, r.devices ?? []);
        return null;
      case 'merge': {
        // A command waiting for the merge finishes it itself; if it goes away first, this daemon does.
        const leave = r.wait === false ? () => undefined : merges.polling(r.vgName, r.originName, r.devices ?? []);
        sock.once('close', leave);
        return engine.merge(r.vgName, r.originName, r.devices ?? [], { wait: r.wait !== false });
      }
      case 'hold': {
        // Frozen and held until the holder says release or closes its connection, whether it
        // finished or died (also while the freeze was under way).
        const held = await holdFrozen(engine, fuse ? treePath : undefined, r.vgName, r.lvNames ?? [], log);
        holds.set(sock, held);
        const release = () => void held.release().catch((e: Error) => log(`hold of ${r.vgName}: ${e.message}`));
        if (sock.destroyed) release();
        else sock.once('close', release);
        return { warnings: held.warnings, frozen: held.frozen };
      }
      case 'release':
        return { warnings: (await holds.get(sock)?.release()) ?? [] };
      case 'stop':
        return stop(!!r.force);
      case 'dmStatus':
        return engine.dmStatus();
      case 'dmTable':
        return engine.dmTable(r.name, !!r.inactive);
      case 'message':
        return engine.dmMessage(r.name, r.sector, r.text);
      case 'thinDelta':
        return engine.thinChangedBlocks(r.vgName, r.pool, r.left, r.right, { ...(r.leftBlocks !== undefined ? { leftBlocks: r.leftBlocks } : {}), ...(r.rightBlocks !== undefined ? { rightBlocks: r.rightBlocks } : {}) });
      case 'enableChangeMap': {
        const m = changeMaps.enable(r.vgName, r.lvName, r.regionSize);
        return { generation: m.generation, regionSize: m.regionSize };
      }
      case 'rotateChangeMap':
        return changeMaps.rotate(r.vgName, r.lvName);
    }
  };
  const handle = async (sock: Socket, line: string) => {
    const r = parseRequest(line);
    if ('error' in r) {
      sock.write(JSON.stringify({ id: r.id, ok: false, error: r.error }) + '\n');
      return;
    }
    try {
      const result = await answer(sock, r);
      sock.write(JSON.stringify({ id: r.id, ok: true, result }) + '\n');
      if (stopping) setImmediate(() => void shutdown(true));
    } catch (e) {
      sock.write(JSON.stringify({ id: r.id, ok: false, error: (e as Error).message, ...(e instanceof DmError ? { code: e.code } : {}) }) + '\n');
    }
  };
  rmSync(p.control, { force: true });
  await new Promise<void>((resolve) => control.listen(p.control, () => resolve()));
  chmodSync(p.control, 0o600);
  writeFileSync(p.pid, `${process.pid}\n`);
  log(`started, pid ${process.pid}`);

  // The tree goes first (no new FUSE request can arrive for an LV being closed), then NBD and
  // the LVs; /dev/fuse is closed last, once no reader waits in it. A signal is a forced stop: a
  // busy tree has its connection aborted, so nothing in the kernel keeps waiting for us.
  let shuttingDown = false;
  const shutdown = async (force: boolean) => {
    if (shuttingDown) return;
    shuttingDown = true;
    stopping = true;
    log('stopping');
    if (timer) clearInterval(timer);
    control.close();
    if (fuse) {
      const open = (await engine.status()).filter((a) => a.openCount > 0);
      if (open.length) log(`stopping with ${open.map((a) => `${a.vgName}/${a.lvName}`).join(', ')} in use: their I/O fails from now on`);
      await fuse.unmount(force);
    }
    await nbd.close();
    await engine.closeAll();
    // A clean stop deactivates everything: nothing to bring back.
    rmSync(p.state, { force: true });
    rmSync(p.control, { force: true });
    rmSync(p.nbd, { force: true });
    const closed = (await fuse?.close(3000)) ?? true;
    rmSync(p.pid, { force: true });
    log('stopped');
    // A reader still in /dev/fuse would hold exit (libuv joins its threads), and the kernel's
    // requests would wait for this process: it goes without waiting for them.
    if (!closed) {
      log('fuse: readers did not return; exiting at once');
      process.kill(process.pid, 'SIGKILL');
    }
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown(true));
  process.on('SIGINT', () => void shutdown(true));
}
