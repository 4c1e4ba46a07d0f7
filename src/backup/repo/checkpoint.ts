// A backup's in-progress state, `checkpoints/<name>`, so a killed run resumes: the caller's JSON
// plus the chunks it has stored so far (in binary, as manifests hold them). The object's name is
// a keyed hash of the caller's key, which may name a volume.
import type { ChunkId } from '../types.ts';
import { hmacHex, seal, unseal } from './crypto.ts';

export type CheckpointState = { chunks: ChunkId[] } & Record<string, unknown>;

export function checkpointName(idKey: Uint8Array, key: string): string {
  return hmacHex(idKey, `checkpoint:${key}`);
}

export function encodeCheckpoint(encKey: Uint8Array, name: string, state: CheckpointState): Buffer {
  const { chunks, ...rest } = state;
  const json = Buffer.from(JSON.stringify(rest));
  const head = Buffer.alloc(4);
  head.writeUInt32LE(json.length);
  const ids = Buffer.alloc(chunks.length * 32);
  chunks.forEach((c, i) => {
    if (!/^[0-9a-f]{64}$/.test(c)) throw new RangeError(`not a chunk id: ${c}`);
    ids.write(c, i * 32, 32, 'hex');
  });
  return seal(encKey, `checkpoint:${name}`, head, json, ids);
}

export function decodeCheckpoint(encKey: Uint8Array, name: string, sealed: Uint8Array): CheckpointState {
  const b = unseal(encKey, `checkpoint:${name}`, sealed);
  const len = b.readUInt32LE(0);
  const rest = JSON.parse(b.toString('utf8', 4, 4 + len)) as Record<string, unknown>;
  const idBytes = b.length - 4 - len;
  if (idBytes % 32 !== 0) throw new RangeError('checkpoint truncated');
  const chunks: ChunkId[] = [];
  for (let o = 4 + len; o < b.length; o += 32) chunks.push(b.toString('hex', o, o + 32));
  return { ...rest, chunks };
}
