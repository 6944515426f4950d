/* Helpers shared by the problem files: index macros for the callbacks' arrays of one output
 * (m = 1) at point i: jets (nj, n), read quantities q (nread, n), and the residual's partials of
 * one component (k = 1), dr (nread, n) and d2r (nread, nread, n) (pf_pinn_ops in nn.h). */
#ifndef PF_PDE_IMPL_H
#define PF_PDE_IMPL_H

#include "pinnfluence/pde.h"

#include <string.h>

#define PF_PI 3.14159265358979323846

/* jet entry c of output 0 at point i in an (m, nj, n) array (A, B) */
#define CH(arr, c) (arr)[(size_t)(c)*n + i]
/* read quantity a of point i in q (nread, n); dr/dq_a of component 0 in dr (k, nread, n) */
#define Q(a)  q[(size_t)(a)*n + i]
#define DR(a) dr[(size_t)(a)*n + i]
/* d2r/dq_a dq_b of component 0 in d2r (k, nread, nread, n), nread = NREAD of the problem file */
#define D2R(a, b) d2r[((size_t)(a)*NREAD + (size_t)(b)) * n + i]

/* The callbacks' ctx of a problem defined in the configuration (and of its instances): the
 * coefficients first (pf_pde_coefficients reads them), then the compiled problem (user.c). */
typedef struct {
  double coef[PF_PDE_MAX_COEF];
  const void *data;
} pf_pde_ctx;

/* The problems defined in the configuration: the one named name, or NULL (user.c). */
const pf_pde *pf_pde_find_defined(const char *name);

/* n Hammersley points in the box lo .. hi of d coordinates (1 .. PF_MAX_DIM), X (n, d): what
 * pf_pde_hammersley does for a problem's box (hammersley.c); soft.c uses it on the faces. */
void pf_pde_hammersley_box(int d, const double *lo, const double *hi, size_t n, double *X);

/* The problem a soft instance (pf_pde_soft) was made from, or NULL if p is not one (soft.c). */
const pf_pde *pf_pde_soft_origin(const pf_pde *p);

#endif
