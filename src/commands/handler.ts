// Every command module exports `run(ctx)` returning lvm2's exit code (0 ok, 3 bad command line, 5 failed).
import type { Ctx } from '../ops/context.ts';

export type CommandHandler = (ctx: Ctx) => Promise<number> | number;

export const ECMD_PROCESSED = 0;
export const EINVALID_CMD_LINE = 3;
export const ECMD_FAILED = 5;
