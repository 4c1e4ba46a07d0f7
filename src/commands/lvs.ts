// lvs: report on logical volumes.
import type { Ctx } from '../ops/context.ts';
import { runReport } from './report-cmd.ts';

export async function run(ctx: Ctx): Promise<number> {
  return runReport(ctx, 'lvs');
}
