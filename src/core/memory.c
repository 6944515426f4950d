/* Aligned, zeroed allocation. 64-byte alignment lets BLAS and vectorised loops use aligned loads.
 */
#include "pinnfluence/core.h"

#include <stdlib.h>
#include <string.h>

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
