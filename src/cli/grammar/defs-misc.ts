// Generated from lvm2 2.03.16 tools/command-lines.in (data only); regenerate rather than hand-edit.
// Command definitions in the command-lines.in mini-language, in file order
// (help output and definition matching depend on this order).
import type { DefSource } from './types.ts';

export const DEFS: readonly DefSource[] = [
  {
    line: "config",
    oo: "OO_CONFIG",
    op: "String ...",
    id: "lvmconfig_general",
  },
  {
    line: "dumpconfig",
    oo: "OO_CONFIG",
    op: "String ...",
    id: "lvmconfig_general",
  },
  {
    line: "devtypes",
    oo: "--aligned, --binary, --nameprefixes, --noheadings, --nosuffix, --options String, --reportformat ReportFmt, --rows, --select String, --separator String, --sort String, --unbuffered, --unquoted",
    id: "devtypes_general",
  },
  {
    line: "fullreport",
    oo: "OO_REPORT",
    op: "VG ...",
    io: "--partial, --ignoreskippedcluster, --trustcache",
    id: "fullreport_general",
  },
  {
    line: "lastlog",
    oo: "--reportformat ReportFmt, --select String",
    id: "lastlog_general",
  },
  {
    line: "formats",
    id: "formats_general",
  },
  {
    line: "help",
    op: "String ...",
    id: "help_general",
  },
  {
    line: "version",
    id: "version_general",
  },
  {
    line: "segtypes",
    id: "segtypes_general",
  },
  {
    line: "systemid",
    id: "systemid_general",
  },
  {
    line: "tags",
    id: "tags_general",
  },
];
