// ulvm backup mount [--repo REPO] [--socket PATH | --port N] [--overlay DIR] BACKUP[/LV]: serves a
// backup's volumes as NBD exports straight from the repository (read-only; read-write into an
// overlay with --overlay), until interrupted. A database can start on it before any restore.
import { resolve } from 'node:path';
import type { Ctx } from '../../ops/context.ts';
import { fail } from '../../ops/context.ts';
import { serveBackup } from '../../backup/mount.ts';
import type { BackupArgs } from './args.ts';
import { openRepo } from './common.ts';

export async function run(ctx: Ctx, a: BackupArgs): Promise<number> {
  if (a.positionals.length !== 1) fail(['Please give one backup: ulvm backup mount BACKUP[/LV].'], 3, 'INVALID_ARGUMENT');
  const [bid, lvName] = a.positionals[0]!.split('/');
  const repo = await openRepo(ctx, a);
  const m = await repo.loadBackup(bid!);
  const vols = lvName ? [m.volumes.find((v) => v.lv === lvName) ?? fail(`Backup ${m.id.slice(0, 8)} holds no logical volume ${lvName}.`, 5, 'LV_NOT_FOUND')] : m.volumes;
  const port = a.values.port;
  if (port !== undefined && !/^\d+$/.test(port)) fail([`Invalid argument for --port: ${port}`], 3, 'INVALID_ARGUMENT');
  const socket = a.values.socket !== undefined ? resolve(ctx.run.cwd, a.values.socket) : port === undefined ? resolve(ctx.run.cwd, `backup-${m.id.slice(0, 8)}.nbd.sock`) : undefined;
  const overlay = a.values.overlay !== undefined ? resolve(ctx.run.cwd, a.values.overlay) : undefined;
  const served = await serveBackup({
    volumes: vols.map((v) => ({ name: `${v.vg}/${v.lv}`, volume: v })),
    source: repo,
    ...(socket ? { socket } : {}),
    ...(port !== undefined ? { tcp: { host: '127.0.0.1', port: Number(port) } } : {}),
    ...(overlay ? { overlayDir: overlay } : {}),
    readOnly: !overlay,
  });
  for (const e of served.exports) ctx.print(`Serving ${e} of backup ${m.id.slice(0, 8)} ${overlay ? `read-write (writes go to ${overlay})` : 'read-only'} at ${served.address}.`);
  ctx.print('Interrupt (Ctrl-C) to stop.');
  await new Promise<void>((res) => {
    const stop = () => res();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await served.close();
  ctx.print('Stopped serving.');
  return 0;
}
