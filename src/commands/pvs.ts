// pvs: report on physical volumes.
import type { Ctx } from '../ops/context.ts';
import { reportOptions, runReport } from './report-cmd.ts';
import { renderReport } from '../report/report.ts';
import { warnUsedOrphans } from '../ops/used-orphans.ts';

export async function run(ctx: Ctx): Promise<number> {
  // A PV report (not a label-only one) is process_each_pv, which reads the orphan VG before it
  // looks for the PVs named; the row type alone decides, so ask the engine with no rows.
  const rowType = renderReport('pvs', reportOptions(ctx), {}).rowType;
  if (rowType && rowType !== 'LABEL') warnUsedOrphans(ctx, ctx.args.positionals.length ? ctx.args.positionals.map((a) => ctx.deviceName(a)) : 'all');
  return runReport(ctx, 'pvs');
}
