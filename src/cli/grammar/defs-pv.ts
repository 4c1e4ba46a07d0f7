// Generated from lvm2 2.03.16 tools/command-lines.in (data only); regenerate rather than hand-edit.
// Command definitions in the command-lines.in mini-language, in file order
// (help output and definition matching depend on this order).
import type { DefSource } from './types.ts';

export const DEFS: readonly DefSource[] = [
  {
    line: "pvchange --all OO_PVCHANGE_META",
    oo: "OO_PVCHANGE",
    io: "--ignoreskippedcluster",
    id: "pvchange_properties_all",
    desc: ["Change properties of all PVs."],
  },
  {
    line: "pvchange OO_PVCHANGE_META PV|Select ...",
    oo: "--select String, OO_PVCHANGE",
    io: "--ignoreskippedcluster",
    id: "pvchange_properties_some",
    desc: ["Change properties of specified PVs."],
  },
  {
    line: "pvresize PV ...",
    oo: "--setphysicalvolumesize SizeMB, --reportformat ReportFmt",
    id: "pvresize_general",
  },
  {
    line: "pvck PV ...",
    oo: "--labelsector Number",
    id: "pvck_general",
    desc: ["Check for metadata on a device"],
  },
  {
    line: "pvck --dump DumpType PV",
    oo: "--settings String, --file String, --pvmetadatacopies MetadataCopiesPV, --labelsector Number",
    id: "pvck_dump",
    desc: ["Check and print LVM headers and metadata on a device"],
  },
  {
    line: "pvck --repairtype RepairType PV",
    oo: "--settings String, --file String, --labelsector Number",
    id: "pvck_repair_type",
    desc: ["Repair LVM headers or metadata on a device"],
  },
  {
    line: "pvck --repair --file String PV",
    oo: "--settings String, --labelsector Number",
    id: "pvck_repair",
    desc: ["Repair LVM headers and metadata on a device"],
  },
  {
    line: "pvcreate PV ...",
    oo: "--dataalignment SizeKB, --dataalignmentoffset SizeKB, --bootloaderareasize SizeMB, --force, --labelsector Number, --metadatatype MetadataType, --pvmetadatacopies MetadataCopiesPV, --metadatasize SizeMB, --metadataignore Bool, --norestorefile, --setphysicalvolumesize SizeMB, --reportformat ReportFmt, --restorefile String, --uuidstr String, --zero Bool",
    id: "pvcreate_general",
    rules: ["--norestorefile not --restorefile", "--bootloaderareasize not --restorefile"],
  },
  {
    line: "pvdisplay",
    oo: "--aligned, --all, --binary, --colon, --columns, --configreport ConfigReport, --foreign, --ignorelockingfailure, --logonly, --maps, --noheadings, --nosuffix, --options String, --readonly, --select String, --separator String, --shared, --short, --sort String, --unbuffered, --units Units",
    op: "PV|Tag ...",
    io: "--ignoreskippedcluster, --reportformat ReportFmt",
    id: "pvdisplay_general",
  },
  {
    line: "pvmove PV",
    oo: "--abort, --alloc Alloc, --atomic, --autobackup Bool, --background, --interval Number, --name LV, --noudevsync, --reportformat ReportFmt",
    op: "PV ...",
    id: "pvmove_one",
    desc: ["Move PV extents."],
  },
  {
    line: "pvmove",
    oo: "--abort, --background, --interval Number",
    id: "pvmove_any",
    desc: ["Continue or abort existing pvmove operations."],
  },
  {
    line: "pvremove PV ...",
    oo: "--force, --reportformat ReportFmt",
    id: "pvremove_general",
  },
  {
    line: "pvs",
    oo: "--segments, OO_REPORT",
    op: "PV|Tag ...",
    io: "--partial, --ignoreskippedcluster, --trustcache",
    id: "pvs_general",
  },
  {
    line: "pvscan",
    oo: "--ignorelockingfailure, --reportformat ReportFmt, --exported, --novolumegroup, --short, --uuid",
    id: "pvscan_display",
    desc: ["Display PV information."],
  },
  {
    line: "pvscan --cache_long",
    oo: "--ignorelockingfailure, --reportformat ReportFmt, --major Number, --minor Number, --noudevsync",
    op: "PV|String ...",
    io: "--background",
    id: "pvscan_cache",
    desc: ["Record that a PV is online or offline."],
  },
  {
    line: "pvscan --cache_long --activate ay",
    oo: "--ignorelockingfailure, --reportformat ReportFmt, --major Number, --minor Number, --noudevsync, --autoactivation String",
    op: "PV|String ...",
    io: "--background",
    id: "pvscan_cache",
    desc: ["Record that a PV is online and autoactivate the VG if complete."],
  },
  {
    line: "pvscan --cache_long --listvg PV",
    oo: "--ignorelockingfailure, --checkcomplete, --vgonline, --udevoutput, --autoactivation String",
    id: "pvscan_cache",
    desc: ["Record that a PV is online and list the VG using the PV."],
  },
  {
    line: "pvscan --cache_long --listlvs PV",
    oo: "--ignorelockingfailure, --checkcomplete, --vgonline",
    id: "pvscan_cache",
    desc: ["Record that a PV is online and list LVs using the PV."],
  },
  {
    line: "pvscan --listlvs PV",
    id: "pvscan_cache",
    desc: ["List LVs using the PV."],
  },
  {
    line: "pvscan --listvg PV",
    id: "pvscan_cache",
    desc: ["List the VG using the PV."],
  },
  {
    line: "pvdata",
    id: "pvdata_general",
  },
];
