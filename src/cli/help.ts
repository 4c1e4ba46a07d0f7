// Help and information texts: `<cmd> --help|--longhelp`, `lvm help [cmd...]`, `lvm version`,
// `lvm segtypes`, `lvm formats` — generated from the grammar data like lvm2 does.
import { COMMAND_NAMES } from './grammar/command-names.ts';
import { commandDescription, defsFor } from './grammar/registry.ts';
import { printCommonCmd, printCommonLvm, printNotes, printUsage } from './grammar/usage.ts';
import type { CommandDef } from './grammar/types.ts';
import { SEGTYPES } from './grammar/validate.ts';

/**
 * Usage of one command (lvm2 _usage): all definitions but the deprecated ones; secondary
 * syntaxes only with --longhelp or when the command has fewer than 3 definitions.
 * Returns undefined for an unknown command name.
 */
export function commandHelp(name: string, longhelp: boolean, skipNotes = false): string | undefined {
  const desc = commandDescription(name);
  const defs = defsFor(name);
  if (desc === undefined || !defs.length) return undefined;
  const showFull = longhelp || defs.length < 3;
  let out = `  ${name} - ${desc}\n\n`;
  let last: CommandDef | undefined;
  for (const def of defs) {
    if (def.previous || (def.secondary && !showFull)) continue;
    out += printUsage(def, true, true);
    last = def;
  }
  if (!last) return undefined;
  out += printCommonCmd(name, last) + printCommonLvm(name);
  if (skipNotes) return out;
  return out + (longhelp ? printNotes(name) : '  Use --longhelp to show all options and advanced commands.\n');
}

/** `lvm help` without arguments: the command list, written to stderr. */
export function lvmHelpList(): string {
  let out = "  Available lvm commands:\n  Use 'lvm help <command>' for more information\n   \n";
  for (const [name, desc] of COMMAND_NAMES) out += `  ${name.padEnd(16).slice(0, 16)}${desc}\n`;
  return out;
}

export interface TextOutput {
  stdout: string;
  stderr: string;
  rc: number;
}

/** The `help` command: no argument → list (stderr); `all`; or the usage of each named command. */
export function helpCommand(args: readonly string[]): TextOutput {
  if (!args.length) return { stdout: '', stderr: lvmHelpList(), rc: 0 };
  if (args.length === 1 && args[0] === 'all') {
    let out = '';
    for (const [name] of COMMAND_NAMES) out += commandHelp(name, true, true) ?? '';
    return { stdout: out + printNotes(undefined), stderr: '', rc: 0 };
  }
  let stdout = '';
  let failed = false;
  for (const a of args) {
    const text = commandHelp(a, false);
    if (text === undefined) {
      stdout += `  ${a}: no such command.\n`;
      failed = true;
    } else {
      stdout += text;
    }
  }
  return failed
    ? { stdout, stderr: "  Run `help --help' for more information.\n", rc: 3 }
    : { stdout, stderr: '', rc: 0 };
}

const CONFIGURE_LINE =
  './configure --build=x86_64-linux-gnu --prefix=/usr --includedir=${prefix}/include --mandir=${prefix}/share/man ' +
  '--infodir=${prefix}/share/info --sysconfdir=/etc --localstatedir=/var --disable-option-checking ' +
  '--disable-silent-rules --libdir=${prefix}/lib/x86_64-linux-gnu --runstatedir=/run --disable-maintainer-mode ' +
  '--disable-dependency-tracking --libdir=/lib/x86_64-linux-gnu --sbindir=/sbin ' +
  '--with-usrlibdir=/usr/lib/x86_64-linux-gnu --with-optimisation=-O2 --with-cache=internal --with-device-uid=0 ' +
  '--with-device-gid=6 --with-device-mode=0660 --with-default-pid-dir=/run --with-default-run-dir=/run/lvm ' +
  '--with-default-locking-dir=/run/lock/lvm --with-thin=internal --with-thin-check=/usr/sbin/thin_check ' +
  '--with-thin-dump=/usr/sbin/thin_dump --with-thin-repair=/usr/sbin/thin_repair --with-udev-prefix=/ ' +
  '--enable-applib --enable-blkid_wiping --enable-cmdlib --enable-dmeventd --enable-editline ' +
  '--enable-lvmlockd-dlm --enable-lvmlockd-sanlock --enable-lvmpolld --enable-notify-dbus --enable-pkgconfig ' +
  '--enable-udev_rules --enable-udev_sync --disable-readline';

/**
 * `lvm version` / `--version` (stdout). lvm2 prints a `Driver version:` line only when it can
 * talk to the kernel's device-mapper; we have none, so it is left out, as on a host without it.
 */
export function versionText(): string {
  return (
    '  LVM version:     2.03.16(2) (2022-05-18)\n' +
    '  Library version: 1.02.185 (2022-05-18)\n' +
    `  Configuration:   ${CONFIGURE_LINE}\n`
  );
}

/** `lvm segtypes` (stdout). */
export function segtypesText(): string {
  return SEGTYPES.map((s) => `  ${s}\n`).join('');
}

/** `lvm formats` (stdout). */
export function formatsText(): string {
  return '  lvm2\n';
}
