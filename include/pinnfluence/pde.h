/* pinnfluence pde: the five problems of the paper (PAPER.md section 1) and heat2d in (x, y, t) as a
 * registry of small ops tables, each an instance of the general description of DESIGN.md section 8.
 * Each problem gives its inputs and box domain, outputs, residual components, the default
 * network, the number of initial Hammersley points, its named coefficients with the paper's
 * values as defaults, the hard-constraint transform and residual for the engine (pf_pinn_ops),
 * and its closed-form solution or computed grid reference for any allowed coefficients. Adding a
 * problem is one file plus one registry line (src/pde/registry.c). Reference solutions without a
 * closed form are in reference.h. */
#ifndef PINNFLUENCE_PDE_H
#define PINNFLUENCE_PDE_H

#include "pinnfluence/nn.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PF_PDE_MAX_HIDDEN 16
#define PF_PDE_MAX_COEF   4
#define PF_PDE_MAX_COND   32

/* A named coefficient of a problem (configuration key coefficients.<name>). Its value is
 * element j of the coefficient array the problem's callbacks receive as ctx; the registry entry's
 * ops.ctx holds the defaults (the paper's values). */
typedef struct {
  const char *name; /* e.g. "nu" */
  const char *doc;  /* e.g. "viscosity" */
  double lo, hi;    /* allowed values, closed interval (where the reference is valid) */
} pf_pde_coef;

typedef struct {
  const char *name;     /* registry key, e.g. "burgers" */
  const char *residual; /* human-readable residual(s), for --help and provenance */
  /* inputs: names (time, if any, last: "x", "t" / "x", "y", "t") and the box lo[j] .. hi[j];
   * ops.d of them */
  const char *inputs[PF_MAX_DIM];
  double lo[PF_MAX_DIM], hi[PF_MAX_DIM];
  const char *outputs[PF_MAX_OUT];    /* ops.m output names, e.g. "u" or "u", "v", "p" */
  const char *components[PF_MAX_RES]; /* ops.k residual component names, e.g. "r" */
  int nhidden;                        /* default hidden layers ... */
  int hidden[PF_PDE_MAX_HIDDEN];      /* ... and their widths (PAPER.md section 2) */
  int initial_points;                 /* default number of initial Hammersley training points */
  int ncoef;                          /* named coefficients ... */
  pf_pde_coef coef[PF_PDE_MAX_COEF];
  pf_pinn_ops ops; /* jets, read list, transform, residual for the engine; ctx: coefficients */
  /* Closed-form solution u (n, m) point-major at X (n, d) for coefficients coef, or NULL. */
  void (*exact)(const double *coef, size_t n, const double *X, double *u);
  /* Computed reference (d = 2, m = 1 only) on the grid_nx x grid_nt holdout grid (PAPER.md
   * section 1), or NULL: x (grid_nx), t (grid_nt), u (grid_nt * grid_nx) with
   * u[i_t * grid_nx + i_x]. */
  size_t grid_nx, grid_nt;
  int (*grid)(const double *coef, double *x, double *t, double *u);
  /* A problem defined in the configuration (pf_pde_define): its canonical `problem = {...};`
   * text, part of every task's canonical config; NULL for a built-in problem. */
  const char *text;
  /* Trainable coefficients (inverse problems): the partials of the residual components in the
   * coefficients, drc[(j * ncoef + c) * n + i] = d r_j / d coef_c at point i, from the read
   * quantities q (nread, n) as `residual` takes them, ctx as its (exact, symbolic for a problem
   * written in the configuration). NULL: the problem's coefficients cannot be trained (the
   * built-in C problems; their configs/problems/ versions can). coef_in_transform[c] is 1 if
   * coefficient c enters A or B (or a soft condition's target): such a coefficient cannot be
   * trained either (the constraint is computed once per point set). */
  void (*residual_coef)(const void *ctx, size_t n, const double *X, const double *q, double *drc);
  int coef_in_transform[PF_PDE_MAX_COEF];
  /* Soft conditions written for the problem (a problem in the configuration may give an output
   * soft conditions instead of a hard constraint; that output's A = 0, B = 1): on the face of
   * input `input` at its lower (side 0) or upper (side 1) bound, the jet entry `jet` of output
   * `out` equals target(ctx, which, ...) there. ncond 0 for the built-in problems. */
  int ncond;
  struct {
    int out, jet, input, side;
  } cond[PF_PDE_MAX_COND];
  /* targets y (n) of condition `which` at the face points X (n, d) */
  void (*cond_target)(const void *ctx, int which, size_t n, const double *X, double *y);
  int soft; /* 1: an instance made by pf_pde_soft (every hard constraint removed) */
} pf_pde;

/* A problem written in the configuration (`problem = { ... }`, README "Problems in the
 * configuration"): formulas as text, each with where it came from ("file:line: problem.key")
 * for messages. */
typedef struct {
  const char *text;  /* the formula */
  const char *where; /* "file:line: problem.residuals[0]" */
} pf_pde_formula;

typedef struct {
  const char *name; /* registry name; not a built-in's */
  const char *where_name;
  int d;
  const char *inputs[PF_MAX_DIM]; /* one letter each (derivatives are spelled u_xt) */
  double lo[PF_MAX_DIM], hi[PF_MAX_DIM];
  int m;
  const char *outputs[PF_MAX_OUT];
  int ncoef;
  const char *coef[PF_PDE_MAX_COEF];
  double coef_value[PF_PDE_MAX_COEF];
  int k;
  pf_pde_formula residual[PF_MAX_RES];
  double weight[PF_MAX_RES];
  pf_pde_formula A[PF_MAX_OUT], B[PF_MAX_OUT]; /* u_o = A_o + B_o N_o */
  pf_pde_formula reference[PF_MAX_OUT];        /* closed form per output, text NULL if none */
  const char *grid; /* or the computed grid reference of this built-in problem (d = 2, m = 1) */
  int nhidden;      /* default network and initial points */
  int hidden[PF_PDE_MAX_HIDDEN];
  int initial_points;
  /* soft conditions (`constraints = ({ soft = ( { face = "x=lo"; value = "0"; }, ... ); })`):
   * an output with soft[o] set has A = "0", B = "1" and its conditions here (pf_pde.cond) */
  int soft[PF_MAX_OUT];
  const char *soft_where[PF_MAX_OUT]; /* "file:line: problem.constraints[o].soft" */
  int ncond;
  struct {
    int out;                /* the output */
    const char *face;       /* "<input>=lo" or "<input>=hi" */
    const char *derivative; /* NULL: the value; else one input name (first derivative) */
    const char *face_where, *derivative_where;
    pf_pde_formula value; /* the target, a formula of the inputs and coefficients */
  } cond[PF_PDE_MAX_COND];
} pf_pde_spec;

/* Compile spec (parse every formula, derive the residual partials and the constraints' input
 * jets exactly) and make it findable by pf_pde_find for the rest of the program; the same text
 * again gives the same problem. A formula error, an unknown symbol, a derivative of an output the
 * residuals never read, a B that does not vanish on a constrained face (every face but the upper
 * face of an input named t; checked at sample points), a name taken by another problem:
 * PF_ERR_CONFIG with "WHERE: column C: what" in err, nothing printed. */
int pf_pde_define(const pf_pde_spec *spec, const pf_pde **pde, char *err, size_t errlen);

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

/* Input coordinates d and outputs m of p (its ops.d, ops.m). */
static inline int pf_pde_dim(const pf_pde *p) {
  return p->ops.d;
}
static inline int pf_pde_outputs(const pf_pde *p) {
  return p->ops.m;
}

/* n initial training points as DeepXDE builds them (Hammersley): for j = 1..n the unit point
 * whose coordinates 0 .. d-2 are the radical inverses of j + 3 in the bases 2, 3, 5 and whose last
 * coordinate is (j + 1) / (n + 2), scaled to the box (for d = 2: (vdc2(j + 3), (j + 1) / (n + 2)),
 * first coordinate x, second t). The same for every seed. X: (n, d). */
void pf_pde_hammersley(const pf_pde *p, size_t n, double *X);

/* The holdout test set on which metrics are computed (PAPER.md section 1), for p's coefficients:
 * burgers the 256 x 100 grid with the Cole-Hopf reference, allen_cahn the 201 x 101 grid with the
 * spectral reference (p->grid), the others n_random uniform points drawn from the stream
 * (seed, 0, PF_RNG_HOLDOUT, 0) (coordinate j of point i is element j * n_random + i) with the
 * closed-form solution. On success *n is the size and *X (n, d) and *u (n, m) are allocated
 * (caller frees with PF_FREE, also after an error). */
int pf_pde_holdout(const pf_pde *p, uint64_t seed, size_t n_random, size_t *n, double **X,
                   double **u);

/* ------------------------------------------------------------------ soft constraints */
struct pf_target_list; /* terms.h */
/* p with soft constraints (`constraints = "soft"`): the same problem, coefficients and reference,
 * with every output unconstrained (u_o = N_o: A = 0, B = 1 in all jets), an instance that lives
 * until the program ends (the same p gives the same instance); p itself if it is soft already. */
int pf_pde_soft(const pf_pde *p, const pf_pde **soft);

/* The soft boundary and initial conditions of a task on problem p (hard is the problem with its
 * hard constraints: p itself, or what p was made soft from), appended to list (terms.h) with
 * weight w: one target set per face of the box that has conditions, `per_face` Hammersley points
 * on the face (the face's d - 1 coordinates; the same for every seed), named like "x=lo",
 * holding every condition on that face:
 *   - p->cond (conditions written in the configuration), targets from p->cond_target;
 *   - if p is soft (made by pf_pde_soft): for every output whose hard constraint's B vanishes on
 *     the face (checked at the face points: |B| <= 1e-12 (1 + |A|)), the value u_o = A_o there,
 *     and where dB/dX_input vanishes as well (wave's u_t(x, 0) = 0) also u_o,input = A_o,input.
 * PF_ERR_ARG if a face has more than PF_MAX_RES conditions or the list is full. */
int pf_pde_soft_sets(const pf_pde *p, size_t per_face, double w, struct pf_target_list *list);

extern const pf_pde pf_pde_diffusion, pf_pde_burgers, pf_pde_allen_cahn, pf_pde_wave,
    pf_pde_drift_diffusion, pf_pde_heat2d;

#ifdef __cplusplus
}
#endif
#endif
