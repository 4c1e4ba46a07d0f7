// pvs: report on physical volumes.
import type { Ctx } from './context.ts';
import { runReport } from './report-cmd.ts';

export async function run(ctx: Ctx): Promise<number> {
  return runReport(ctx, 'pvs');
}
