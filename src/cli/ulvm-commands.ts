// ulvm's own commands (not lvm2's): their names, one-line descriptions and usage texts, and
// ulvm's own version. They take plain positional arguments, so `--help` is looked for here
// rather than by lvm2's option grammar.

/** ulvm's release; a unit test keeps it equal to package.json's version. */
export const ULVM_VERSION = '0.1.0';

export interface UlvmCommand {
  name: string;
  description: string;
  usage: string;
}

export const ULVM_COMMANDS: readonly UlvmCommand[] = [
  {
    name: 'backup',
    description: 'Back up logical volumes from snapshots into a repository, restore, verify',
    usage:
      '  ulvm backup init [--repo REPO] [--chunk-size SIZE]\n' +
      '  ulvm backup create [--repo REPO] [--postgres CONNINFO] [--hook-pre CMD] [--hook-post CMD]\n' +
      '                     [--cow-size SIZE] [--expected-duration SECONDS] [--keep-snapshot]\n' +
      '                     [--tag TAG] [--dry-run] [--progress auto|bar|json|none] VG/LV...\n' +
      '  ulvm backup list [--repo REPO] [--reportformat basic|json] [VG[/LV]]\n' +
      '  ulvm backup restore [--repo REPO] [--differential] [--parallel N] BACKUP[/LV] VG[/LV]|FILE\n' +
      '  ulvm backup mount [--repo REPO] [--socket PATH|--port N] [--overlay DIR] BACKUP[/LV]\n' +
      '  ulvm backup verify [--repo REPO] [--full] [--reportformat basic|json]\n' +
      '  ulvm backup prune [--repo REPO] [--keep-last N] [--keep-hourly N] [--keep-daily N]\n' +
      '                    [--keep-weekly N] [--keep-monthly N] [--dry-run] [--wait SECONDS]\n' +
      '  ulvm backup pin|unpin [--repo REPO] BACKUP\n\n' +
      '  The LVs of one VG are snapshotted at one instant (writers held for milliseconds, mounted\n' +
      '  filesystems frozen, PostgreSQL in backup mode with --postgres), then only the chunks that\n' +
      '  changed since the last backup are read: thin LVs through the pool\'s own delta, classic\n' +
      '  origins through the kept snapshot\'s exceptions (--keep-snapshot). Chunks are deduplicated,\n' +
      '  compressed (zstd) and encrypted (AES-256-GCM, key from a passphrase through scrypt).\n' +
      '  REPO is a folder, or $ULVM_BACKUP_REPO; the passphrase is $ULVM_BACKUP_PASSPHRASE,\n' +
      '  --passphrase-file FILE, or --key-file FILE.\n',
  },
  {
    name: 'daemon',
    description: "Start, stop or query ulvm's activation daemon",
    usage:
      '  ulvm daemon start|stop [--force]|status|run\n\n' +
      '  The activation daemon keeps the active logical volumes of one run directory\n' +
      '  ($ULVM_RUN_DIR) mapped, serves them over NBD (nbd+unix:///VG/LV?socket=RUNDIR/nbd.sock)\n' +
      '  and, as root with /dev/fuse, as files in the device tree RUNDIR/dev/VG/LV.\n' +
      '  Commands that activate LVs start it on demand.\n\n' +
      '  start   start the daemon unless it is running\n' +
      '  stop    deactivate every LV and stop the daemon; refused while an LV is in use (mounted,\n' +
      '          looped, open over NBD) unless --force, which makes their I/O fail\n' +
      '  status  say whether it runs and list the active LVs (exit status 3 when it is not running)\n' +
      '  run     run the daemon in the foreground\n',
  },
  {
    name: 'demo',
    description: 'Play the LVM lab on sparse image files in a folder (no root needed)',
    usage:
      '  ulvm demo [DIR]\n\n' +
      '  Creates a sparse, partitioned 110 MB disk image in DIR (default ./ulvm-demo), then runs\n' +
      '  the lab: physical volumes, volume groups, logical volumes, data through the mapper, and\n' +
      '  with root and FUSE ext4 made, mounted and grown on an LV. DIR must be new, empty, or a\n' +
      '  folder an earlier demo made.\n',
  },
  {
    name: 'dmsetup',
    description: "Show the daemon's device-mapper tables",
    usage:
      '  ulvm dmsetup ls|table|status|info [NAME]\n' +
      '  ulvm dmsetup message NAME SECTOR MESSAGE\n\n' +
      "  The daemon's live devices, named and numbered as the kernel's device-mapper names them\n" +
      '  (VG-LV, with -real and -cow under snapshot origins and snapshots).\n',
  },
];

export function ulvmCommand(name: string): UlvmCommand | undefined {
  return ULVM_COMMANDS.find((c) => c.name === name);
}

/** `--help`, `-h` or `-?` among a ulvm command's arguments (they take no other options). */
export function wantsHelp(argv: readonly string[]): boolean {
  return argv.some((a) => a === '--help' || a === '-h' || a === '-?' || a === '--longhelp');
}

export function ulvmCommandHelp(c: UlvmCommand): string {
  return `  ${c.name} - ${c.description}\n\n${c.usage}`;
}

/** The lines `ulvm help` adds below lvm2's command list. */
export function ulvmHelpList(): string {
  let out = "  ulvm's own commands:\n";
  for (const c of ULVM_COMMANDS) out += `  ${c.name.padEnd(16)}${c.description}\n`;
  return out;
}

/** The line `ulvm version` puts above lvm2's, aligned as lvm2's are. */
export function ulvmVersionLine(): string {
  return `  ulvm version:    ${ULVM_VERSION}\n`;
}
