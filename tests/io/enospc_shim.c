/* An LD_PRELOAD shim for the disk-full tests: writes to one file fail with ENOSPC the way they do
 * on a full file system or with an exhausted quota, without needing a small file system.
 *
 *   PF_SHIM_ENOSPC_PATH=results.h5  the file: writes to a path ending with this string may fail
 *   PF_SHIM_DISK_BYTES=N            a disk of N bytes holding only that file: a write fails once
 *                                   the file's allocated blocks plus the write exceed N (the
 *                                   blocks are the file system's, so every process sees the same
 *                                   "disk", and truncating the file frees it)
 *   PF_SHIM_NO_FALLOCATE=1          fallocate fails with EOPNOTSUPP (a file system that cannot
 *                                   reserve space), so the store's fallback path is exercised
 *   PF_SHIM_ENOSPC_AFTER_SYNC=1     once the file was fsync'ed (the end of the store's creation),
 *                                   every write that changes its content fails (a rewrite of
 *                                   identical bytes, as HDF5 does with the superblock at close,
 *                                   passes): the sweep's writes hit a full disk
 *
 * Intercepts write, pwrite, pwrite64, writev, pwritev, pwritev64, fsync, fdatasync and fallocate
 * (what the POSIX back ends of Open MPI's OMPIO and ROMIO call). Test infrastructure only: never
 * linked into the program. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

typedef ssize_t (*shim_write_fn)(int, const void *, size_t);
typedef ssize_t (*shim_pwrite_fn)(int, const void *, size_t, off_t);
typedef ssize_t (*shim_writev_fn)(int, const struct iovec *, int);
typedef ssize_t (*shim_pwritev_fn)(int, const struct iovec *, int, off_t);
typedef int (*shim_sync_fn)(int);
typedef int (*shim_fallocate_fn)(int, int, off_t, off_t);

/* The next definition of name (libc's), looked up once. */
#define SHIM_NEXT(name, type)                                                                      \
  static type next_##name = NULL;                                                                  \
  if (!next_##name) *(void **)&next_##name = dlsym(RTLD_NEXT, #name)

static int shim_synced = 0;

static int shim_flag(const char *name) {
  const char *v = getenv(name);
  return v && atoi(v) != 0;
}

/* Is fd the file the shim targets? */
static int shim_target(int fd) {
  const char *want = getenv("PF_SHIM_ENOSPC_PATH");
  if (!want || !want[0]) return 0;
  char link[64], path[4096];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, path, sizeof path - 1);
  if (n <= 0) return 0;
  path[n] = '\0';
  size_t lw = strlen(want), lp = (size_t)n;
  return lp >= lw && strcmp(path + lp - lw, want) == 0;
}

/* Does writing buf (n bytes at off; off < 0: unknown) change the file? */
static int shim_changes(int fd, const void *buf, size_t n, off_t off) {
  if (off < 0 || !buf) return 1;
  char *old = malloc(n);
  if (!old) return 1;
  ssize_t r = pread(fd, old, n, off);
  int same = r == (ssize_t)n && memcmp(old, buf, n) == 0;
  free(old);
  return !same;
}

/* Should a write of n bytes (buf: its bytes when contiguous, else NULL) at off fail? */
static int shim_fail(int fd, const void *buf, size_t n, off_t off) {
  if (n == 0 || !shim_target(fd)) return 0;
  if (shim_flag("PF_SHIM_ENOSPC_AFTER_SYNC") && shim_synced && shim_changes(fd, buf, n, off))
    return 1;
  const char *disk = getenv("PF_SHIM_DISK_BYTES");
  struct stat sb;
  if (disk && disk[0] && fstat(fd, &sb) == 0 &&
      (unsigned long long)sb.st_blocks * 512ULL + n > strtoull(disk, NULL, 10))
    return 1;
  return 0;
}

ssize_t write(int fd, const void *buf, size_t n) {
  SHIM_NEXT(write, shim_write_fn);
  if (shim_fail(fd, buf, n, lseek(fd, 0, SEEK_CUR))) return errno = ENOSPC, -1;
  return next_write(fd, buf, n);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off) {
  SHIM_NEXT(pwrite, shim_pwrite_fn);
  if (shim_fail(fd, buf, n, off)) return errno = ENOSPC, -1;
  return next_pwrite(fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off) {
  SHIM_NEXT(pwrite64, shim_pwrite_fn);
  if (shim_fail(fd, buf, n, off)) return errno = ENOSPC, -1;
  return next_pwrite64(fd, buf, n, off);
}

static size_t shim_iov_bytes(const struct iovec *iov, int cnt) {
  size_t n = 0;
  for (int i = 0; i < cnt; i++) n += iov[i].iov_len;
  return n;
}

ssize_t writev(int fd, const struct iovec *iov, int cnt) {
  SHIM_NEXT(writev, shim_writev_fn);
  const void *buf = cnt == 1 ? iov[0].iov_base : NULL;
  if (shim_fail(fd, buf, shim_iov_bytes(iov, cnt), lseek(fd, 0, SEEK_CUR)))
    return errno = ENOSPC, -1;
  return next_writev(fd, iov, cnt);
}

ssize_t pwritev(int fd, const struct iovec *iov, int cnt, off_t off) {
  SHIM_NEXT(pwritev, shim_pwritev_fn);
  const void *buf = cnt == 1 ? iov[0].iov_base : NULL;
  if (shim_fail(fd, buf, shim_iov_bytes(iov, cnt), off)) return errno = ENOSPC, -1;
  return next_pwritev(fd, iov, cnt, off);
}

ssize_t pwritev64(int fd, const struct iovec *iov, int cnt, off_t off) {
  SHIM_NEXT(pwritev64, shim_pwritev_fn);
  const void *buf = cnt == 1 ? iov[0].iov_base : NULL;
  if (shim_fail(fd, buf, shim_iov_bytes(iov, cnt), off)) return errno = ENOSPC, -1;
  return next_pwritev64(fd, iov, cnt, off);
}

int fsync(int fd) {
  SHIM_NEXT(fsync, shim_sync_fn);
  if (shim_target(fd)) shim_synced = 1;
  return next_fsync(fd);
}

int fdatasync(int fd) {
  SHIM_NEXT(fdatasync, shim_sync_fn);
  if (shim_target(fd)) shim_synced = 1;
  return next_fdatasync(fd);
}

int fallocate(int fd, int mode, off_t off, off_t len) {
  SHIM_NEXT(fallocate, shim_fallocate_fn);
  if (shim_flag("PF_SHIM_NO_FALLOCATE") && shim_target(fd)) return errno = EOPNOTSUPP, -1;
  return next_fallocate(fd, mode, off, len);
}

int fallocate64(int fd, int mode, off_t off, off_t len) {
  SHIM_NEXT(fallocate64, shim_fallocate_fn);
  if (shim_flag("PF_SHIM_NO_FALLOCATE") && shim_target(fd)) return errno = EOPNOTSUPP, -1;
  return next_fallocate64(fd, mode, off, len);
}
