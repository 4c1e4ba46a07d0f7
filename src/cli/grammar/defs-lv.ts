// Generated from lvm2 2.03.16 tools/command-lines.in (data only); regenerate rather than hand-edit.
// Command definitions in the command-lines.in mini-language, in file order
// (help output and definition matching depend on this order).
import type { DefSource } from './types.ts';

export const DEFS: readonly DefSource[] = [
  {
    line: "lvdisplay",
    oo: "--aligned, --all, --binary, --colon, --columns, --configreport ConfigReport, --foreign, --history, --ignorelockingfailure, --logonly, --maps, --noheadings, --nosuffix, --options String, --sort String, --readonly, --segments, --select String, --separator String, --shared, --unbuffered, --units Units",
    op: "VG|LV|Tag ...",
    io: "--partial, --ignoreskippedcluster, --reportformat ReportFmt",
    id: "lvdisplay_general",
  },
  {
    line: "lvextend --size PSizeMB LV",
    oo: "--alloc Alloc, --autobackup Bool, --force, --mirrors Number, --nofsck, --nosync, --noudevsync, --reportformat ReportFmt, --resizefs, --stripes Number, --stripesize SizeKB, --poolmetadatasize PSizeMB, --type SegType",
    op: "PV ...",
    id: "lvextend_by_size",
    desc: ["Extend an LV by a specified size."],
  },
  {
    line: "lvextend LV PV ...",
    oo: "--alloc Alloc, --autobackup Bool, --force, --mirrors Number, --nofsck, --nosync, --noudevsync, --reportformat ReportFmt, --resizefs, --stripes Number, --stripesize SizeKB, --type SegType",
    id: "lvextend_by_pv",
    desc: ["Extend an LV by specified PV extents."],
  },
  {
    line: "lvextend --poolmetadatasize PSizeMB LV_thinpool",
    oo: "--alloc Alloc, --autobackup Bool, --force, --mirrors Number, --nofsck, --nosync, --noudevsync, --reportformat ReportFmt, --stripes Number, --stripesize SizeKB, --type SegType",
    op: "PV ...",
    id: "lvextend_pool_metadata_by_size",
    desc: ["Extend a pool metadata SubLV by a specified size."],
  },
  {
    line: "lvextend --usepolicies LV_thinpool_snapshot",
    oo: "--alloc Alloc, --autobackup Bool, --force, --mirrors Number, --nofsck, --nosync, --noudevsync, --reportformat ReportFmt, --resizefs, --type SegType",
    op: "PV ...",
    id: "lvextend_by_policy",
    desc: ["Extend an LV according to a predefined policy."],
  },
  {
    line: "lvmconfig",
    oo: "OO_CONFIG",
    op: "String ...",
    id: "lvmconfig_general",
  },
  {
    line: "lvmdevices",
    id: "lvmdevices_list",
    desc: ["Print devices in the devices file."],
  },
  {
    line: "lvmdevices --check",
    id: "lvmdevices_check",
    desc: ["Check the devices file and report incorrect values."],
  },
  {
    line: "lvmdevices --update",
    id: "lvmdevices_update",
    desc: ["Update the devices file to fix incorrect values."],
  },
  {
    line: "lvmdevices --adddev PV",
    oo: "--deviceidtype String",
    id: "lvmdevices_edit",
    desc: ["Add a device to the devices file."],
  },
  {
    line: "lvmdevices --deldev PV|String",
    oo: "--deviceidtype String",
    id: "lvmdevices_edit",
    desc: ["Remove a device from the devices file."],
  },
  {
    line: "lvmdevices --addpvid String",
    oo: "--deviceidtype String",
    id: "lvmdevices_edit",
    desc: ["Find the device with the given PVID and add it to the devices file."],
  },
  {
    line: "lvmdevices --delpvid String",
    id: "lvmdevices_edit",
    desc: ["Remove the devices file entry for the given PVID."],
  },
  {
    line: "lvreduce --size NSizeMB LV",
    oo: "--autobackup Bool, --force, --nofsck, --noudevsync, --reportformat ReportFmt, --resizefs",
    id: "lvreduce_general",
  },
  {
    line: "lvremove VG|LV|Tag|Select ...",
    oo: "--autobackup Bool, --force, --nohistory, --noudevsync, --reportformat ReportFmt, --select String",
    id: "lvremove_general",
  },
  {
    line: "lvrename VG LV LV_new",
    oo: "--autobackup Bool, --noudevsync, --reportformat ReportFmt",
    id: "lvrename_vg_lv_lv",
  },
  {
    line: "lvrename LV LV_new",
    oo: "--autobackup Bool, --noudevsync, --reportformat ReportFmt",
    id: "lvrename_lv_lv",
  },
  {
    line: "lvresize --size SSizeMB LV",
    oo: "--alloc Alloc, --autobackup Bool, --force, --nofsck, --nosync, --noudevsync, --reportformat ReportFmt, --resizefs, --stripes Number, --stripesize SizeKB, --poolmetadatasize PSizeMB, --type SegType",
    op: "PV ...",
    id: "lvresize_by_size",
    desc: ["Resize an LV by a specified size."],
  },
  {
    line: "lvresize LV PV ...",
    oo: "--alloc Alloc, --autobackup Bool, --force, --nofsck, --nosync, --noudevsync, --reportformat ReportFmt, --resizefs, --stripes Number, --stripesize SizeKB, --type SegType",
    id: "lvresize_by_pv",
    desc: ["Resize an LV by specified PV extents."],
  },
  {
    line: "lvresize --poolmetadatasize PSizeMB LV_thinpool",
    oo: "--alloc Alloc, --autobackup Bool, --force, --nofsck, --nosync, --noudevsync, --reportformat ReportFmt, --stripes Number, --stripesize SizeKB, --type SegType",
    op: "PV ...",
    id: "lvresize_pool_metadata_by_size",
    desc: ["Resize a pool metadata SubLV by a specified size."],
  },
  {
    line: "lvs",
    oo: "--history, --segments, OO_REPORT",
    op: "VG|LV|Tag ...",
    io: "--partial, --ignoreskippedcluster, --trustcache",
    id: "lvs_general",
  },
  {
    line: "lvscan",
    oo: "--all, --blockdevice, --ignorelockingfailure, --readonly, --reportformat ReportFmt",
    io: "--partial, --cache_long",
    id: "lvscan_general",
  },
  {
    line: "lvpoll --polloperation PollOp LV ...",
    oo: "--abort, --autobackup Bool, --handlemissingpvs, --interval Number",
    id: "lvpoll_general",
  },
  {
    line: "lvmchange",
    id: "lvmchange_general",
  },
  {
    line: "lvmdiskscan",
    oo: "--lvmpartition, --readonly",
    id: "lvmdiskscan_general",
  },
  {
    line: "lvmsadc",
    id: "lvmsadc_general",
  },
  {
    line: "lvmsar",
    oo: "--full, --stdin",
    id: "lvmsar_general",
  },
];
