/* pinnfluence pde: the five problems of the paper (PAPER.md section 1) as a registry of small ops
 * tables. Each problem gives its domain, the default network, the number of initial Hammersley
 * points, its named coefficients with the paper's values as defaults, the hard-constraint
 * transform and residual for the engine (pf_pinn_ops), and its closed-form solution or computed
 * grid reference for any allowed coefficients. Adding a problem is one file plus one registry line
 * (src/pde/registry.c). Reference solutions without a closed form are in reference.h. */
#ifndef PINNFLUENCE_PDE_H
#define PINNFLUENCE_PDE_H

#include "pinnfluence/nn.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PF_PDE_MAX_HIDDEN 16
#define PF_PDE_MAX_COEF   4

/* A named coefficient of a problem (configuration key coefficients.<name>). Its value is
 * element j of the coefficient array the problem's callbacks receive as ctx; the registry entry's
 * ops.ctx holds the defaults (the paper's values). */
typedef struct {
  const char *name; /* e.g. "nu" */
  const char *doc;  /* e.g. "viscosity" */
  double lo, hi;    /* allowed values, closed interval (where the reference is valid) */
} pf_pde_coef;

typedef struct {
  const char *name;              /* registry key, e.g. "burgers" */
  const char *residual;          /* human-readable residual, for --help and provenance */
  double xlo, xhi;               /* spatial interval */
  double tlo, thi;               /* time interval */
  int nhidden;                   /* default hidden layers ... */
  int hidden[PF_PDE_MAX_HIDDEN]; /* ... and their widths (PAPER.md section 2) */
  int initial_points;            /* default number of initial Hammersley training points */
  int ncoef;                     /* named coefficients ... */
  pf_pde_coef coef[PF_PDE_MAX_COEF];
  pf_pinn_ops ops; /* channels, transform, residual for the engine; ctx: const double[ncoef] */
  /* Closed-form solution u (n) at (x, t) for coefficients coef, or NULL (burgers, allen_cahn). */
  void (*exact)(const double *coef, size_t n, const double *x, const double *t, double *u);
  /* Computed reference on the grid_nx x grid_nt holdout grid (PAPER.md section 1), or NULL:
   * x (grid_nx), t (grid_nt), u (grid_nt * grid_nx) with u[i_t * grid_nx + i_x]. */
  size_t grid_nx, grid_nt;
  int (*grid)(const double *coef, double *x, double *t, double *u);
} pf_pde;

/* The problem registered under name, or NULL. */
const pf_pde *pf_pde_find(const char *name);
/* Number of registered problems and the i-th one (registry order). */
int pf_pde_count(void);
const pf_pde *pf_pde_at(int i);
/* Comma-separated list of the registered names into buf (for error messages). */
void pf_pde_names(char *buf, size_t len);

/* The coefficient values of p (p->ncoef; the registry entry's are the defaults). */
const double *pf_pde_coefficients(const pf_pde *p);
/* Index of the coefficient called name in p, or -1. */
int pf_pde_coef_index(const pf_pde *p, const char *name);
/* The problem p with the coefficient values coef (p->ncoef): p's registry entry itself when every
 * value equals its default bit for bit (so the paper's problems keep their bits and identity),
 * else an instance that lives until the program ends (equal values give the same instance).
 * PF_ERR_ARG, naming the coefficient and its range, for a value outside it. */
int pf_pde_instance(const pf_pde *p, const double *coef, const pf_pde **inst);
/* The registry entry an instance was made from (p itself for a registry entry). */
const pf_pde *pf_pde_base(const pf_pde *p);

/* n initial training points as DeepXDE builds them (Hammersley): for j = 1..n the unit point
 * (vdc2(j + 3), (j + 1) / (n + 2)), vdc2 the base-2 radical inverse, scaled to the domain (first
 * coordinate x, second t). The same for every seed. x, t: (n). */
void pf_pde_hammersley(const pf_pde *p, size_t n, double *x, double *t);

/* The holdout test set on which metrics are computed (PAPER.md section 1), for p's coefficients:
 * burgers the 256 x 100 grid with the Cole-Hopf reference, allen_cahn the 201 x 101 grid with the
 * spectral reference (p->grid), the others n_random uniform points drawn from the stream
 * (seed, 0, PF_RNG_HOLDOUT, 0) with the closed-form solution. On success *n is the size and *x, *t,
 * *u are allocated (caller frees with PF_FREE). */
int pf_pde_holdout(const pf_pde *p, uint64_t seed, size_t n_random, size_t *n, double **x,
                   double **t, double **u);

extern const pf_pde pf_pde_diffusion, pf_pde_burgers, pf_pde_allen_cahn, pf_pde_wave,
    pf_pde_drift_diffusion;

#ifdef __cplusplus
}
#endif
#endif
