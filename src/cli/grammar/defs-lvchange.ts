// Generated from lvm2 2.03.16 tools/command-lines.in (data only); regenerate rather than hand-edit.
// Command definitions in the command-lines.in mini-language, in file order
// (help output and definition matching depend on this order).
import type { DefSource } from './types.ts';

export const DEFS: readonly DefSource[] = [
  {
    line: "lvchange OO_LVCHANGE_META VG|LV|Tag|Select ...",
    oo: "--activate Active, --poll Bool, --monitor Bool, OO_LVCHANGE",
    io: "--ignoreskippedcluster",
    id: "lvchange_properties",
    desc: ["Change a general LV attribute.", "For options listed in parentheses, any one is", "required, after which the others are optional."],
    rules: ["all not lv_is_pvmove lv_is_mirror_log lv_is_mirror_image", "all and lv_is_vg_writable", "--contiguous not --alloc", "--profile not --detachprofile", "--metadataprofile not --detachprofile", "--minrecoveryrate --maxrecoveryrate and LV_raid", "--writebehind --writemostly and LV_raid1", "--cachemode --cachepolicy --cachesettings and LV_cache LV_cachepool LV_writecache", "--errorwhenfull --discards --zero and LV_thinpool", "--permission not lv_is_external_origin lv_is_raid_metadata lv_is_raid_image LV_thinpool", "--alloc --contiguous --metadataprofile --persistent --profile --readahead not lv_is_thick_origin", "--alloc --discards --zero --cachemode --cachepolicy --cachesettings not lv_is_partial"],
  },
  {
    line: "lvchange --resync VG|LV_raid_mirror|Tag|Select ...",
    oo: "--activate Active, OO_LVCHANGE",
    io: "--ignoreskippedcluster",
    id: "lvchange_resync",
    desc: ["Resyncronize a mirror or raid LV.", "Use to reset 'R' attribute on a not initially synchronized LV."],
    rules: ["all not lv_is_pvmove lv_is_locked lv_is_raid_with_integrity", "all not LV_raid0"],
  },
  {
    line: "lvchange --syncaction SyncAction VG|LV_raid|Tag|Select ...",
    oo: "OO_LVCHANGE",
    io: "--ignoreskippedcluster",
    id: "lvchange_syncaction",
    desc: ["Resynchronize or check a raid LV."],
    rules: ["all not LV_raid0"],
  },
  {
    line: "lvchange --rebuild PV VG|LV_raid|Tag|Select ...",
    oo: "OO_LVCHANGE",
    io: "--ignoreskippedcluster",
    id: "lvchange_rebuild",
    desc: ["Reconstruct data on specific PVs of a raid LV."],
    rules: ["all not LV_raid0"],
  },
  {
    line: "lvchange --activate Active VG|LV|Tag|Select ...",
    oo: "--activationmode ActivationMode, --partial, --poll Bool, --monitor Bool, --ignoreactivationskip, --ignorelockingfailure, --sysinit, --readonly, OO_LVCHANGE",
    io: "--ignoreskippedcluster",
    id: "lvchange_activate",
    desc: ["Activate or deactivate an LV."],
  },
  {
    line: "lvchange --refresh VG|LV|Tag|Select ...",
    oo: "--activationmode ActivationMode, --partial, --poll Bool, --monitor Bool, OO_LVCHANGE",
    io: "--ignoreskippedcluster",
    id: "lvchange_refresh",
    desc: ["Reactivate an LV using the latest metadata."],
  },
  {
    line: "lvchange --monitor Bool VG|LV|Tag|Select ...",
    oo: "OO_LVCHANGE",
    io: "--ignoreskippedcluster",
    id: "lvchange_monitor",
    desc: ["Start or stop monitoring an LV from dmeventd."],
    rules: ["all not lv_is_pvmove"],
  },
  {
    line: "lvchange --poll Bool VG|LV|Tag|Select ...",
    oo: "--monitor Bool, OO_LVCHANGE",
    io: "--ignoreskippedcluster",
    id: "lvchange_poll",
    desc: ["Start or stop processing an LV conversion."],
  },
  {
    line: "lvchange --persistent y --minor Number LV",
    oo: "--major Number, --activate Active, --poll Bool, --monitor Bool, OO_LVCHANGE",
    io: "--ignoreskippedcluster",
    id: "lvchange_persistent",
    desc: ["Make the minor device number persistent for an LV."],
    rules: ["all not LV_thinpool LV_cachepool LV_vdopool"],
  },
];
