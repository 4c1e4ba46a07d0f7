// pool_message: the thin-pool target's messages (create_thin, create_snap, delete,
// set_transaction_id, reserve/release_metadata_snap) with the kernel's argument checks, log lines
// and errnos. A message that succeeds is committed before the reply, as the kernel does.
import { ThinMetadataError } from '../pdata/thin-metadata-errors.ts';
import { MAX_DEV_ID } from '../pdata/thin-values.ts';
import { ThinPoolError } from './thin-pool-errors.ts';
import type { ThinPool } from './thin-pool.ts';

type Log = (m: string) => void;

const WARN = 'device-mapper: thin: ';
const METADATA = 'device-mapper: thin metadata: ';

function checkArgCount(argv: string[], required: number, log: Log): void {
  if (argv.length === required) return;
  log(`${WARN}Message received with ${argv.length} arguments instead of ${required}.`);
  throw new ThinPoolError('EINVAL', `Message received with ${argv.length} arguments instead of ${required}.`);
}

/** kstrtoull in base 10: an optional '+', digits, an optional trailing newline. */
function parseU64(s: string): bigint | undefined {
  return /^\+?\d+\n?$/.test(s) ? BigInt(s.trim()) : undefined;
}

function readDevId(arg: string, log: Log): number {
  const v = parseU64(arg);
  if (v !== undefined && v <= BigInt(MAX_DEV_ID)) return Number(v);
  log(`${WARN}Message received with invalid device id: ${arg}`);
  throw new ThinPoolError('EINVAL', `Message received with invalid device id: ${arg}`);
}

/**
 * Runs a metadata change. A refusal (the id exists, the device is unknown …) leaves the
 * transaction alone; anything else is a metadata operation failure, as when a btree update runs
 * out of metadata space.
 */
function change(pool: ThinPool, op: string, f: () => void, failed: string, log: Log, metadataLog = false): void {
  try {
    f();
    pool.markChanged();
  } catch (e) {
    if (e instanceof ThinMetadataError) {
      if (metadataLog) log(`${METADATA}${e.message}`);
      log(`${WARN}${failed}`);
      throw new ThinPoolError(e.errno, failed);
    }
    log(`${WARN}${failed}`);
    pool.metadataOp(op, () => {
      throw e;
    });
    throw new ThinPoolError('EIO', failed);
  }
}

export async function poolMessage(pool: ThinPool, text: string, log: Log): Promise<string> {
  const argv = text.split(/[ \t]+/).filter((w) => w.length > 0);
  if (!argv.length) {
    log('device-mapper: ioctl: Empty message received.');
    throw new ThinPoolError('EINVAL', 'Empty message received.');
  }
  if (pool.mode === 'out-of-metadata-space' || pool.mode === 'read-only' || pool.mode === 'fail') {
    log(`${WARN}${pool.name}: unable to service pool target messages in READ_ONLY or FAIL mode`);
    throw new ThinPoolError('EOPNOTSUPP', 'unable to service pool target messages in READ_ONLY or FAIL mode');
  }
  const md = pool.md;
  switch (argv[0]!.toLowerCase()) {
    case 'create_thin': {
      checkArgCount(argv, 2, log);
      const id = readDevId(argv[1]!, log);
      change(pool, 'dm_pool_create_thin', () => md.createThin(id), `Creation of new thinly-provisioned device with id ${argv[1]} failed.`, log);
      break;
    }
    case 'create_snap': {
      checkArgCount(argv, 3, log);
      const id = readDevId(argv[1]!, log);
      const origin = readDevId(argv[2]!, log);
      change(pool, 'dm_pool_create_snap', () => md.createSnap(id, origin), `Creation of new snapshot ${argv[1]} of device ${argv[2]} failed.`, log);
      break;
    }
    case 'delete': {
      checkArgCount(argv, 2, log);
      const id = readDevId(argv[1]!, log);
      const failed = `Deletion of thin device ${argv[1]} failed.`;
      if (pool.isOpen(id)) {
        log(`${WARN}${failed}`);
        throw new ThinPoolError('EBUSY', failed);
      }
      change(pool, 'dm_pool_delete_thin_device', () => md.deleteDevice(id), failed, log);
      break;
    }
    case 'set_transaction_id': {
      checkArgCount(argv, 3, log);
      const old = parseU64(argv[1]!);
      if (old === undefined) {
        log(`${WARN}set_transaction_id message: Unrecognised id ${argv[1]}.`);
        throw new ThinPoolError('EINVAL', `set_transaction_id message: Unrecognised id ${argv[1]}.`);
      }
      const next = parseU64(argv[2]!);
      if (next === undefined) {
        log(`${WARN}set_transaction_id message: Unrecognised new id ${argv[2]}.`);
        throw new ThinPoolError('EINVAL', `set_transaction_id message: Unrecognised new id ${argv[2]}.`);
      }
      change(pool, 'dm_pool_set_metadata_transaction_id', () => md.setTransactionId(old, next), `Failed to change transaction id from ${argv[1]} to ${argv[2]}.`, log, true);
      break;
    }
    case 'reserve_metadata_snap': {
      checkArgCount(argv, 1, log);
      await pool.commit();
      change(pool, 'dm_pool_reserve_metadata_snap', () => void pool.md.reserveMetadataSnap(), 'reserve_metadata_snap message failed.', log, true);
      break;
    }
    case 'release_metadata_snap': {
      checkArgCount(argv, 1, log);
      change(pool, 'dm_pool_release_metadata_snap', () => pool.md.releaseMetadataSnap(), 'release_metadata_snap message failed.', log, true);
      break;
    }
    default:
      log(`${WARN}Unrecognised thin pool target message received: ${argv[0]}`);
      throw new ThinPoolError('EINVAL', `Unrecognised thin pool target message received: ${argv[0]}`);
  }
  await pool.commit();
  return '';
}
