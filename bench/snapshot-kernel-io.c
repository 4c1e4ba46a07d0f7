/* snapio: timed O_DIRECT block I/O for bench/snapshot-kernel.ts, run inside the libguestfs
 * appliance (built static on the host and uploaded). It times its own loop with
 * CLOCK_MONOTONIC, so neither process start nor guestfish round trips are counted: under TCG one
 * `dd` process costs ~100 ms, far more than the I/O being measured.
 *
 *   snapio randwrite|randread DEV COUNT SEED   4 KiB at COUNT distinct random 4 KiB-aligned
 *                                              offsets (xorshift32 from SEED, the same sequence as
 *                                              bench/snapshot.ts's randomChunks)
 *   snapio seqwrite|seqread DEV COUNT          COUNT x 1 MiB from offset 0
 *
 * Queue depth 1, O_DIRECT; write modes end with fsync (as the ulvm bench ends with a flush).
 * Prints the elapsed seconds. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define CHUNK 4096u
#define MIB (1u << 20)

static uint32_t x;
static uint32_t next(void) {
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return x;
}
static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}
static void die(const char *what) {
  fprintf(stderr, "snapio: %s: %s\n", what, strerror(errno));
  exit(1);
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: snapio randwrite|randread|seqwrite|seqread DEV COUNT [SEED]\n");
    return 2;
  }
  const char *mode = argv[1];
  const int wr = strstr(mode, "write") != NULL, rnd = strncmp(mode, "rand", 4) == 0;
  const long count = atol(argv[3]);
  const uint32_t seed = argc > 4 ? (uint32_t)strtoul(argv[4], NULL, 0) : 1;
  int fd = open(argv[2], (wr ? O_WRONLY : O_RDONLY) | O_DIRECT);
  if (fd < 0) die(argv[2]);
  uint64_t size;
  if (ioctl(fd, BLKGETSIZE64, &size)) die("BLKGETSIZE64");
  const uint64_t chunks = size / CHUNK;
  if (count < 1 || (rnd ? (uint64_t)count > chunks : (uint64_t)count * MIB > size)) {
    fprintf(stderr, "snapio: COUNT out of range for %s\n", argv[2]);
    return 2;
  }

  unsigned char *buf;
  if (posix_memalign((void **)&buf, 4096, MIB)) die("posix_memalign");
  x = 0x9e3779b9u;
  for (size_t i = 0; i < MIB; i++) buf[i] = (unsigned char)(next() | 1); /* non-zero payload */

  uint64_t *off = malloc((size_t)count * sizeof *off);
  unsigned char *seen = rnd ? calloc(chunks, 1) : NULL;
  if (!off || (rnd && !seen)) die("malloc");
  x = seed ? seed : 1;
  for (long n = 0; n < count;) {
    if (!rnd) {
      off[n] = (uint64_t)n * MIB;
      n++;
      continue;
    }
    uint64_t c = next() % chunks;
    if (!seen[c]) {
      seen[c] = 1;
      off[n++] = c * CHUNK;
    }
  }

  const size_t bs = rnd ? CHUNK : MIB;
  const double t0 = now();
  for (long i = 0; i < count; i++) {
    unsigned char *p = rnd ? buf + ((size_t)i * CHUNK) % MIB : buf;
    ssize_t r = wr ? pwrite(fd, p, bs, (off_t)off[i]) : pread(fd, p, bs, (off_t)off[i]);
    if (r != (ssize_t)bs) die(wr ? "pwrite" : "pread");
  }
  if (wr && fsync(fd)) die("fsync");
  printf("%.6f\n", now() - t0);
  return 0;
}
