// Thin provisioning relations in a VG, as lvm2's thin_manip.c and pool_manip.c read them: a pool
// LV's segment names its `_tdata` and `_tmeta` LVs; thin LVs name their pool and device id; the
// pool segment queues the messages (create, delete) the kernel has not been sent yet, and counts
// them in its transaction id (lvm2's attach_pool_message).
import type { LogicalVolume, ThinPoolSegment, ThinSegment, VolumeGroup } from './types.ts';
import type { RawNode } from './raw.ts';

/** DM_THIN_MAX_DEVICE_ID. */
export const MAX_THIN_DEVICE_ID = (1 << 24) - 1;

export function poolSegOf(lv: LogicalVolume | undefined): ThinPoolSegment | undefined {
  const s = lv?.segments[0];
  return s?.kind === 'thin-pool' ? s : undefined;
}

export function thinSegOf(lv: LogicalVolume | undefined): ThinSegment | undefined {
  const s = lv?.segments[0];
  return s?.kind === 'thin' ? s : undefined;
}

export function isPool(lv: LogicalVolume | undefined): boolean {
  return poolSegOf(lv) !== undefined;
}

export function isThin(lv: LogicalVolume | undefined): boolean {
  return thinSegOf(lv) !== undefined;
}

/** Thin LVs of a pool, in metadata order. */
export function thinsOfPool(vg: VolumeGroup, poolName: string): LogicalVolume[] {
  return vg.lvs.filter((l) => thinSegOf(l)?.thinPool === poolName);
}

/** The pool an LV is the data or metadata LV of (lvm2's lv_is_thin_pool_data/_metadata). */
export function poolOfSubLv(vg: VolumeGroup, lvName: string): { pool: LogicalVolume; role: 'data' | 'metadata' } | undefined {
  for (const l of vg.lvs) {
    const s = poolSegOf(l);
    if (s?.pool === lvName) return { pool: l, role: 'data' };
    if (s?.metadata === lvName) return { pool: l, role: 'metadata' };
  }
  return undefined;
}

/** The VG's pool metadata spare (`lvolN_pmspare`): hidden, and named so. */
export function pmspareOf(vg: VolumeGroup): LogicalVolume | undefined {
  return vg.lvs.find((l) => !l.status.includes('VISIBLE') && /_pmspare$/.test(l.name));
}

/** The pools of a VG. */
export function poolsOf(vg: VolumeGroup): LogicalVolume[] {
  return vg.lvs.filter(isPool);
}

/** lvm2's get_free_pool_device_id: one above the highest device id of the pool's thin LVs. */
export function nextDeviceId(vg: VolumeGroup, poolName: string): number | undefined {
  let max = 0;
  for (const l of thinsOfPool(vg, poolName)) max = Math.max(max, thinSegOf(l)!.deviceId);
  return max + 1 > MAX_THIN_DEVICE_ID ? undefined : max + 1;
}

export type PoolMessage = { type: 'create'; lv: string } | { type: 'delete'; deviceId: number };

/** Messages queued in a pool segment, in order. */
export function queuedMessages(seg: ThinPoolSegment): PoolMessage[] {
  const out: PoolMessage[] = [];
  for (const n of seg.extra) {
    if (!n.children || !/^message\d+$/.test(n.key)) continue;
    for (const c of n.children) {
      if (c.key === 'create' && c.value?.kind === 'string') out.push({ type: 'create', lv: c.value.value });
      if (c.key === 'delete' && c.value?.kind === 'int') out.push({ type: 'delete', deviceId: c.value.value });
    }
  }
  return out;
}

/**
 * Queues a message in the pool; the first of a batch raises the transaction id, which the kernel
 * takes once the batch is sent (set_transaction_id old new).
 */
export function queueMessage(seg: ThinPoolSegment, m: PoolMessage): void {
  const had = queuedMessages(seg).length;
  if (!had) seg.transactionId++;
  const child: RawNode = m.type === 'create' ? { key: 'create', value: { kind: 'string', value: m.lv } } : { key: 'delete', value: { kind: 'int', value: m.deviceId } };
  seg.extra.push({ key: `message${had + 1}`, children: [child] });
}

/** Drops the queued messages (they were sent), keeping keys ulvm does not know. */
export function clearMessages(seg: ThinPoolSegment): void {
  seg.extra = seg.extra.filter((n) => !(n.children && /^message\d+$/.test(n.key)));
}

/** Drops a queued create of an LV that goes again before it was sent (lvm2's detach_pool_lv). */
export function dropCreateMessage(seg: ThinPoolSegment, lvName: string): boolean {
  const before = seg.extra.length;
  seg.extra = seg.extra.filter((n) => !(n.children && /^message\d+$/.test(n.key) && n.children.some((c) => c.key === 'create' && c.value?.kind === 'string' && c.value.value === lvName)));
  return seg.extra.length !== before;
}

/** The kernel messages for the queued ones (lvm2's _thin_pool_add_target_line). */
export function kernelMessages(vg: VolumeGroup, seg: ThinPoolSegment): string[] {
  const out: string[] = [];
  for (const m of queuedMessages(seg)) {
    if (m.type === 'delete') {
      out.push(`delete ${m.deviceId}`);
      continue;
    }
    const t = thinSegOf(vg.lvs.find((l) => l.name === m.lv));
    if (!t) continue;
    const origin = t.origin !== undefined ? thinSegOf(vg.lvs.find((l) => l.name === t.origin)) : undefined;
    out.push(origin ? `create_snap ${t.deviceId} ${origin.deviceId}` : `create_thin ${t.deviceId}`);
  }
  return out;
}

/** lvm2's lv_is_new_thin_pool: a pool that never had a thin LV (its transaction id is still 0). */
export function isNewPool(lv: LogicalVolume | undefined): boolean {
  return poolSegOf(lv)?.transactionId === 0;
}
