/* The group scorer: creation (network, engine, slices and buffers of each rank, a check that all
 * ranks were given the same task), the round protocol (rank 0 broadcasts a header {cmd, cycle}
 * that either starts a round or releases the others; pf_group_serve is the loop of the ranks
 * other than 0), the methods that need no communication beyond theta and the gather (random and
 * the pointwise methods), and the gather of pool and scores to rank 0. grad_dot and pinnfluence
 * are in group_influence.c. */
#include "group_impl.h"
#include "pinnfluence/rng.h"
#include "pinnfluence/sample.h"

#include <limits.h>
#include <string.h>

int pf_group_agree(const pf_group_scorer *gs, int rc) {
  int all = PF_OK;
  const int mrc = MPI_Allreduce(&rc, &all, 1, MPI_INT, MPI_MAX, gs->comm);
  if (mrc != MPI_SUCCESS) return pf_error_mpi(mrc, __FILE__, __LINE__, __func__);
  if (all && !rc)
    return pf_error(all, __FILE__, __LINE__, __func__,
                    "group rank %d: another rank of the group failed (%s)", gs->rank,
                    pf_error_string(all));
  return all;
}

void pf_group_slice(size_t n, size_t unit, int size, int rank, size_t *first, size_t *count) {
  const size_t nu = (n + unit - 1) / unit;
  const size_t u0 = nu * (size_t)rank / (size_t)size, u1 = nu * (size_t)(rank + 1) / (size_t)size;
  const size_t f = u0 * unit < n ? u0 * unit : n, e = u1 * unit < n ? u1 * unit : n;
  *first = f;
  *count = e - f;
}

size_t pf_group_unit(const pf_group_scorer *gs) {
  return gs->unit;
}

static size_t gcd(size_t a, size_t b) {
  while (b) {
    const size_t r = a % b;
    a = b, b = r;
  }
  return a;
}

/* counts and displacements of every rank's slice of n items */
static void slice_table(size_t n, size_t unit, int size, int *cnt, int *dsp) {
  for (int r = 0; r < size; r++) {
    size_t f, c;
    pf_group_slice(n, unit, size, r, &f, &c);
    cnt[r] = (int)c, dsp[r] = (int)f;
  }
}

/* FNV-1a over the fields every rank must agree on. */
static uint64_t fnv(uint64_t h, const void *p, size_t n) {
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 1099511628211ULL;
  return h;
}

static uint64_t fingerprint(const pf_group_scorer *g) {
  const pf_task_spec *s = &g->spec;
  uint64_t h = 1469598103934665603ULL;
  h = fnv(h, s->pde->name, strlen(s->pde->name) + 1);
  h = fnv(h, pf_pde_coefficients(s->pde), (size_t)s->pde->ncoef * sizeof(double));
  h = fnv(h, s->method->name, strlen(s->method->name) + 1);
  h = fnv(h, &s->nhidden, sizeof s->nhidden);
  h = fnv(h, s->hidden, (size_t)s->nhidden * sizeof *s->hidden);
  h = fnv(h, &s->seed, sizeof s->seed);
  h = fnv(h, &s->pool, sizeof s->pool);
  h = fnv(h, &s->block, sizeof s->block);
  h = fnv(h, &s->ntrained, sizeof s->ntrained);
  h = fnv(h, s->trained, (size_t)s->ntrained * sizeof *s->trained);
  if (g->kind == PF_GROUP_INFLUENCE) {
    const pf_influence_params *ip = &g->ip;
    h = fnv(h, ip->backend, strlen(ip->backend) + 1);
    h = fnv(h, &ip->test_points, sizeof ip->test_points);
    h = fnv(h, &ip->arnoldi_iters, sizeof ip->arnoldi_iters);
    h = fnv(h, &ip->arnoldi_tol, sizeof ip->arnoldi_tol);
    h = fnv(h, &ip->damping, sizeof ip->damping);
    h = fnv(h, &ip->eig_tol, sizeof ip->eig_tol);
    h = fnv(h, &ip->rank, sizeof ip->rank);
    h = fnv(h, &ip->block_size, sizeof ip->block_size);
    h = fnv(h, &ip->block_iters, sizeof ip->block_iters);
  }
  return h;
}

/* Local part of create: validation, network, engine, slices, buffers. */
static int setup(pf_group_scorer *g, const pf_task_spec *spec) {
  PF_CHECK(spec && spec->pde && spec->method, PF_ERR_ARG, "group scorer: incomplete task spec");
  PF_CHECK(spec->nhidden >= 1 && spec->nhidden <= PF_PDE_MAX_HIDDEN, PF_ERR_ARG,
           "group scorer: %d hidden layers; allowed 1..%d", spec->nhidden, PF_PDE_MAX_HIDDEN);
  g->spec = *spec;
  g->ip = spec->influence;
  g->ip.backend = g->spec.influence_backend;
  const pf_score_method *m = spec->method;
  if (!m->resamples)
    g->kind = PF_GROUP_NONE;
  else if (!strcmp(m->name, "random"))
    g->kind = PF_GROUP_RANDOM;
  else if (!strcmp(m->name, "grad_dot") || !strcmp(m->name, "pinnfluence"))
    g->kind = PF_GROUP_INFLUENCE;
  else
    g->kind = PF_GROUP_POINTWISE;
  PF_CHECK(g->kind != PF_GROUP_POINTWISE || m->score, PF_ERR_ARG,
           "group scorer: method %s has no score function", m->name);
  if (g->kind == PF_GROUP_INFLUENCE) {
    PF_CALL(pf_influence_params_check(&g->ip));
    g->imethod = strcmp(m->name, "grad_dot") ? PF_INFLUENCE_PINNFLUENCE : PF_INFLUENCE_GRAD_DOT;
    g->backend = !strcmp(g->ip.backend, "exact")          ? PF_GROUP_EXACT
                 : !strcmp(g->ip.backend, "gauss_newton") ? PF_GROUP_GAUSS_NEWTON
                 : !strcmp(g->ip.backend, "block_krylov") ? PF_GROUP_BLOCK_KRYLOV
                                                          : PF_GROUP_ARNOLDI;
  }

  if (spec->ntrained > 0) {
    /* the problem as the task trains it: coefficients set every round (group_round) */
    const pf_pde *p = spec->pde;
    PF_CHECK(p->residual_coef && spec->ntrained <= p->ncoef, PF_ERR_ARG,
             "group scorer: %s cannot train %d coefficients", p->name, spec->ntrained);
    g->tp = *p;
    memcpy(g->tctx.coef, pf_pde_coefficients(p), (size_t)p->ncoef * sizeof(double));
    if (p->text) g->tctx.data = ((const pf_pde_ctx *)p->ops.ctx)->data;
    for (int j = 0; j < spec->ntrained; j++)
      g->tctx.coef[spec->trained[j]] = spec->coef_init[spec->trained[j]];
    g->tp.ops.ctx = &g->tctx;
    g->spec.pde = &g->tp;
  }
  const pf_pinn_ops *ops = &g->spec.pde->ops;
  int sizes[PF_PDE_MAX_HIDDEN + 2];
  sizes[0] = ops->d;
  for (int l = 0; l < spec->nhidden; l++) sizes[l + 1] = spec->hidden[l];
  sizes[spec->nhidden + 1] = ops->m;
  PF_CALL(pf_mlp_create(spec->nhidden + 1, sizes, &g->net));
  PF_CALL(pf_engine_create(g->net, ops, spec->block, &g->eng));
  g->d = (size_t)ops->d;
  g->K = (size_t)ops->k;
  g->P = g->net->nparams;
  g->B = (size_t)spec->block;
  g->unit = g->B / gcd(g->B, PF_INFLUENCE_SCORE_BLOCK) * PF_INFLUENCE_SCORE_BLOCK;
  if (g->kind == PF_GROUP_NONE) return PF_OK;

  g->npool = spec->pool;
  PF_CHECK(g->npool >= 1 && g->npool <= INT_MAX, PF_ERR_ARG,
           "group scorer: pool of %zu candidates; allowed 1..%d", g->npool, INT_MAX);
  PF_CHECK(g->P <= INT_MAX, PF_ERR_ARG, "group scorer: %zu parameters", g->P);
  PF_CALL(PF_CALLOC(g->P + (size_t)spec->ntrained, &g->theta));
  PF_CALL(PF_CALLOC(g->size, &g->pcnt));
  PF_CALL(PF_CALLOC(g->size, &g->pdsp));
  slice_table(g->npool, g->unit, g->size, g->pcnt, g->pdsp);
  pf_group_slice(g->npool, g->unit, g->size, g->rank, &g->p0, &g->pn);
  PF_CALL(PF_CALLOC(g->pn * g->d, &g->X));
  PF_CALL(PF_CALLOC(g->pn, &g->sc));
  if (g->kind == PF_GROUP_POINTWISE) {
    g->work_len = m->work_size ? m->work_size(ops, g->pn, g->P, spec->block) : 0;
    PF_CALL(PF_CALLOC(g->work_len, &g->work));
  }
  if (g->kind != PF_GROUP_INFLUENCE) return PF_OK;

  const size_t P = g->P, B = g->B, nz = g->ip.test_points;
  const int pinn = g->imethod == PF_INFLUENCE_PINNFLUENCE;
  g->nz = nz;
  PF_CHECK(nz <= INT_MAX, PF_ERR_ARG, "group scorer: %zu test points", nz);
  PF_CHECK(!pinn || g->backend != PF_GROUP_EXACT || P <= PF_INFLUENCE_EXACT_MAX_PARAMS,
           PF_ERR_CONFIG,
           "influence.backend = \"exact\" forms the dense %zu x %zu Hessian; it is meant for "
           "networks of at most %d parameters (use \"arnoldi\" or \"gauss_newton\")",
           P, P, PF_INFLUENCE_EXACT_MAX_PARAMS);
  PF_CALL(PF_CALLOC(g->size, &g->zcnt));
  PF_CALL(PF_CALLOC(g->size, &g->zdsp));
  slice_table(nz, g->unit, g->size, g->zcnt, g->zdsp);
  pf_group_slice(nz, g->unit, g->size, g->rank, &g->z0, &g->zn);
  const size_t kcap = pinn ? (size_t)g->ip.rank : P;
  const size_t mb = B < PF_INFLUENCE_SCORE_BLOCK ? B : PF_INFLUENCE_SCORE_BLOCK;
  g->work_len = pf_influence_embed_work(P, (int)B, ops->k);
  PF_CALL(PF_CALLOC(g->work_len, &g->work));
  PF_CALL(PF_CALLOC(nz * kcap, &g->EZ));
  PF_CALL(PF_CALLOC(B * kcap, &g->EC));
  PF_CALL(PF_CALLOC(mb * nz, &g->M));
  const int exact = pinn && g->backend == PF_GROUP_EXACT;
  PF_CALL(PF_CALLOC((exact ? nz : g->zn) * g->d, &g->ZX));
  if (!pinn) return PF_OK;
  PF_CHECK(g->backend != PF_GROUP_GAUSS_NEWTON || g->K * P <= INT_MAX, PF_ERR_ARG,
           "group scorer: %zu Jacobian entries per point", g->K * P);
  PF_CALL(PF_CALLOC(P * (size_t)g->ip.rank, &g->R));
  if (g->backend == PF_GROUP_ARNOLDI || g->backend == PF_GROUP_BLOCK_KRYLOV) {
    /* Z blocks: slices start at multiples of the unit, hence of B */
    g->nzb = (nz + B - 1) / B;
    g->zbn = (g->z0 + g->zn + B - 1) / B - g->z0 / B;
    PF_CALL(PF_CALLOC(g->size, &g->bcnt));
    PF_CALL(PF_CALLOC(g->size, &g->bdsp));
    for (int r = 0; r < g->size; r++) {
      const size_t f = (size_t)g->zdsp[r], c = (size_t)g->zcnt[r];
      g->bdsp[r] = (int)(f / B);
      g->bcnt[r] = (int)((f + c + B - 1) / B - f / B);
    }
    PF_CALL(PF_CALLOC(P + 1, &g->v)); /* the direction and the command */
    PF_CALL(PF_CALLOC((g->rank == 0 ? g->nzb : g->zbn) * P, &g->part));
  } else if (g->backend == PF_GROUP_EXACT) {
    PF_CALL(PF_CALLOC(g->size, &g->jcnt));
    PF_CALL(PF_CALLOC(g->size, &g->jdsp));
    slice_table(P, 1, g->size, g->jcnt, g->jdsp);
    pf_group_slice(P, 1, g->size, g->rank, &g->j0, &g->jn);
  }
  return PF_OK;
}

/* Free everything but the communicator. */
static void release_local(pf_group_scorer *g) {
  pf_terms_destroy(&g->terms); /* pf_group_scorer_set_terms (group_influence.c) */
  pf_engine_destroy(&g->eng);
  pf_mlp_destroy(&g->net);
  PF_FREE(&g->pcnt), PF_FREE(&g->pdsp), PF_FREE(&g->zcnt), PF_FREE(&g->zdsp);
  PF_FREE(&g->bcnt), PF_FREE(&g->bdsp), PF_FREE(&g->jcnt), PF_FREE(&g->jdsp);
  PF_FREE(&g->theta), PF_FREE(&g->X), PF_FREE(&g->sc);
  PF_FREE(&g->ZX), PF_FREE(&g->work), PF_FREE(&g->R);
  PF_FREE(&g->EZ), PF_FREE(&g->EC), PF_FREE(&g->M), PF_FREE(&g->part), PF_FREE(&g->v);
  if (g->rowP != MPI_DATATYPE_NULL) MPI_Type_free(&g->rowP);
  if (g->rowD != MPI_DATATYPE_NULL) MPI_Type_free(&g->rowD);
  if (g->rowJ != MPI_DATATYPE_NULL) MPI_Type_free(&g->rowJ);
}

int pf_group_scorer_create(MPI_Comm comm, const pf_task_spec *spec, pf_group_scorer **gs) {
  PF_CHECK(gs, PF_ERR_ARG, "group scorer: no output handle");
  *gs = NULL;
  pf_group_scorer *g = NULL;
  PF_CALL(PF_CALLOC(1, &g));
  g->comm = MPI_COMM_NULL;
  g->rowP = g->rowD = g->rowJ = MPI_DATATYPE_NULL;
  int mrc = MPI_Comm_dup(comm, &g->comm);
  if (mrc != MPI_SUCCESS) {
    PF_FREE(&g);
    return pf_error_mpi(mrc, __FILE__, __LINE__, __func__);
  }
  int rc = PF_OK;
  if ((mrc = MPI_Comm_rank(g->comm, &g->rank)) != MPI_SUCCESS ||
      (mrc = MPI_Comm_size(g->comm, &g->size)) != MPI_SUCCESS)
    rc = pf_error_mpi(mrc, __FILE__, __LINE__, __func__);
  if (!rc) rc = setup(g, spec);
  if (!rc && g->P > 0) {
    if ((mrc = MPI_Type_contiguous((int)g->P, MPI_DOUBLE, &g->rowP)) != MPI_SUCCESS ||
        (mrc = MPI_Type_commit(&g->rowP)) != MPI_SUCCESS ||
        (mrc = MPI_Type_contiguous((int)g->d, MPI_DOUBLE, &g->rowD)) != MPI_SUCCESS ||
        (mrc = MPI_Type_commit(&g->rowD)) != MPI_SUCCESS)
      rc = pf_error_mpi(mrc, __FILE__, __LINE__, __func__);
  }
  if (!rc && g->kind == PF_GROUP_INFLUENCE && g->imethod == PF_INFLUENCE_PINNFLUENCE &&
      g->backend == PF_GROUP_GAUSS_NEWTON) {
    if ((mrc = MPI_Type_contiguous((int)(g->K * g->P), MPI_DOUBLE, &g->rowJ)) != MPI_SUCCESS ||
        (mrc = MPI_Type_commit(&g->rowJ)) != MPI_SUCCESS)
      rc = pf_error_mpi(mrc, __FILE__, __LINE__, __func__);
  }
  /* agree on the outcome and on the task: {rc, h, ~h} under MAX gives the largest code and,
   * through max(h) and max(~h) = ~min(h), whether every rank has the same fingerprint */
  const uint64_t h = rc ? 0 : fingerprint(g);
  uint64_t mine[3] = {(uint64_t)rc, h, ~h}, all[3] = {0, 0, 0};
  mrc = MPI_Allreduce(mine, all, 3, MPI_UINT64_T, MPI_MAX, g->comm);
  if (mrc != MPI_SUCCESS) {
    rc = pf_error_mpi(mrc, __FILE__, __LINE__, __func__);
  } else if (all[0] && !rc) {
    rc = pf_error((int)all[0], __FILE__, __LINE__, __func__,
                  "group rank %d: another rank of the group failed to create its scorer", g->rank);
  } else if (!rc && (all[1] != h || ~all[2] != h)) {
    rc = pf_error(PF_ERR_ARG, __FILE__, __LINE__, __func__,
                  "group rank %d: the ranks of the group were given different tasks", g->rank);
  }
  if (rc) {
    release_local(g);
    MPI_Comm_free(&g->comm);
    PF_FREE(&g);
    return pf_trace(rc, __FILE__, __LINE__, __func__);
  }
  *gs = g;
  return PF_OK;
}

int pf_group_scorer_destroy(pf_group_scorer **gs) {
  if (!gs || !*gs) return PF_OK;
  pf_group_scorer *g = *gs;
  int rc = PF_OK;
  if (!g->released) {
    /* rank 0 releases the others, which receive it here or in pf_group_serve */
    int hdr[2] = {PF_GROUP_CMD_STOP, 0};
    const int mrc = MPI_Bcast(hdr, 2, MPI_INT, 0, g->comm);
    if (mrc != MPI_SUCCESS)
      rc = pf_error_mpi(mrc, __FILE__, __LINE__, __func__);
    else if (hdr[0] != PF_GROUP_CMD_STOP)
      rc = pf_error(PF_ERR_INTERNAL, __FILE__, __LINE__, __func__,
                    "group rank %d destroyed its scorer while rank 0 started a round", g->rank);
    g->released = 1;
  }
  release_local(g);
  const int mrc = MPI_Comm_free(&g->comm);
  if (mrc != MPI_SUCCESS && !rc) rc = pf_error_mpi(mrc, __FILE__, __LINE__, __func__);
  PF_FREE(gs);
  return rc ? pf_trace(rc, __FILE__, __LINE__, __func__) : PF_OK;
}

/* One round after the header; rc: the local outcome so far (argument checks). */
static int group_round(pf_group_scorer *g, int cycle, const double *theta, double *X,
                       double *scores, pf_influence_stats *stats, int rc) {
  pf_influence_stats st = {0};
  pf_points *pool = NULL;
  const pf_task_spec *s = &g->spec;
  double t0 = pf_wtime();
  if (!rc && g->kind == PF_GROUP_NONE)
    rc = pf_error(PF_ERR_ARG, __FILE__, __LINE__, __func__,
                  "method %s never resamples: it has no scoring round", s->method->name);
  if (!rc && g->rank == 0 && (!X || !scores || (!theta && g->kind != PF_GROUP_RANDOM)))
    rc = pf_error(PF_ERR_ARG, __FILE__, __LINE__, __func__,
                  "group rank 0 needs theta, X and scores");
  if ((rc = pf_group_agree(g, rc))) goto done;

  if (g->kind != PF_GROUP_RANDOM) {
    const size_t nt = (size_t)s->ntrained;
    if (g->rank == 0) memcpy(g->theta, theta, (g->P + nt) * sizeof *g->theta);
    GROUP_MPI(MPI_Bcast(g->theta, 1, g->rowP, 0, g->comm));
    /* trained coefficients: theta + P on rank 0 (the task's x = [theta, c / scale]) */
    if (nt) {
      GROUP_MPI(MPI_Bcast(g->theta + g->P, (int)nt, MPI_DOUBLE, 0, g->comm));
      for (size_t j = 0; j < nt; j++)
        g->tctx.coef[s->trained[j]] =
            pf_task_coef_scale(s->coef_init[s->trained[j]]) * g->theta[g->P + j];
    }
  }
  pf_sample_pool(s->pde, s->seed, cycle, g->p0, g->pn, g->X);

  if (g->kind == PF_GROUP_RANDOM) {
    /* element i of the stream is candidate i's score, as the one-rank method draws them */
    pf_rng_stream rs = pf_rng_stream_make(s->seed, 0, PF_RNG_SCORE_RANDOM, (uint64_t)cycle);
    pf_rng_uniform(&rs, g->p0, g->pn, g->sc);
  } else if (g->kind == PF_GROUP_POINTWISE) {
    /* the method itself on the slice: its blocks start at multiples of B, as on the whole pool */
    if (g->pn) {
      rc = pf_points_create(&s->pde->ops, g->pn, g->X, &pool);
      pf_score_ctx sc = {.eng = g->eng,
                         .net = g->net,
                         .pde = s->pde,
                         .seed = s->seed,
                         .cycle = cycle,
                         .work = g->work,
                         .work_len = g->work_len,
                         .influence = &g->ip};
      if (!rc) rc = s->method->score(&sc, g->theta, pool, g->sc);
    }
  } else {
    rc = pf_group_influence_round(g, cycle, &st);
  }
  if ((rc = pf_group_agree(g, rc))) goto done;

  /* the pool (d doubles per point) and its scores to rank 0, in rank (= candidate) order */
  double t1 = pf_wtime();
  if (g->kind == PF_GROUP_RANDOM || g->kind == PF_GROUP_POINTWISE) st.score_seconds = t1 - t0;
  GROUP_MPI(MPI_Gatherv(g->X, (int)g->pn, g->rowD, X, g->pcnt, g->pdsp, g->rowD, 0, g->comm));
  GROUP_MPI(
      MPI_Gatherv(g->sc, (int)g->pn, MPI_DOUBLE, scores, g->pcnt, g->pdsp, MPI_DOUBLE, 0, g->comm));
  st.score_seconds += pf_wtime() - t1;
done:
  pf_points_destroy(&pool);
  if (stats) *stats = st;
  return rc ? pf_trace(rc, __FILE__, __LINE__, __func__) : PF_OK;
}

int pf_group_score(pf_group_scorer *gs, int cycle, const double *theta, double *X, double *scores,
                   pf_influence_stats *stats) {
  PF_CHECK(gs, PF_ERR_ARG, "group scorer: NULL handle");
  PF_CHECK(!gs->released, PF_ERR_ARG, "group scorer: rank 0 has already ended the rounds");
  int hdr[2] = {PF_GROUP_CMD_ROUND, cycle}, rc = PF_OK;
  PF_CALL_MPI(MPI_Bcast(hdr, 2, MPI_INT, 0, gs->comm));
  if (hdr[0] == PF_GROUP_CMD_STOP) {
    /* rank 0 destroyed the scorer: no round follows, so nothing collective may follow either */
    gs->released = 1;
    PF_RAISE(PF_ERR_ARG, "group rank %d: rank 0 ended the rounds while this rank scores cycle %d",
             gs->rank, cycle);
  }
  if (hdr[0] != PF_GROUP_CMD_ROUND || hdr[1] != cycle)
    rc = pf_error(PF_ERR_ARG, __FILE__, __LINE__, __func__,
                  "group rank %d scores cycle %d while rank 0 scores cycle %d", gs->rank, cycle,
                  hdr[1]);
  PF_CALL(group_round(gs, hdr[1], theta, X, scores, stats, rc));
  return PF_OK;
}

int pf_group_serve(pf_group_scorer *gs) {
  PF_CHECK(gs && gs->rank != 0, PF_ERR_ARG, "pf_group_serve is for group ranks other than 0");
  PF_CHECK(!gs->released, PF_ERR_ARG, "group scorer: rank 0 has already ended the rounds");
  for (;;) {
    int hdr[2] = {0, 0};
    PF_CALL_MPI(MPI_Bcast(hdr, 2, MPI_INT, 0, gs->comm));
    if (hdr[0] == PF_GROUP_CMD_STOP) {
      gs->released = 1;
      return PF_OK;
    }
    /* a failed round failed on rank 0 as well, whose caller decides: keep serving */
    int rc = PF_OK;
    if (hdr[0] != PF_GROUP_CMD_ROUND)
      rc = pf_error(PF_ERR_INTERNAL, __FILE__, __LINE__, __func__,
                    "group rank %d: unexpected command %d", gs->rank, hdr[0]);
    (void)group_round(gs, hdr[1], NULL, NULL, NULL, NULL, rc);
  }
}
