/* Soft constraints: a problem with every hard constraint removed (u_o = N_o) and the boundary and
 * initial conditions the removed constraints encoded, as target sets on the faces of the box
 * (terms.h). A soft instance is a copy of the problem with an identity transform; it remembers
 * the problem it was made from, whose transform gives the conditions: where B_o vanishes on a
 * face, u_o = A_o there, and where dB_o/dX_input vanishes too, u_o,input = A_o,input. */
#include "pde_impl.h"
#include "pinnfluence/core.h"
#include "pinnfluence/terms.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* u_o = N_o: A = 0 in every jet entry, B = 1 in the value and 0 in the derivatives. The transform
 * does not know d and m from its arguments, so there is one per (d, m). */
static void identity(int d, int m, size_t n, double *A, double *B) {
  const size_t nj = (size_t)pf_jet_count(d), len = (size_t)m * nj * n;
  memset(A, 0, len * sizeof *A);
  memset(B, 0, len * sizeof *B);
  for (size_t o = 0; o < (size_t)m; o++)
    for (size_t i = 0; i < n; i++) B[o * nj * n + i] = 1.0;
}
#define IDENTITY(D, M)                                                                             \
  static void identity_##D##_##M(const void *ctx, size_t n, const double *X, double *A,            \
                                 double *B) {                                                      \
    (void)ctx, (void)X;                                                                            \
    identity(D, M, n, A, B);                                                                       \
  }
#define IDENTITY_D(D) IDENTITY(D, 1) IDENTITY(D, 2) IDENTITY(D, 3) IDENTITY(D, 4)
IDENTITY_D(1)
IDENTITY_D(2)
IDENTITY_D(3)
IDENTITY_D(4)
typedef void (*transform_fn)(const void *, size_t, const double *, double *, double *);
#define IDENTITY_ROW(D)                                                                            \
  { identity_##D##_1, identity_##D##_2, identity_##D##_3, identity_##D##_4 }
static const transform_fn identities[PF_MAX_DIM][PF_MAX_OUT] = {IDENTITY_ROW(1), IDENTITY_ROW(2),
                                                                IDENTITY_ROW(3), IDENTITY_ROW(4)};

/* Soft instances, interned for the life of the program like the coefficient instances
 * (registry.c): every pointer handed out stays valid. */
typedef struct soft_instance {
  pf_pde pde;
  const pf_pde *hard; /* what it was made from: a registry entry or a coefficient instance */
  struct soft_instance *next;
} soft_instance;
static soft_instance *softs = NULL;

const pf_pde *pf_pde_soft_origin(const pf_pde *p) {
  for (const soft_instance *q = softs; q; q = q->next)
    if (&q->pde == p) return q->hard;
  return NULL;
}

int pf_pde_soft(const pf_pde *p, const pf_pde **soft) {
  PF_CHECK(p && soft, PF_ERR_ARG, "soft constraints need a problem and an output");
  *soft = NULL;
  if (p->soft) {
    *soft = p;
    return PF_OK;
  }
  for (soft_instance *q = softs; q; q = q->next)
    if (q->hard == p) {
      *soft = &q->pde;
      return PF_OK;
    }
  PF_CHECK(p->ops.d >= 1 && p->ops.d <= PF_MAX_DIM && p->ops.m >= 1 && p->ops.m <= PF_MAX_OUT,
           PF_ERR_ARG, "%s: d = %d inputs, m = %d outputs out of range", p->name, p->ops.d,
           p->ops.m);
  soft_instance *q = NULL;
  PF_CALL(PF_CALLOC(1, &q));
  q->pde = *p; /* name, coefficients (ops.ctx), residual, reference: all kept */
  q->pde.ops.transform = identities[p->ops.d - 1][p->ops.m - 1];
  q->pde.soft = 1;
  q->hard = p;
  q->next = softs;
  softs = q;
  *soft = &q->pde;
  return PF_OK;
}

/* One condition on a face: read (out, jet), target from p->cond[which] (which >= 0) or from the
 * hard transform's A at that entry (which = -1). */
typedef struct {
  pf_read read;
  int which;
} face_cond;

#define MAX_FACE_COND (PF_PDE_MAX_COND + 2 * PF_MAX_OUT)

/* The conditions on the face of input a, side s, at the face points X (n, d); A (m, nj, n) the
 * hard transform's A there if derived (hard not NULL), B scratch of the same size. */
static int face_conditions(const pf_pde *p, const pf_pde *hard, int a, int s, size_t n,
                           const double *X, double *A, double *B, face_cond *c) {
  int nc = 0;
  for (int k = 0; k < p->ncond; k++)
    if (p->cond[k].input == a && p->cond[k].side == s) {
      c[nc].read.out = p->cond[k].out;
      c[nc].read.jet = p->cond[k].jet;
      c[nc++].which = k;
    }
  if (!hard) return nc;
  const size_t nj = (size_t)pf_jet_count(p->ops.d);
  hard->ops.transform(hard->ops.ctx, n, X, A, B);
  for (int o = 0; o < p->ops.m; o++) {
    /* B_o vanishes at every face point: u_o = A_o there; dB_o/dX_a too: u_o,a = A_o,a */
    const double *Av = A + (size_t)o * nj * n, *Bv = B + (size_t)o * nj * n;
    const size_t ca = (size_t)pf_jet_index(p->ops.d, a, -1);
    int value = 1, normal = 1;
    for (size_t i = 0; i < n; i++) {
      value = value && fabs(Bv[i]) <= 1e-12 * (1 + fabs(Av[i]));
      normal = normal && fabs(Bv[ca * n + i]) <= 1e-12 * (1 + fabs(Av[ca * n + i]));
    }
    if (!value) continue;
    c[nc].read.out = o, c[nc].read.jet = 0, c[nc++].which = -1;
    if (normal) c[nc].read.out = o, c[nc].read.jet = (int)ca, c[nc++].which = -1;
  }
  return nc;
}

int pf_pde_soft_sets(const pf_pde *p, size_t per_face, double w, pf_target_list *list) {
  PF_CHECK(p && list, PF_ERR_ARG, "soft conditions need a problem and a list");
  PF_CHECK(per_face >= 1, PF_ERR_ARG, "%s: soft conditions with %zu points per face", p->name,
           per_face);
  PF_CHECK(p->ncond == 0 || p->cond_target, PF_ERR_ARG,
           "%s: %d soft conditions without their targets", p->name, p->ncond);
  const int d = p->ops.d, m = p->ops.m;
  const size_t nj = (size_t)pf_jet_count(d);
  const pf_pde *hard = p->soft ? pf_pde_soft_origin(p) : NULL;
  /* a face of a one-dimensional box is a point */
  const size_t n = d > 1 ? per_face : 1;
  double *X = NULL, *F = NULL, *A = NULL, *B = NULL, *y = NULL;
  int rc = PF_CALLOC(n * (size_t)d, &X);
  if (!rc) rc = PF_CALLOC(n * (size_t)(d > 1 ? d - 1 : 1), &F);
  if (!rc) rc = PF_CALLOC((size_t)m * nj * n, &A);
  if (!rc) rc = PF_CALLOC((size_t)m * nj * n, &B);
  if (!rc) rc = PF_CALLOC(n, &y);
  for (int a = 0; a < d && !rc; a++)
    for (int s = 0; s < 2 && !rc; s++) {
      /* the face points: Hammersley in the d - 1 free coordinates, input a at its bound */
      double flo[PF_MAX_DIM], fhi[PF_MAX_DIM];
      for (int j = 0, f = 0; j < d; j++)
        if (j != a) flo[f] = p->lo[j], fhi[f++] = p->hi[j];
      if (d > 1) pf_pde_hammersley_box(d - 1, flo, fhi, n, F);
      for (size_t i = 0; i < n; i++)
        for (int j = 0, f = 0; j < d; j++)
          X[i * (size_t)d + (size_t)j] =
              j == a ? (s ? p->hi[a] : p->lo[a]) : F[i * (size_t)(d - 1) + (size_t)f++];
      face_cond c[MAX_FACE_COND];
      const int nc = face_conditions(p, hard, a, s, n, X, A, B, c);
      if (!nc) continue;
      char name[64];
      snprintf(name, sizeof name, "%s=%s", p->inputs[a] ? p->inputs[a] : "?", s ? "hi" : "lo");
      if (nc > PF_MAX_RES) {
        rc = pf_error(PF_ERR_ARG, __FILE__, __LINE__, __func__,
                      "%s: the face %s has %d soft conditions; at most %d per face", p->name, name,
                      nc, PF_MAX_RES);
        break;
      }
      pf_read read[PF_MAX_RES];
      for (int k = 0; k < nc; k++) read[k] = c[k].read;
      double *Xs = NULL, *Ys = NULL;
      rc = pf_target_list_add(list, name, w, nc, read, n, d, &Xs, &Ys);
      if (rc) {
        rc = pf_error(rc, __FILE__, __LINE__, __func__, "%s: soft conditions on the face %s",
                      p->name, name);
        break;
      }
      memcpy(Xs, X, n * (size_t)d * sizeof *X);
      for (int k = 0; k < nc; k++) {
        const double *src = y;
        if (c[k].which >= 0)
          p->cond_target(p->ops.ctx, c[k].which, n, X, y);
        else
          src = A + ((size_t)c[k].read.out * nj + (size_t)c[k].read.jet) * n;
        for (size_t i = 0; i < n; i++) Ys[i * (size_t)nc + (size_t)k] = src[i];
      }
    }
  PF_FREE(&X);
  PF_FREE(&F);
  PF_FREE(&A);
  PF_FREE(&B);
  PF_FREE(&y);
  return rc ? pf_trace(rc, __FILE__, __LINE__, __func__) : PF_OK;
}
