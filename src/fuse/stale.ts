// A device tree left mounted by a daemon that is gone: after kill -9 its connection is dead
// (every access fails with ENOTCONN, "Transport endpoint is not connected"); after a daemon that
// hung, it may still be alive with nobody answering, and every access waits. Either way the next
// daemon aborts what is left (umount -f: FUSE's umount_begin fails the waiting requests) and
// detaches it (umount -l: a loop device may still hold a file in it) before mounting afresh.
import { spawn } from 'node:child_process';
import { mounts } from '../devices/holders.ts';

function run(cmd: string, args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const c = spawn(cmd, args, { stdio: 'ignore' });
    c.on('exit', (code) => resolve(code ?? 1));
    c.on('error', () => resolve(127));
  });
}

/** `kernelPath` is the mount point as mountinfo shows it (resolved without entering it). */
export async function cleanStaleMount(mountpoint: string, kernelPath: string, log: (m: string) => void): Promise<void> {
  // mountinfo, not a stat of the mount point: a stat of a hung mount would wait forever.
  const stale = mounts().filter((m) => m.mountPoint === kernelPath && m.fsType.startsWith('fuse'));
  for (const m of stale) {
    log(`fuse: ${kernelPath}: stale ${m.fsType} mount (${m.devno}) of a daemon that is gone: aborting and detaching it`);
    await run('umount', ['-f', mountpoint]);
    await run('umount', ['-l', mountpoint]);
  }
}
