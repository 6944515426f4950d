/* The fixed terms of a composite training objective (terms.h): each target set runs through the
 * engine as a problem of its own whose residual components are the read quantities themselves,
 * r_a = q_a, with the task problem's transform and A shifted by -Y at the read entries, so that
 * q_a = u^{(c_a)}_{o_a} - Y_a and the engine's mean loss (1/n_t) sum_i sum_a r_a^2 is L_t / w_t.
 * Gradients, Hessian-vector products and Jacobian rows are then the engine's, scaled by w_t. */
#include "pinnfluence/terms.h"
#include "pinnfluence/core.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* The ctx of a set's ops: the task problem's transform and ctx, and the number of reads (k). */
typedef struct {
  void (*transform)(const void *ctx, size_t n, const double *X, double *A, double *B);
  const void *ctx;
  int nread;
} term_ctx;

typedef struct {
  char name[64];
  double weight;
  size_t n;
  int nread;
  term_ctx tc;     /* ops.ctx points here: the set array never moves after creation */
  pf_pinn_ops ops; /* r_a = q_a over the set's reads */
  pf_engine *eng;
  pf_points *pts; /* X with A shifted by -Y at the read entries */
} term_set;

struct pf_terms {
  int nsets;
  size_t nparams;
  term_set *set; /* (nsets) */
  double *buf;   /* (nparams) one set's gradient or HVP before it is scaled and added */
};

static void term_transform(const void *ctx, size_t n, const double *X, double *A, double *B) {
  const term_ctx *c = ctx;
  c->transform(c->ctx, n, X, A, B);
}

/* r_a = q_a: dr_a/dq_a = 1, second partials 0 (d2r arrives zeroed). */
static void term_residual(const void *ctx, size_t n, const double *X, const double *q, double *r,
                          double *dr, double *d2r) {
  const term_ctx *c = ctx;
  const size_t nr = (size_t)c->nread;
  memcpy(r, q, nr * n * sizeof *r);
  if (dr)
    for (size_t a = 0; a < nr; a++) {
      double *p = dr + (a * nr + a) * n;
      for (size_t i = 0; i < n; i++) p[i] = 1.0;
    }
}

/* Check one set against d inputs and m outputs, naming it; its points and targets only if data. */
static int check_set(const pf_target_set *s, int t, int d, int m, int data) {
  const char *nm = s->name ? s->name : "(unnamed)";
  PF_CHECK(isfinite(s->weight) && s->weight > 0, PF_ERR_ARG,
           "target set %d \"%s\": weight %g; must be positive and finite", t, nm, s->weight);
  PF_CHECK(s->nread >= 1 && s->nread <= PF_MAX_RES, PF_ERR_ARG,
           "target set %d \"%s\": %d targets per point; allowed 1..%d", t, nm, s->nread,
           PF_MAX_RES);
  PF_CHECK(s->n >= 1, PF_ERR_ARG, "target set %d \"%s\" has no points", t, nm);
  PF_CHECK(!data || (s->X && s->Y), PF_ERR_ARG, "target set %d \"%s\": points or targets missing",
           t, nm);
  const int nj = pf_jet_count(d);
  for (int a = 0; a < s->nread; a++) {
    const pf_read q = s->read[a];
    PF_CHECK(q.out >= 0 && q.out < m, PF_ERR_ARG,
             "target set %d \"%s\": read[%d].out = %d; allowed 0..%d", t, nm, a, q.out, m - 1);
    PF_CHECK(q.jet >= 0 && q.jet < nj, PF_ERR_ARG,
             "target set %d \"%s\": read[%d].jet = %d; allowed 0..%d (d = %d inputs)", t, nm, a,
             q.jet, nj - 1, d);
    for (int b = 0; b < a; b++)
      PF_CHECK(s->read[b].out != q.out || s->read[b].jet != q.jet, PF_ERR_ARG,
               "target set %d \"%s\": read[%d] repeats read[%d] (out %d, jet %d)", t, nm, a, b,
               q.out, q.jet);
  }
  return PF_OK;
}

int pf_target_list_add(pf_target_list *l, const char *name, double weight, int nread,
                       const pf_read *read, size_t n, int d, double **X, double **Y) {
  PF_CHECK(l && read && X && Y, PF_ERR_ARG, "target set without a list, reads or outputs");
  PF_CHECK(l->nsets < PF_TERMS_MAX_SETS, PF_ERR_ARG,
           "target set \"%s\": the list already holds the maximum %d sets", name ? name : "",
           PF_TERMS_MAX_SETS);
  PF_CHECK(d >= 1 && d <= PF_MAX_DIM, PF_ERR_ARG, "target set \"%s\": d = %d; allowed 1..%d",
           name ? name : "", d, PF_MAX_DIM);
  const int t = l->nsets;
  pf_target_set *s = &l->set[t];
  memset(s, 0, sizeof *s);
  snprintf(l->name[t], sizeof l->name[t], "%s", name ? name : "");
  s->name = l->name[t];
  s->weight = weight;
  s->nread = nread;
  s->n = n;
  if (nread >= 1 && nread <= PF_MAX_RES) memcpy(s->read, read, (size_t)nread * sizeof *read);
  /* The outputs are checked against the problem by pf_terms_create. */
  int rc = check_set(s, t, d, PF_MAX_OUT, 0);
  if (rc) return pf_trace(rc, __FILE__, __LINE__, __func__);
  l->X[t] = l->Y[t] = NULL;
  rc = PF_CALLOC(n * (size_t)d, &l->X[t]);
  if (!rc) rc = PF_CALLOC(n * (size_t)nread, &l->Y[t]);
  if (rc) {
    PF_FREE(&l->X[t]);
    PF_FREE(&l->Y[t]);
    return pf_trace(rc, __FILE__, __LINE__, __func__);
  }
  s->X = l->X[t];
  s->Y = l->Y[t];
  *X = l->X[t];
  *Y = l->Y[t];
  l->nsets++;
  return PF_OK;
}

void pf_target_list_free(pf_target_list *l) {
  if (!l) return;
  for (int t = 0; t < l->nsets; t++) {
    PF_FREE(&l->X[t]);
    PF_FREE(&l->Y[t]);
    memset(&l->set[t], 0, sizeof l->set[t]);
    l->name[t][0] = '\0';
  }
  l->nsets = 0;
}

int pf_terms_destroy(pf_terms **T) {
  if (!T || !*T) return PF_OK;
  pf_terms *p = *T;
  if (p->set)
    for (int t = 0; t < p->nsets; t++) {
      pf_engine_destroy(&p->set[t].eng);
      pf_points_destroy(&p->set[t].pts);
    }
  PF_FREE(&p->set);
  PF_FREE(&p->buf);
  PF_FREE(T);
  return PF_OK;
}

/* Fill set t of p (its array already allocated) from s. */
static int set_create(pf_terms *p, int t, const pf_mlp *net, const pf_pinn_ops *ops, int block,
                      const pf_target_set *s) {
  term_set *e = &p->set[t];
  snprintf(e->name, sizeof e->name, "%s", s->name ? s->name : "");
  e->weight = s->weight;
  e->n = s->n;
  e->nread = s->nread;
  e->tc.transform = ops->transform;
  e->tc.ctx = ops->ctx;
  e->tc.nread = s->nread;
  pf_pinn_ops *o = &e->ops;
  memset(o, 0, sizeof *o);
  o->d = ops->d;
  o->m = ops->m;
  o->k = s->nread;
  o->nread = s->nread;
  memcpy(o->read, s->read, (size_t)s->nread * sizeof *s->read);
  for (int a = 0; a < s->nread; a++) o->weight[a] = 1.0;
  o->transform = term_transform;
  o->residual = term_residual;
  o->ctx = &e->tc;
  PF_CALL(pf_engine_create(net, o, block, &e->eng));
  PF_CALL(pf_points_create(o, s->n, s->X, &e->pts));
  /* A (m, nj, n): the read entry (o_a, c_a) minus the targets Y[:, a] */
  const size_t n = s->n, nj = (size_t)pf_jet_count(ops->d), nr = (size_t)s->nread;
  for (size_t a = 0; a < nr; a++) {
    double *A = e->pts->A + ((size_t)s->read[a].out * nj + (size_t)s->read[a].jet) * n;
    for (size_t i = 0; i < n; i++) A[i] -= s->Y[i * nr + a];
  }
  return PF_OK;
}

int pf_terms_create(const pf_mlp *net, const pf_pinn_ops *ops, int block, int nsets,
                    const pf_target_set *sets, pf_terms **T) {
  PF_CHECK(net && ops && T, PF_ERR_ARG, "terms need a network, the problem and an output");
  PF_CHECK(nsets >= 0 && nsets <= PF_TERMS_MAX_SETS, PF_ERR_ARG, "%d target sets; allowed 0..%d",
           nsets, PF_TERMS_MAX_SETS);
  PF_CHECK(nsets == 0 || sets, PF_ERR_ARG, "%d target sets but no array of them", nsets);
  PF_CALL(pf_pinn_ops_check(ops));
  for (int t = 0; t < nsets; t++) PF_CALL(check_set(&sets[t], t, ops->d, ops->m, 1));
  pf_terms *p = NULL;
  PF_CALL(PF_CALLOC(1, &p));
  p->nparams = net->nparams;
  int rc = PF_OK;
  if (nsets) {
    rc = PF_CALLOC(nsets, &p->set);
    if (!rc) rc = PF_CALLOC(net->nparams, &p->buf);
    for (int t = 0; t < nsets && !rc; t++) {
      p->nsets = t + 1; /* so destroy frees what set t took if it fails */
      rc = set_create(p, t, net, ops, block, &sets[t]);
    }
  }
  if (rc) {
    pf_terms_destroy(&p);
    return pf_trace(rc, __FILE__, __LINE__, __func__);
  }
  *T = p;
  return PF_OK;
}

int pf_terms_count(const pf_terms *T) {
  return T ? T->nsets : 0;
}
const char *pf_terms_name(const pf_terms *T, int t) {
  return T && t >= 0 && t < T->nsets ? T->set[t].name : NULL;
}
size_t pf_terms_points(const pf_terms *T, int t) {
  return T && t >= 0 && t < T->nsets ? T->set[t].n : 0;
}
double pf_terms_weight(const pf_terms *T, int t) {
  return T && t >= 0 && t < T->nsets ? T->set[t].weight : 0.0;
}

int pf_terms_loss_grad(pf_terms *T, const double *theta, double *loss, double *grad,
                       double *set_loss) {
  if (!T || !T->nsets) return PF_OK;
  PF_CHECK(theta && loss, PF_ERR_ARG, "terms' loss without parameters or output");
  const size_t P = T->nparams;
  for (int t = 0; t < T->nsets; t++) {
    term_set *s = &T->set[t];
    double L = 0.0;
    PF_CALL(pf_engine_loss_grad(s->eng, theta, s->pts, &L, grad ? T->buf : NULL));
    const double wL = s->weight * L;
    *loss += wL;
    if (set_loss) set_loss[t] = wL;
    if (grad)
      for (size_t q = 0; q < P; q++) grad[q] += s->weight * T->buf[q];
  }
  return PF_OK;
}

int pf_terms_hvp(pf_terms *T, const double *theta, const double *v, double scale, double *hv) {
  if (!T || !T->nsets) return PF_OK;
  PF_CHECK(theta && v && hv, PF_ERR_ARG, "terms' HVP without parameters, vector or output");
  const size_t P = T->nparams;
  for (int t = 0; t < T->nsets; t++) {
    term_set *s = &T->set[t];
    PF_CALL(pf_engine_hvp(s->eng, theta, s->pts, v, T->buf));
    const double c = scale * s->weight;
    for (size_t q = 0; q < P; q++) hv[q] += c * T->buf[q];
  }
  return PF_OK;
}

size_t pf_terms_rows(const pf_terms *T) {
  size_t rows = 0;
  if (T)
    for (int t = 0; t < T->nsets; t++) rows += T->set[t].n * (size_t)T->set[t].nread;
  return rows;
}

int pf_terms_jacobian_rows(pf_terms *T, const double *theta, double scale, double *J, double *s) {
  if (!T || !T->nsets) return PF_OK;
  PF_CHECK(theta && J, PF_ERR_ARG, "terms' Jacobian rows without parameters or output");
  PF_CHECK(isfinite(scale) && scale >= 0, PF_ERR_ARG, "terms' Jacobian scale %g", scale);
  const size_t P = T->nparams;
  size_t row = 0;
  for (int t = 0; t < T->nsets; t++) {
    term_set *e = &T->set[t];
    const size_t rows = e->n * (size_t)e->nread;
    double *Jt = J + row * P, *st = s ? s + row : NULL;
    PF_CALL(pf_engine_jacobian_rows(e->eng, theta, e->pts, 0, e->n, Jt, st));
    const double c = sqrt(scale * e->weight / (double)e->n);
    for (size_t q = 0; q < rows * P; q++) Jt[q] *= c;
    if (st)
      for (size_t q = 0; q < rows; q++) st[q] *= c;
    row += rows;
  }
  return PF_OK;
}
