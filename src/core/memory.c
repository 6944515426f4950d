/* Aligned, zeroed allocation. 64-byte alignment lets BLAS and vectorised loops use aligned loads.
 */
#include "pinnfluence/core.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int pf_calloc_array(size_t n, size_t size, void **p) {
  *p = NULL;
  if (n == 0 || size == 0) return PF_OK;
  PF_CHECK(n <= SIZE_MAX / size, PF_ERR_MEM, "allocation of %zu x %zu bytes overflows", n, size);
  size_t bytes = n * size;
  size_t rounded = (bytes + 63) / 64 * 64;
  void *q = aligned_alloc(64, rounded);
  PF_CHECK(q != NULL, PF_ERR_MEM, "cannot allocate %zu bytes", bytes);
  memset(q, 0, rounded);
  *p = q;
  return PF_OK;
}

void pf_free_(void **p) {
  if (!p) return;
  free(*p);
  *p = NULL;
}

int pf_read_file(const char *path, size_t max, char **bytes, size_t *len, char *why,
                 size_t whylen) {
  *bytes = NULL;
  *len = 0;
  struct stat sb;
  if (stat(path, &sb) != 0) {
    snprintf(why, whylen, "%s", strerror(errno));
    return 1;
  }
  if (S_ISDIR(sb.st_mode)) {
    snprintf(why, whylen, "%s", strerror(EISDIR));
    return 1;
  }
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(why, whylen, "%s", strerror(errno));
    return 1;
  }
  /* read to the end (the size stat gave may change, and pipes have none) */
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap);
  int rc = 0;
  while (buf) {
    if (n + 1 >= cap) {
      if (cap >= max) {
        snprintf(why, whylen, "larger than %zu MiB", max >> 20);
        rc = 1;
        break;
      }
      char *nb = realloc(buf, 2 * cap);
      if (!nb) {
        free(buf);
        buf = NULL;
        break;
      }
      buf = nb, cap *= 2;
    }
    errno = 0;
    const size_t k = fread(buf + n, 1, cap - n - 1, f);
    n += k;
    if (k == 0) {
      if (ferror(f)) {
        snprintf(why, whylen, "%s", errno ? strerror(errno) : "I/O error");
        rc = 1;
      }
      break;
    }
  }
  fclose(f);
  if (!buf) {
    snprintf(why, whylen, "out of memory");
    return 1;
  }
  if (rc) {
    free(buf);
    return 1;
  }
  buf[n] = '\0';
  *bytes = buf;
  *len = n;
  return 0;
}
