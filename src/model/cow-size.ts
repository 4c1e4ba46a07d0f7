// How big a classic snapshot's COW store can usefully get, from dm-snapshot's persistent store
// layout (a header chunk, then areas of one chunk of 16-byte exception records each followed by
// the data chunks they point to). Kept in the model: allocation sizes COWs with it.

/** lvm2's largest useful COW for an origin (sectors): room for every origin chunk, its areas, and a terminator area. */
export function cowMaxSectors(originSectors: number, chunkSize: number): number {
  const originChunks = Math.ceil(originSectors / chunkSize);
  const recordsPerArea = (chunkSize * 512) / 16;
  const metadataChunks = Math.floor((originChunks + recordsPerArea) / recordsPerArea);
  return (1 + originChunks + metadataChunks) * chunkSize;
}
