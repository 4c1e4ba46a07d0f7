// `ulvm daemon start|stop|status|run`: the activation daemon of this run directory.
import type { Ctx } from '../ops/context.ts';
import { fail } from '../ops/context.ts';
import { DaemonClient } from '../daemon/client.ts';
import { daemonPaths } from '../daemon/paths.ts';
import { runDaemon } from '../daemon/server.ts';
import { snapshotWatch } from '../api/watch.ts';

/** lvm2's refusal of vgchange -an with open LVs, per VG, and how to go on. */
function inUseLines(inUse: { vgName: string; lvName: string }[]): string[] {
  const lines: string[] = [];
  const vgs = [...new Set(inUse.map((u) => u.vgName))];
  for (const vg of vgs) {
    const lvs = inUse.filter((u) => u.vgName === vg);
    for (const u of lvs) lines.push(`Logical volume ${vg}/${u.lvName} in use.`);
    lines.push(`Can't deactivate volume group "${vg}" with ${lvs.length} open logical volume(s)`);
  }
  lines.push('ulvm daemon not stopped: unmount the filesystems, detach the loop devices (losetup -d) and disconnect the NBD clients using these logical volumes, or use "ulvm daemon stop --force" (their I/O then fails).');
  return lines;
}

export async function run(ctx: Ctx): Promise<number> {
  const [action = 'status'] = ctx.args.positionals;
  const client = ctx.activator instanceof DaemonClient ? ctx.activator : new DaemonClient(ctx.paths.runDir, ctx.run.self, ctx.run.env);
  const p = daemonPaths(ctx.paths.runDir);
  switch (action) {
    case 'run': {
      const port = ctx.config.int('daemon/nbd_tcp_port', -1);
      const tree = ctx.config.str('daemon/device_tree', p.tree);
      // The snapshot watch extends COWs and finishes merges inside the daemon, through the library.
      const watch = snapshotWatch(ctx.paths, ctx.opener);
      await runDaemon(ctx.paths.runDir, { ...(port >= 0 ? { tcpPort: port } : {}), ...(tree ? { deviceTree: tree } : {}), watch });
      // The daemon lives on in its servers; this command returns to the event loop.
      await new Promise(() => undefined);
      return 0;
    }
    case 'start':
      await client.start();
      ctx.output(`  ulvm daemon running in ${ctx.paths.runDir}\n  NBD exports on nbd+unix:///VG/LV?socket=${p.nbd}\n  device tree (root only) in ${p.tree}\n`);
      return 0;
    case 'stop': {
      const extra = ctx.args.positionals.slice(1).filter((a) => a !== '--force' && a !== '-f');
      if (extra.length) return fail(`Unknown daemon stop argument "${extra[0]}": only --force is taken.`, 3);
      const force = ctx.args.positionals.length > 1;
      const r = await client.stop(force);
      if (!r) {
        ctx.output('  ulvm daemon is not running\n');
        return 0;
      }
      if ('inUse' in r) return fail(inUseLines(r.inUse), 5);
      if ('treeBusy' in r) return fail([`Device tree ${p.tree} is busy: ${r.treeBusy}`, `ulvm daemon not stopped: leave that directory, or use "ulvm daemon stop --force".`], 5);
      ctx.output('  ulvm daemon stopped\n');
      return 0;
    }
    case 'status': {
      if (!(await client.running())) {
        ctx.output(`  ulvm daemon is not running (run dir ${ctx.paths.runDir})\n`);
        return 3;
      }
      const active = await client.status();
      ctx.output(`  ulvm daemon running in ${ctx.paths.runDir}, ${active.length} active logical volume(s)\n`);
      for (const a of active) ctx.output(`  ${a.vgName}/${a.lvName}  open ${a.openCount}  nbd+unix:///${a.exportName ?? ''}?socket=${p.nbd}\n`);
      return 0;
    }
    default:
      return fail(`Unknown daemon action "${action}": use start, stop, status or run.`, 3);
  }
}
