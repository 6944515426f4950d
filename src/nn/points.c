/* Point sets with their hard-constraint coefficients A, B (and input derivatives), computed once
 * per set because they do not depend on the parameters. */
#include "pinnfluence/core.h"
#include "pinnfluence/nn.h"

#include <string.h>

int pf_points_create(const pf_pinn_ops *ops, size_t n, const double *x, const double *t,
                     pf_points **pts) {
  PF_CHECK(ops && ops->transform, PF_ERR_ARG, "problem operations without a transform");
  pf_points *p = NULL;
  PF_CALL(PF_CALLOC(1, &p));
  p->n = n;
  if (n) {
    PF_CALL(PF_CALLOC(n, &p->x));
    PF_CALL(PF_CALLOC(n, &p->t));
    PF_CALL(PF_CALLOC(PF_NCH * n, &p->A));
    PF_CALL(PF_CALLOC(PF_NCH * n, &p->B));
    memcpy(p->x, x, n * sizeof *x);
    memcpy(p->t, t, n * sizeof *t);
    ops->transform(ops->ctx, n, p->x, p->t, p->A, p->B);
  }
  *pts = p;
  return PF_OK;
}

int pf_points_destroy(pf_points **pts) {
  if (!pts || !*pts) return PF_OK;
  PF_FREE(&(*pts)->x);
  PF_FREE(&(*pts)->t);
  PF_FREE(&(*pts)->A);
  PF_FREE(&(*pts)->B);
  PF_FREE(pts);
  return PF_OK;
}
