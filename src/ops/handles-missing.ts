// lvm2's handles_missing_pvs: the commands (and vgchange options) whose writes go on when a PV's
// metadata area cannot be written, skipping it with a warning, instead of failing the write.
import { has, type ParsedArgs } from './args.ts';

const ALWAYS = new Set(['lvchange', 'lvconvert', 'lvremove', 'vgcfgbackup', 'vgck', 'vgextend', 'vgimport', 'vgreduce', 'vgremove']);

/** vgchange options whose change lvm2 refuses to write partially (the others, tags and profiles, it allows). */
const VGCHANGE_UNSAFE = ['logicalvolume', 'maxphysicalvolumes', 'resizeable', 'setautoactivation', 'uuid', 'physicalextentsize', 'alloc', 'vgmetadatacopies'];

export function handlesMissingPvs(args: ParsedArgs): boolean {
  if (args.command === 'vgchange') return !VGCHANGE_UNSAFE.some((o) => has(args, o));
  return ALWAYS.has(args.command);
}
