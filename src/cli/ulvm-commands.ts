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
