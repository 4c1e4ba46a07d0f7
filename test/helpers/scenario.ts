// One VG "variety" built by either implementation, so both directions of the interop tests
// exercise the same shapes: PVs with one and two metadata areas, a small metadata area whose
// circular buffer wraps, linear LVs spanning PVs, a striped LV, lvextend onto a second PV,
// lvreduce, lvrename, vgrename, vgextend, vgreduce.
import { scanDevice } from '../../src/metadata/scan.ts';
import { fileOpener } from '../../src/devices/file.ts';
import { ok, type Result } from './lab.ts';

export type Runner = (cmd: string, args: string[]) => Promise<Result>;

/** Disk size the variety is laid out for (4 × this many MiB). */
export const VARIETY_MIB = 64;

/** Real-lvm2 flavour: no device-mapper in the test kernel, so activation is disabled explicitly. */
export function lvm2Args(cmd: string, args: string[]): string[] {
  const dl = ['--driverloaded', 'n'];
  switch (cmd) {
    case 'lvcreate':
      return [...dl, '-an', '-Zn', ...args];
    case 'lvextend':
    case 'lvreduce':
    case 'lvresize':
    case 'lvremove':
    case 'lvrename':
    case 'vgremove':
      return [...dl, ...args];
    default:
      return args;
  }
}

export interface MdaState {
  device: string;
  mdaSize: number;
  offset: number;
  size: number;
  /** The committed text runs past the end of the area and continues after the header. */
  wrapped: boolean;
}

/** The committed slot of every metadata area of `dev`, read straight from the mda headers. */
export function mdaStates(dev: string): MdaState[] {
  const sd = scanDevice(fileOpener, dev);
  return sd.mdas.flatMap((m) =>
    m.header ? [{ device: dev, mdaSize: m.header.size, offset: m.header.committed.offset, size: m.header.committed.size, wrapped: m.header.committed.offset + m.header.committed.size > m.header.size }] : [],
  );
}

/**
 * Builds VG `va` on loops[0] (one mda) + loops[1] (two mdas) with striped/linear/spanning LVs, and
 * VG `vc` (created as `vb`, renamed) on loops[2] (64 KiB mda) which is extended by loops[3],
 * reduced, extended again, and cycled with lvcreate/lvremove until its committed metadata wraps
 * around the end of loops[2]'s circular buffer. Returns the number of cycles it took.
 */
export async function buildVariety(run: Runner, loops: string[]): Promise<{ cycles: number }> {
  const [d1, d2, d3, d4] = loops as [string, string, string, string];
  const step = async (cmd: string, args: string[]) => ok(await run(cmd, args), `${cmd} ${args.join(' ')}`);
  await step('pvcreate', [d1]);
  await step('pvcreate', ['--pvmetadatacopies', '2', d2]);
  await step('pvcreate', ['--metadatasize', '64k', '--dataalignment', '4k', d3]);
  await step('pvcreate', [d4]);
  await step('vgcreate', ['va', d1, d2]);
  await step('vgcreate', ['--physicalextentsize', '1m', 'vb', d3]);
  // va: 15 extents of 4 MiB on each PV.
  await step('lvcreate', ['-n', 'str', '-i', '2', '-I', '64k', '-L', '16M', 'va']);
  await step('lvcreate', ['-n', 'lin', '-L', '8M', 'va', d1]);
  await step('lvextend', ['-L', '+48M', 'va/lin']); // fills d1, then continues on d2
  await step('lvcreate', ['-n', 'span', '-L', '24M', 'va']);
  await step('lvreduce', ['-f', '-L', '-4M', 'va/span']);
  await step('lvrename', ['va', 'span', 'spanned']);
  await step('lvcreate', ['-n', 'tail', '-l', '3', 'va', d2]);
  // vb -> vc, grow/shrink by d4.
  await step('lvcreate', ['-n', 'keep1', '-L', '5M', 'vb']);
  await step('vgrename', ['vb', 'vc']);
  await step('vgextend', ['vc', d4]);
  await step('vgreduce', ['vc', d4]);
  await step('vgextend', ['vc', d4]);
  await step('lvcreate', ['-n', 'on4', '-L', '6M', 'vc', d4]);
  await step('lvextend', ['-L', '+3M', 'vc/keep1']);
  // Wrap the 64 KiB circular buffer on d3.
  let cycles = 0;
  for (;;) {
    if (mdaStates(d3).some((m) => m.wrapped)) break;
    if (++cycles > 200) throw new Error('metadata never wrapped around the circular buffer');
    await step('lvcreate', ['-n', `t${cycles}`, '-L', '2M', 'vc']);
    if (mdaStates(d3).some((m) => m.wrapped)) break;
    await step('lvremove', ['-y', `vc/t${cycles}`]);
  }
  return { cycles };
}

export const PV_FIELDS = 'pv_name,vg_name,pv_fmt,pv_attr,pv_size,pv_free,dev_size,pe_start,pv_pe_count,pv_pe_alloc_count,pv_mda_count,pv_mda_size,pv_mda_free,pv_uuid';
export const VG_FIELDS = 'vg_name,pv_count,lv_count,snap_count,vg_attr,vg_size,vg_free,vg_extent_size,vg_extent_count,vg_free_count,vg_seqno,vg_mda_count,vg_uuid';
export const LV_FIELDS = 'lv_name,vg_name,lv_attr,lv_size,seg_count,lv_uuid,devices,seg_pe_ranges,stripes,stripe_size,segtype';

/** Report command lines both implementations must print identically (all run with --driverloaded n). */
export const REPORTS: [string, string[]][] = [
  ['pvs', []],
  ['vgs', []],
  ['lvs', []],
  ['pvs', ['--reportformat', 'json', '-o', PV_FIELDS]],
  ['vgs', ['--reportformat', 'json', '-o', VG_FIELDS]],
  ['lvs', ['--reportformat', 'json', '-o', LV_FIELDS]],
  ['pvs', ['--units', 'b', '--nosuffix', '-o', PV_FIELDS]],
  ['vgs', ['--units', 'b', '--nosuffix', '-o', VG_FIELDS]],
  ['lvs', ['--units', 'b', '--nosuffix', '-o', LV_FIELDS]],
  // PV fields in a VG report: a row per PV of each VG.
  ['vgs', ['-o', '+pv_name,pv_free', '--sort', 'vg_name,pv_name']],
];
