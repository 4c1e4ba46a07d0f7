// ulvm backup create [--repo REPO] [--postgres CONNINFO] [--hook-pre CMD] [--hook-post CMD]
//   [--cow-size SIZE] [--expected-duration SECONDS] [--keep-snapshot] [--tag TAG] [--dry-run] VG/LV…
import type { Ctx } from '../../ops/context.ts';
import { fail } from '../../ops/context.ts';
import { createBackup, estimateBackup } from '../../backup/create.ts';
import { createdText } from '../../backup/report.ts';
import { openLvIo, readerOf } from '../../backup/lv-io.ts';
import { instantHooks } from '../../backup/instant-hooks.ts';
import { displaySize } from '../../report/units.ts';
import { countOpt, type BackupArgs } from './args.ts';
import { jsonWanted, openRepo, progressFor, runDirOf, sessionFor, sizeBytes } from './common.ts';

export async function run(ctx: Ctx, a: BackupArgs): Promise<number> {
  if (!a.positionals.length) fail(['Please specify the logical volumes to back up (VG/LV …).', "Run `ulvm backup --help' for more information."], 3, 'INVALID_ARGUMENT');
  const names = a.positionals.map((p) => {
    const m = /^(?:\/dev\/)?([^/]+)\/([^/]+)$/.exec(p) ?? fail([`Path required for Logical Volume "${p}".`, "Run `ulvm backup --help' for more information."], 3, 'INVALID_ARGUMENT');
    return { vg: m[1]!, lv: m[2]! };
  });
  const vg = names[0]!.vg;
  if (names.some((n) => n.vg !== vg)) fail('The logical volumes of one backup must be in one volume group (a consistency group is one metadata transaction).', 3, 'INVALID_ARGUMENT');
  const lvs = names.map((n) => n.lv);
  const repo = await openRepo(ctx, a);
  const session = sessionFor(ctx);
  const runDir = runDirOf(ctx);
  const expected = a.values['expected-duration'];
  if (expected !== undefined && !/^\d+(\.\d+)?$/.test(expected)) fail([`Invalid argument for --expected-duration: ${expected}`, 'Error during parsing of command line.'], 3, 'INVALID_ARGUMENT');
  if (a.values['dry-run']) {
    const e = await estimateBackup(session, repo, { vg, lvs });
    for (const v of e.volumes) ctx.print(`${vg}/${v.lv}: ${v.tracker}${v.note ? ` (${v.note})` : ''}, would read ${displaySize(v.bytesToRead / 512)} of ${displaySize(v.size / 512)}.`);
    ctx.print(`Would read ${displaySize(e.bytesToRead / 512)} in all; nothing was snapshotted or stored.`);
    return 0;
  }
  const progress = progressFor(ctx, a, `backup ${vg}/${lvs.join(',')}`);
  const hooks = instantHooks({
    ...(a.values['hook-pre'] !== undefined ? { pre: a.values['hook-pre'] } : {}),
    ...(a.values['hook-post'] !== undefined ? { post: a.values['hook-post'] } : {}),
    ...(a.values.postgres !== undefined ? { postgres: a.values.postgres } : {}),
  });
  let m;
  try {
    m = await createBackup(session, repo, {
      vg,
      lvs,
      hooks,
      ...(a.values['cow-size'] !== undefined ? { cowSize: sizeBytes(a.values['cow-size'], 'cow-size') } : {}),
      ...(expected !== undefined ? { expectedDurationS: Number(expected) } : {}),
      ...(a.values['keep-snapshot'] ? { keepCow: true } : {}),
      ...(a.values.tag ? { tags: a.values.tag } : {}),
      ...(countOpt(a, 'parallel') !== undefined ? { parallel: countOpt(a, 'parallel')! } : {}),
      ...(countOpt(a, 'audit') !== undefined ? { auditSample: countOpt(a, 'audit')! } : {}),
      reader: async (v, lv) => readerOf(await openLvIo(session, runDir, v, lv)),
      onProgress: (p) => progress.update(p.phase, p.bytesDone, p.bytesTotal),
    });
  } finally {
    progress.stop();
  }
  if (jsonWanted(a)) ctx.output(JSON.stringify({ backup: { ...m, volumes: m.volumes.map(({ chunks, ...v }) => ({ ...v, chunks: chunks.length })) } }, null, 2) + '\n');
  else for (const l of createdText(m)) ctx.print(l);
  return 0;
}
