/* pinnfluence pde: the five problems of the paper (PAPER.md section 1) as a registry of small ops
 * tables. Each problem gives its domain, the default network, the number of initial Hammersley
 * points, the hard-constraint transform and residual for the engine (pf_pinn_ops), and its
 * closed-form solution where one exists. Adding a problem is one file plus one registry line
 * (src/pde/registry.c). Reference solutions without a closed form are in reference.h. */
#ifndef PINNFLUENCE_PDE_H
#define PINNFLUENCE_PDE_H

#include "pinnfluence/nn.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PF_PDE_MAX_HIDDEN 16

typedef struct {
  const char *name;              /* registry key, e.g. "burgers" */
  const char *residual;          /* human-readable residual, for --help and provenance */
  double xlo, xhi;               /* spatial interval */
  double tlo, thi;               /* time interval */
  int nhidden;                   /* default hidden layers ... */
  int hidden[PF_PDE_MAX_HIDDEN]; /* ... and their widths (PAPER.md section 2) */
  int initial_points;            /* default number of initial Hammersley training points */
  pf_pinn_ops ops;               /* channels, transform, residual for the engine */
  /* Closed-form solution u (n) at (x, t), or NULL when there is none (burgers, allen_cahn). */
  void (*exact)(size_t n, const double *x, const double *t, double *u);
} pf_pde;

/* The problem registered under name, or NULL. */
const pf_pde *pf_pde_find(const char *name);
/* Number of registered problems and the i-th one (registry order). */
int pf_pde_count(void);
const pf_pde *pf_pde_at(int i);
/* Comma-separated list of the registered names into buf (for error messages). */
void pf_pde_names(char *buf, size_t len);

extern const pf_pde pf_pde_diffusion, pf_pde_burgers, pf_pde_allen_cahn, pf_pde_wave,
    pf_pde_drift_diffusion;

#ifdef __cplusplus
}
#endif
#endif
