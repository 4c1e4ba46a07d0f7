// lvm2's --select for the VG commands: the VGs a selection picks, by the report's own fields and
// selection language (the same rows `vgs -S` would show).
import type { Ctx } from './context.ts';
import type { FoundVg } from '../metadata/scan.ts';
import { renderReport } from '../report/report.ts';
import { pvObjects, vgObject } from './objects.ts';
import { formatId } from '../formats/uuid.ts';
import { fail } from './context.ts';

/** The VGs of `candidates` that `selection` picks; a bad selection fails with the report's text. */
export function selectVgs(ctx: Ctx, candidates: FoundVg[], selection: string): FoundVg[] {
  const scan = ctx.scan();
  const vgs = candidates.map(vgObject);
  const pvs = pvObjects(scan, false).filter((p) => !p.duplicate && p.vg && candidates.some((f) => f.vg.id === p.vg!.id));
  const out = renderReport('vgs', { options: ['vg_uuid'], noheadings: true, select: selection }, { vgs, pvs });
  if (out.rc) {
    ctx.run.io.err(out.stderr);
    fail([], out.rc, 'INVALID_ARGUMENT', { detail: `Bad selection: ${selection}` });
  }
  const picked = new Set(out.stdout.split('\n').map((l) => l.trim()).filter((l) => l));
  return candidates.filter((f) => picked.has(formatId(f.vg.id)));
}
