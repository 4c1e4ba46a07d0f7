// Parse-time checks of option values, one per vals.h type (lvm2 tools/lvmcmdline.c *_arg
// functions). A failure yields lvm2's specific message, if it has one; the caller adds
// `Invalid argument for --opt: value`.
import { parseExtentsArg, parseNumberArg, parseReadahead, parseRegionSize, parseTypedSize } from '../../ops/sizes.ts';

export interface ValueCheck {
  ok: boolean;
  /** Messages (without the two-space prefix) lvm2 logs before failing. */
  messages: string[];
  /** Value to store (tags lose their leading '@'). */
  value: string;
}

/** Segment types lvm2 2.03.16 registers (`lvm segtypes`, in that order). */
export const SEGTYPES: readonly string[] = [
  'linear', 'striped', 'zero', 'error', 'snapshot', 'mirror', 'raid0', 'raid0_meta', 'raid1', 'raid10',
  'raid10_near', 'raid4', 'raid5', 'raid5_n', 'raid5_la', 'raid5_ls', 'raid5_ra', 'raid5_rs', 'raid6',
  'raid6_n_6', 'raid6_nc', 'raid6_nr', 'raid6_zr', 'raid6_ls_6', 'raid6_rs_6', 'raid6_la_6', 'raid6_ra_6',
  'thin-pool', 'thin', 'cache-pool', 'cache', 'vdo', 'vdo-pool', 'writecache', 'integrity',
];

const ACTIVATION = ['e', 'ey', 'ye', 's', 'sy', 'ys', 'y', 'a', 'ay', 'ya', 'n', 'en', 'ne', 'ln', 'nl', 'ly', 'yl'];
const ALLOC = ['contiguous', 'cling', 'cling_by_tags', 'normal', 'anywhere', 'inherit', 'next free'];

const EXACT_LISTS: Record<string, readonly string[]> = {
  bool: ['y', 'n'],
  activation: ACTIVATION,
  permission: ['rw', 'wr', 'r'],
  locktype: ['none', 'clvm', 'dlm', 'sanlock', 'idm'],
  polloperation: ['pvmove', 'convert', 'merge', 'merge_thin'],
  syncaction: ['check', 'repair'],
  reportformat: ['basic', 'json'],
  configreport: ['log', 'vg', 'lv', 'pv', 'pvseg', 'seg'],
  configtype: ['current', 'default', 'diff', 'full', 'list', 'missing', 'new', 'profilable', 'profilable-command', 'profilable-metadata'],
  repairtype: ['pv_header', 'metadata', 'label_header'],
  dumptype: ['headers', 'metadata', 'metadata_all', 'metadata_search', 'metadata_area', 'backup_to_raw'],
};

function ok(value: string): ValueCheck {
  return { ok: true, messages: [], value };
}

function bad(...messages: (string | undefined)[]): ValueCheck {
  return { ok: false, messages: messages.filter((m): m is string => m !== undefined), value: '' };
}

function fromResult(r: { ok: boolean; message?: string }, value: string): ValueCheck {
  return r.ok ? ok(value) : bad('message' in r ? r.message : undefined);
}

function validTag(t: string): boolean {
  return t !== '' && /^[A-Za-z0-9._\-+/=!:&#]+$/.test(t);
}

function pvMetadataCopies(value: string): boolean {
  const r = parseNumberArg(value);
  return r.ok && r.value <= 2;
}

/** Checks `value` of an option whose (command-adjusted) value type is `type`. */
export function checkValue(command: string, type: string, value: string): ValueCheck {
  const list = EXACT_LISTS[type];
  if (list) return list.includes(value) ? ok(value) : bad();
  switch (type) {
    case 'number':
    case 'uint32':
    case 'snumber':
    case 'pnumber':
      return fromResult(parseNumberArg(value, type), value);
    case 'sizekb':
    case 'ssizekb':
    case 'sizemb':
    case 'ssizemb':
    case 'psizemb':
    case 'nsizemb':
      return fromResult(parseTypedSize(value, type), value);
    case 'regionsizemb':
      return fromResult(parseRegionSize(value), value);
    case 'readahead':
      return fromResult(parseReadahead(value), value);
    case 'extents':
    case 'sextents':
    case 'pextents':
    case 'nextents':
      return fromResult(parseExtentsArg(value, type), value);
    case 'tag': {
      const t = value.startsWith('@') ? value.slice(1) : value;
      return validTag(t) ? ok(t) : bad();
    }
    case 'alloc':
      return ALLOC.includes(value) ? ok(value) : bad(`Unrecognised allocation policy ${value}`);
    case 'cachemode':
      return ['writethrough', 'writeback', 'passthrough'].includes(value.toLowerCase())
        ? ok(value)
        : bad(`Unknown cache mode: ${value}.`);
    case 'discards':
      return ['passdown', 'nopassdown', 'ignore'].includes(value.toLowerCase())
        ? ok(value)
        : bad(`Thin pool discards type "${value}" is unknown.`);
    case 'mirrorlog':
      return ['core', 'disk', 'mirrored'].includes(value) ? ok(value) : bad(`Mirror log type "${value}" is unknown.`);
    case 'cachemetadataformat': {
      if (value === 'auto') return ok(value);
      const r = parseNumberArg(value);
      if (!r.ok) return bad();
      // lvm2 prints the clamped int32 value.
      return r.value <= 2 ? ok(value) : bad(`Selected cache metadata format ${Math.min(r.value, 2147483647)} is not supported.`);
    }
    case 'metadatatype':
      return ['lvm2', '2', 'text'].includes(value.toLowerCase()) ? ok(value) : bad();
    case 'segtype':
      // An unknown name is registered as an "unknown" segment type with a warning, then refused.
      return SEGTYPES.includes(value) ? ok(value) : bad(`WARNING: Unrecognised segment type ${value}`);
    case 'vgmetadatacopies':
      if (['all', 'unmanaged'].includes(value.toLowerCase())) return ok(value);
      return parseNumberArg(value).ok ? ok(value) : bad();
    case 'pvmetadatacopies':
      return pvMetadataCopies(value) ? ok(value) : bad();
    case 'metadatacopies':
      if (command.startsWith('pv')) return pvMetadataCopies(value) ? ok(value) : bad();
      if (command.startsWith('vg')) return checkValue(command, 'vgmetadatacopies', value);
      return bad();
    default:
      // String, VG, LV, PV, Units, ActivationMode, WriteMostlyPV: anything goes at this stage.
      return ok(value);
  }
}
