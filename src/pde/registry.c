/* The registry of problems, keyed by the configuration string. */
#include "pde_impl.h"
#include "pinnfluence/core.h"

#include <stdio.h>
#include <string.h>

static const pf_pde *const registry[] = {&pf_pde_diffusion,       &pf_pde_burgers,
                                         &pf_pde_allen_cahn,      &pf_pde_wave,
                                         &pf_pde_drift_diffusion, &pf_pde_heat2d};
#define NREG ((int)(sizeof registry / sizeof registry[0]))

const pf_pde *pf_pde_find(const char *name) {
  for (int i = 0; i < NREG; i++)
    if (!strcmp(registry[i]->name, name)) return registry[i];
  return pf_pde_find_defined(name);
}

int pf_pde_count(void) {
  return NREG;
}

const pf_pde *pf_pde_at(int i) {
  return i >= 0 && i < NREG ? registry[i] : NULL;
}

void pf_pde_names(char *buf, size_t len) {
  size_t used = 0;
  buf[0] = '\0';
  for (int i = 0; i < NREG && used < len; i++) {
    int k = snprintf(buf + used, len - used, i ? ", %s" : "%s", registry[i]->name);
    if (k < 0) break;
    used += (size_t)k;
  }
}

/* ------------------------------------------------------------------ coefficients */

const double *pf_pde_coefficients(const pf_pde *p) {
  return (const double *)p->ops.ctx;
}

int pf_pde_coef_index(const pf_pde *p, const char *name) {
  for (int j = 0; j < p->ncoef; j++)
    if (!strcmp(p->coef[j].name, name)) return j;
  return -1;
}

/* Instances with coefficients other than the defaults, interned for the life of the program: a
 * sweep over a coefficient grid makes one per grid point, and every pointer handed out stays valid
 * (tasks, group scorers and predict hold them). The list is reachable from here, so leak checkers
 * do not count it. */
typedef struct instance {
  pf_pde pde;
  const pf_pde *base;
  pf_pde_ctx ctx; /* the coefficients, and a defined problem's compiled formulas */
  struct instance *next;
} instance;
static instance *instances = NULL;

const pf_pde *pf_pde_base(const pf_pde *p) {
  /* a soft instance (soft.c): the registry entry of the problem it was made from */
  const pf_pde *hard = pf_pde_soft_origin(p);
  if (hard) p = hard;
  for (const instance *q = instances; q; q = q->next)
    if (&q->pde == p) return q->base;
  return p;
}

int pf_pde_instance(const pf_pde *p, const double *coef, const pf_pde **inst) {
  *inst = NULL;
  /* a soft problem with other coefficients: the soft instance of the hard one with them */
  const pf_pde *hard = pf_pde_soft_origin(p);
  if (hard) {
    const pf_pde *h = NULL;
    PF_CALL(pf_pde_instance(hard, coef, &h));
    PF_CALL(pf_pde_soft(h, inst));
    return PF_OK;
  }
  p = pf_pde_base(p);
  const double *def = pf_pde_coefficients(p);
  int same = 1;
  for (int j = 0; j < p->ncoef; j++) {
    PF_CHECK(coef[j] >= p->coef[j].lo && coef[j] <= p->coef[j].hi, PF_ERR_ARG,
             "%s: coefficient %s (%s) = %.17g is outside the allowed %g .. %g", p->name,
             p->coef[j].name, p->coef[j].doc, coef[j], p->coef[j].lo, p->coef[j].hi);
    same = same && !memcmp(&coef[j], &def[j], sizeof coef[j]);
  }
  if (same) {
    *inst = p;
    return PF_OK;
  }
  for (instance *q = instances; q; q = q->next)
    if (q->base == p && !memcmp(q->ctx.coef, coef, (size_t)p->ncoef * sizeof *coef)) {
      *inst = &q->pde;
      return PF_OK;
    }
  instance *q = NULL;
  PF_CALL(PF_CALLOC(1, &q));
  q->base = p;
  memcpy(q->ctx.coef, coef, (size_t)p->ncoef * sizeof *coef);
  if (p->text) q->ctx.data = ((const pf_pde_ctx *)p->ops.ctx)->data;
  q->pde = *p;
  q->pde.ops.ctx = &q->ctx;
  q->next = instances;
  instances = q;
  *inst = &q->pde;
  return PF_OK;
}
