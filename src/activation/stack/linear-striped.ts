// linear, striped, zero and error segments: one device mapping the segments straight onto the PVs.
import { plainDmTable } from '../../mapper/dm-table.ts';
import type { StackBuilder } from './types.ts';

export const linearStriped: StackBuilder = {
  async buildStack(_vg, _lv, ctx) {
    return { loads: [{ dev: ctx.top, table: plainDmTable(ctx.plain) }] };
  },
};
