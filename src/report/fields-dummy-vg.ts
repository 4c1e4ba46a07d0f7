// VG columns of a PV row that belongs to no VG. lvm2 never reports its orphan VG: it reports such
// rows against a dummy VG (lib/report/report.c `_dummy_vg`), an all-zero VG whose name is empty,
// or "[unknown]" (`_unknown_vg`) when the PV header says a VG uses the PV. Its format is set from
// the last orphan PV reported and never reset, so vg_fmt of a plain device listed by `pvs -a` is
// "lvm2" only when the report also holds an orphan PV.
import { pvIsUsed } from './attrs.ts';
import type { RowCtx } from './fields.ts';
import { bin, num, size, str, strList } from './values.ts';
import type { Env, FieldValue } from './values.ts';

type DummyFn = (row: RowCtx, env: Env) => FieldValue;

const zero: DummyFn = () => num(0);
const zeroSize: DummyFn = (_r, e) => size(e, 0);
const blank: DummyFn = () => str('');
const no: DummyFn = (_r, e) => bin(e, false, '');

/** "[unknown]" only on PV and label rows: the PV-segment report passes lvm2 no PV to test. */
function dummyVgName(row: RowCtx): string {
  const p = row.pvo;
  return p && !row.pvseg && !p.vg && pvIsUsed(p) ? '[unknown]' : '';
}

export const DUMMY_VG_FIELDS: Record<string, DummyFn> = {
  vg_fmt: (r) => str(r.pvo?.isPv || r.orphanPvSeen ? 'lvm2' : ''),
  vg_uuid: blank,
  vg_name: (r) => str(dummyVgName(r)),
  // No WRITE status and allocation policy "unknown", which has no attribute letter.
  vg_attr: () => str('r-----'),
  vg_permissions: () => str('read-only'),
  vg_extendable: no,
  vg_exported: no,
  vg_autoactivation: (_r, e) => bin(e, true, 'enabled'),
  vg_partial: no,
  vg_allocation_policy: () => str('unknown'),
  vg_clustered: no,
  vg_shared: no,
  vg_size: zeroSize,
  vg_free: zeroSize,
  vg_sysid: blank,
  vg_systemid: blank,
  vg_lock_type: blank,
  vg_lock_args: blank,
  vg_extent_size: zeroSize,
  vg_extent_count: zero,
  vg_free_count: zero,
  max_lv: zero,
  max_pv: zero,
  pv_count: zero,
  vg_missing_pv_count: zero,
  lv_count: zero,
  snap_count: zero,
  vg_seqno: zero,
  vg_tags: () => strList([], true),
  vg_profile: blank,
  vg_mda_count: zero,
  vg_mda_used_count: zero,
  vg_mda_free: zeroSize,
  vg_mda_size: zeroSize,
  vg_mda_copies: () => ({ text: 'unmanaged', sort: 0 }),
};
