// The golden lab states the display tests compare against, rebuilt with their UUIDs and times,
// plus the kernel-side states (open counts, device numbers, percentages) lvm2 saw in the VM.
import { Lab, MiB, id, lv, linear, snapshotHolder, striped, thinPoolSeg, thinSeg } from './display-lab.ts';
import type { LvActivation } from '../../src/report/objects.ts';
import type { ActivationFn } from '../../src/commands/display/lv-state.ts';

/** Activation by LV name; LVs not listed are inactive. */
export function kernel(states: Record<string, LvActivation>): ActivationFn {
  return (_vg, l) => states[l.name] ?? { state: 'inactive' };
}

export const up = (minor: number, extra: Partial<LvActivation> = {}): LvActivation => ({ state: 'active', openCount: 0, major: 253, minor, readAheadSectors: 256, ...extra });

/** VM lab: four 25 MiB partitions. */
export function vmDisks(): Lab {
  return new Lab()
    .pv('/dev/sda1', 25 * MiB, 'LPjrqX-RTYG-TGaB-ziKB-vm0u-q6oG-FPcYLj')
    .pv('/dev/sda2', 25 * MiB, 'aTTAzx-s7lW-BYnc-WUJL-1ng5-AnAS-S7lHbn')
    .pv('/dev/sda3', 25 * MiB, 'XRxyrY-nMKu-ETYk-41y3-HvmF-TfYN-mWXtqD')
    .pv('/dev/sda4', 25 * MiB, 'F4ziBc-dcK2-zW03-Kien-CVuM-Mr35-sYRSXS');
}

/** 04-lvcreate: lab-vg1 with lvol0 (5 extents), lab-vg2 with extra LVs as given. */
export function scene04(vg2Lvs: ReturnType<typeof lv>[] = []): Lab {
  const lab = vmDisks();
  const lvol0 = lv('lvol0', 'iJtQZr-XEni-xzxP-CSJS-YhbH-H6GC-2PJiXf', '2026-11-26 02:37:47', 'lvmlab', [linear(0, 5, lab.pvId('/dev/sda1'), 0)]);
  lab.vg('lab-vg1', '6y1cYf-3Nfg-BJKz-gW6K-rStO-TZkD-nhTzD0', ['/dev/sda1'], { seqno: 2, lvs: [lvol0] });
  lab.vg('lab-vg2', 'rWz8Dn-sRcQ-5CpK-vg3p-TjrN-tBCt-Rf9O7k', ['/dev/sda2', '/dev/sda3'], { seqno: 2, lvs: vg2Lvs });
  return lab;
}

/** 06/07: origin lab-vg2/lvol0 with the COW snapshot `snap`. */
export function scene06(): Lab {
  const ids = vmDisks();
  const a = ids.pvId('/dev/sda2');
  const b = ids.pvId('/dev/sda3');
  return scene04([
    lv('lvol0', 'BZ33s0-FxDC-CSbS-i2Ge-2sc2-BGaf-GqRUi0', '2026-11-26 02:37:58', 'lvmlab', [linear(0, 5, a, 0)]),
    lv('snap', 'AoOyxq-HSK4-h8AH-nnfx-plWB-Bw2U-JkXJvr', '2026-11-26 02:37:59', 'lvmlab', [linear(0, 3, b, 0)], false),
    snapshotHolder('snapshot0', 'Snap00-0000-0000-0000-0000-0000-000000', '2026-11-26 02:37:59', 'lvmlab', 'lvol0', 'snap', 5, 8),
  ]);
}

/** 09-thinpool: pool0 (data on sda2+sda3), its metadata, the spare, and thin1. */
export function scene09(): Lab {
  const ids = vmDisks();
  const a = ids.pvId('/dev/sda2');
  const b = ids.pvId('/dev/sda3');
  const hidden = false;
  return scene04([
    lv('thin1', '9zrDkF-pUpN-T4KW-FQkn-DUFt-nbnB-HhNZ5I', '2026-11-26 02:38:25', 'lvmlab', [thinSeg(20, 'pool0', 1)]),
    lv('pool0_tdata', 'OyCIbM-TzNR-ls2x-oZKn-FWzs-aiAc-oFX3E7', '2026-11-26 02:38:18', 'lvmlab', [linear(0, 6, a, 0), linear(6, 1, b, 0)], hidden),
    lv('pool0_tmeta', 'SiBkre-godN-pAYY-3HnR-Loog-WPW6-VH8afs', '2026-11-26 02:38:19', 'lvmlab', [linear(0, 1, b, 1)], hidden),
    lv('lvol0_pmspare', 'dzgyv4-I6yP-M8y9-Pl1v-KRi6-o9aD-xl1tZa', '2026-11-26 02:38:21', 'lvmlab', [linear(0, 1, b, 2)], hidden),
    // Last in metadata order on purpose: lvm2 still lists a thin pool first.
    lv('pool0', 'xnh9vI-PdJT-mJmn-Kl7t-AlI9-SX8B-04EWOd', '2026-11-26 02:38:21', 'lvmlab', [thinPoolSeg(7, 'pool0_tdata', 'pool0_tmeta', 128)]),
  ]);
}

export const kernel09 = kernel({
  lvol0: up(0),
  pool0: up(4, { readOnly: true, dataPercent: 0, metadataPercent: 10.94 }),
  thin1: up(5, { dataPercent: 0 }),
  pool0_tdata: up(2, { openCount: 1 }),
  pool0_tmeta: up(1, { openCount: 1 }),
});

/** 13-sizes: a 2-stripe LV over sda2 and sda3. */
export function scene13(): Lab {
  const ids = vmDisks();
  return scene04([
    lv('striped', 'c038Rw-hTky-LyXQ-N1SP-9S1j-n9ox-lhLhDi', '2026-11-26 02:40:36', 'lvmlab', [
      striped(0, 4, 128, [
        [ids.pvId('/dev/sda2'), 0],
        [ids.pvId('/dev/sda3'), 0],
      ]),
    ]),
  ]);
}

/** 15-extras: vgX (3 MiB extents, two LVs) and vgB with `data` and two COW snapshots of it. */
export function scene15(): Lab {
  const lab = new Lab()
    .pv('/dev/sda1', 25 * MiB, 'e6Gxdl-Y5SK-XHeE-JBia-bWTC-3Eoc-ezZWSK')
    .pv('/dev/sda2', 25 * MiB, 'PllK8e-qhjf-KISY-w97m-IdD1-UeeT-Y66RZD')
    .pv('/dev/sda3', 25 * MiB, 'pMWciP-pgQ6-pxDO-9JHK-EIEd-k99l-ffESaw')
    .pv('/dev/sda4', 25 * MiB, 'Zzzzzz-zzzz-zzzz-zzzz-zzzz-zzzz-zzzzzz');
  const x = lab.pvId('/dev/sda1');
  lab.vg('vgX', 'Xxxxxx-xxxx-xxxx-xxxx-xxxx-xxxx-xxxxxx', ['/dev/sda1'], {
    extentMiB: 3,
    seqno: 3,
    lvs: [
      lv('lvol0', 'Lvol00-xxxx-xxxx-xxxx-xxxx-xxxx-xxxxxx', '2026-11-26 02:49:30', 'lvmlab', [linear(0, 1, x, 0)]),
      lv('lvol1', 'Lvol01-xxxx-xxxx-xxxx-xxxx-xxxx-xxxxxx', '2026-11-26 02:49:31', 'lvmlab', [linear(0, 1, x, 1)]),
    ],
  });
  const b = lab.pvId('/dev/sda2');
  lab.vg('vgB', 'sGzQrH-m0be-73Bt-FDww-88A2-0X0H-e4drYZ', ['/dev/sda2', '/dev/sda3'], {
    seqno: 6,
    lvs: [
      lv('data', 'd0YYZF-JzlV-gMW9-3TKt-p2KX-a1Qb-Cw0CWZ', '2026-11-26 02:49:40', 'lvmlab', [linear(0, 2, b, 0)]),
      lv('snapfull', 'KZB9vK-9FFy-AKWJ-H4rr-KqBc-Rk77-arjho7', '2026-11-26 02:49:41', 'lvmlab', [linear(0, 3, b, 2)], false),
      snapshotHolder('snapshot0', 'Snap00-0000-0000-0000-0000-0000-000000', '2026-11-26 02:49:41', 'lvmlab', 'data', 'snapfull', 2, 8),
      lv('snapsmall', 'jeGnsP-jOg9-lUoS-Bx76-dDUM-iYc1-Yfzac2', '2026-11-26 02:49:42', 'lvmlab', [linear(0, 1, b, 5)], false),
      snapshotHolder('snapshot1', 'Snap01-0000-0000-0000-0000-0000-000000', '2026-11-26 02:49:42', 'lvmlab', 'data', 'snapsmall', 2, 16),
    ],
  });
  return lab;
}

export const kernel15 = kernel({
  data: up(2, { openCount: 1 }),
  snapfull: up(5, { dataPercent: 4.33 }),
  snapsmall: up(7, { dataPercent: 0.59 }),
  lvol0: up(0),
  lvol1: up(1),
});

export { id };
