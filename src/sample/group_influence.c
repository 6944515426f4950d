/* grad_dot and pinnfluence rounds split among the ranks of a group. Every rank embeds the rows of
 * Z in its slice, the embeddings are shared (allgather) so every rank holds all of EZ, and every
 * rank embeds and scores its pool slice a block of candidates at a time, as pf_influence_score
 * does on one rank. The inverse-Hessian factor (pinnfluence) is built from pieces computed on
 * every rank and assembled on rank 0 in the serial order, then R is broadcast:
 *   arnoldi       rank 0 runs the iteration (pf_influence_factor_arnoldi); the direction of each
 *                 Hessian-vector product is broadcast, every rank computes the terms of the
 *                 engine blocks of its Z slice (pf_engine_hvp_blocks), rank 0 gathers them and
 *                 adds all of them in block order from zero, which is pf_engine_hvp's sum; the
 *                 other ranks meanwhile wait for the next direction;
 *   exact         each rank computes a contiguous range of the P Hessian rows (one HVP over all
 *                 of Z each), gathered to rank 0 (pf_influence_factor_from_hessian);
 *   gauss_newton  each rank computes the Jacobian rows of its Z slice (K per point), gathered to
 *                 rank 0 (pf_influence_factor_from_jacobian).
 * The fixed terms of a composite loss (pf_group_scorer_set_terms) live on rank 0 only, which adds
 * their part where the serial backend does: their HVP (scale 1) after the block sum of Z's, their
 * Hessian rows (pf_hessian_terms_rows) after the gather, their Jacobian rows after Z's. */
#include "group_impl.h"

#include <math.h>
#include <string.h>

/* This rank's Hessian-vector product terms, one per engine block of its Z slice, along the
 * direction in gs->v. If they cannot be computed (which validated arguments rule out) they are
 * NaN, so rank 0's product is not finite and its Arnoldi iteration fails; the code is kept. */
static int hvp_terms(pf_group_scorer *g) {
  if (!g->zbn) return PF_OK;
  const int rc = pf_engine_hvp_blocks(g->eng, g->theta, g->Zhvp, 0, g->zbn, g->v, g->part,
                                      1.0 / (double)g->nz);
  if (rc)
    for (size_t i = 0; i < g->zbn * g->P; i++) g->part[i] = NAN;
  return rc;
}

/* Rank 0's Hessian-vector product for the Arnoldi iteration (pf_influence_hvp_fn): two
 * collectives per product, the direction (with the command in its last slot) out, the per-block
 * terms in. */
static int root_hvp(void *user, const double *v, double *hv) {
  pf_group_scorer *g = user;
  const size_t P = g->P;
  int rc = PF_OK;
  memcpy(g->v, v, P * sizeof *v);
  g->v[P] = PF_GROUP_CMD_HVP;
  GROUP_MPI(MPI_Bcast(g->v, (int)P + 1, MPI_DOUBLE, 0, g->comm));
  rc = hvp_terms(g); /* rank 0's slice starts at 0: its terms come first */
  GROUP_MPI(MPI_Gatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, g->part, g->bcnt, g->bdsp, g->rowP, 0,
                        g->comm));
  if (rc) goto done;
  /* hv = ((0 + t_0) + t_1) + ... over all blocks of Z in order: pf_engine_hvp's sum */
  memset(hv, 0, P * sizeof *hv);
  for (size_t b = 0; b < g->nzb; b++) {
    const double *t = g->part + b * P;
    for (size_t k = 0; k < P; k++) hv[k] += t[k];
  }
  /* the terms of a composite loss, as the serial backend adds them to pf_engine_hvp's */
  rc = pf_terms_hvp(g->terms, g->theta, v, 1.0, hv);
done:
  return rc ? pf_trace(rc, __FILE__, __LINE__, __func__) : PF_OK;
}

/* The other ranks during rank 0's Arnoldi iteration: one product per command until STOP; a rank
 * that fails keeps obeying (its code is agreed on after the factor). */
static int serve_hvps(pf_group_scorer *g) {
  int rc = PF_OK;
  for (;;) {
    GROUP_MPI(MPI_Bcast(g->v, (int)g->P + 1, MPI_DOUBLE, 0, g->comm));
    if (g->v[g->P] != PF_GROUP_CMD_HVP) break;
    const int lrc = hvp_terms(g);
    if (lrc && !rc) rc = lrc;
    GROUP_MPI(MPI_Gatherv(g->part, (int)g->zbn, g->rowP, NULL, NULL, NULL, g->rowP, 0, g->comm));
  }
done:
  return rc;
}

/* The factor over Z (this rank's slice; exact: all of Z): on success every rank holds R (P, *k)
 * in g->R. Returns the agreed code. */
static int group_factor(pf_group_scorer *g, int cycle, const pf_points *Z, size_t *k,
                        pf_influence_stats *st) {
  const size_t P = g->P, nz = g->nz;
  pf_influence_factor *F = NULL; /* rank 0 */
  double *H = NULL;              /* exact: rank 0 all rows (P, P), others their rows (jn, P) */
  double *J = NULL;              /* gauss_newton: rank 0 (K nz + nt, P), others (K zn, P) */
  const size_t nt = g->rank == 0 ? pf_terms_rows(g->terms) : 0; /* the terms' Jacobian rows */
  int rc = PF_OK;
  if (g->backend == PF_GROUP_ARNOLDI) {
    g->Zhvp = Z;
    if (g->rank == 0) {
      rc = pf_influence_factor_arnoldi(root_hvp, g, P, nz, &g->ip, g->spec.seed, cycle, &F);
      g->v[P] = PF_GROUP_CMD_STOP;
      GROUP_MPI(MPI_Bcast(g->v, (int)P + 1, MPI_DOUBLE, 0, g->comm));
    } else {
      rc = serve_hvps(g);
    }
    g->Zhvp = NULL;
  } else if (g->backend == PF_GROUP_EXACT) {
    rc = PF_CALLOC((g->rank == 0 ? P : g->jn) * P, &H);
    if (!rc && g->jn) rc = pf_hessian_dense_rows(g->eng, g->net, g->theta, Z, g->j0, g->jn, H);
    if ((rc = pf_group_agree(g, rc))) goto done;
    if (g->rank == 0)
      GROUP_MPI(MPI_Gatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, H, g->jcnt, g->jdsp, g->rowP, 0,
                            g->comm));
    else
      GROUP_MPI(MPI_Gatherv(H, (int)g->jn, g->rowP, NULL, NULL, NULL, g->rowP, 0, g->comm));
    if (g->rank == 0) rc = pf_hessian_terms_rows(g->terms, g->theta, P, nz, 0, P, H);
    if (g->rank == 0 && !rc) rc = pf_influence_factor_from_hessian(H, P, &g->ip, &F);
  } else {
    rc = PF_CALLOC((g->rank == 0 ? nz * g->K + nt : g->zn * g->K) * P, &J);
    if (!rc && g->zn) rc = pf_engine_jacobian_rows(g->eng, g->theta, Z, 0, g->zn, J, NULL);
    if ((rc = pf_group_agree(g, rc))) goto done;
    /* K rows per point: counts and displacements in points of rowJ */
    if (g->rank == 0)
      GROUP_MPI(MPI_Gatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, J, g->zcnt, g->zdsp, g->rowJ, 0,
                            g->comm));
    else
      GROUP_MPI(MPI_Gatherv(J, (int)g->zn, g->rowJ, NULL, NULL, NULL, g->rowJ, 0, g->comm));
    if (g->rank == 0)
      rc = pf_terms_jacobian_rows(g->terms, g->theta, (double)nz, J + g->K * nz * P, NULL);
    if (g->rank == 0 && !rc)
      rc = pf_influence_factor_from_jacobian(J, g->K * nz + nt, P, &g->ip, &F);
  }
  PF_FREE(&H), PF_FREE(&J);

  /* rank 0 tells the outcome (for arnoldi including the other ranks' products) and shares R */
  int hdr[5] = {rc, 0, 0, 0, 0};
  if (F) hdr[1] = F->rank, hdr[2] = F->candidates, hdr[3] = F->hvps, hdr[4] = F->krylov_dim;
  GROUP_MPI(MPI_Bcast(hdr, 5, MPI_INT, 0, g->comm));
  if ((rc = pf_group_agree(g, hdr[0] ? hdr[0] : rc))) goto done;
  *k = (size_t)hdr[1];
  if (g->rank == 0) memcpy(g->R, F->R, P * *k * sizeof *g->R);
  GROUP_MPI(MPI_Bcast(g->R, hdr[1], g->rowP, 0, g->comm)); /* (P, k) = k runs of P doubles */
  st->rank = hdr[1], st->candidates = hdr[2], st->hvps = hdr[3], st->krylov_dim = hdr[4];
done:
  pf_influence_factor_destroy(&F);
  PF_FREE(&H), PF_FREE(&J);
  return rc;
}

int pf_group_scorer_set_terms(pf_group_scorer *gs, int nsets, const pf_target_set *sets) {
  PF_CHECK(gs, PF_ERR_ARG, "group scorer: NULL handle");
  if (gs->rank != 0) return PF_OK;
  pf_terms_destroy(&gs->terms);
  if (nsets == 0) return PF_OK;
  PF_CALL(pf_terms_create(gs->net, &gs->spec.pde->ops, gs->spec.block, nsets, sets, &gs->terms));
  return PF_OK;
}

int pf_group_influence_round(pf_group_scorer *g, int cycle, pf_influence_stats *st) {
  const pf_task_spec *s = &g->spec;
  const size_t P = g->P, B = g->B, nz = g->nz;
  const int pinn = g->imethod == PF_INFLUENCE_PINNFLUENCE;
  const int exact = pinn && g->backend == PF_GROUP_EXACT;
  pf_points *Z = NULL, *pool = NULL;
  MPI_Datatype rowk = MPI_DATATYPE_NULL;
  int rc = PF_OK;

  /* hessian phase: this rank's slice of Z (exact: all of Z, every Hessian row is an HVP over all
   * of it) and the factor */
  double t0 = pf_wtime();
  const size_t zf = exact ? 0 : g->z0, zc = exact ? nz : g->zn;
  pf_influence_zset(s->pde, s->seed, cycle, zf, zc, g->ZX);
  rc = pf_points_create(&s->pde->ops, zc, g->ZX, &Z);
  if (!rc) rc = pf_points_create(&s->pde->ops, g->pn, g->X, &pool);
  if ((rc = pf_group_agree(g, rc))) goto done;
  const double *R = NULL;
  size_t k = P;
  if (pinn) {
    if ((rc = group_factor(g, cycle, Z, &k, st))) goto done;
    R = g->R;
  }
  double t1 = pf_wtime();
  st->hessian_seconds = t1 - t0;

  /* embeddings of this rank's rows of Z into their place in EZ, then all rows to every rank */
  if (g->zn)
    rc = pf_influence_embed(g->eng, g->net, g->theta, Z, g->z0 - zf, g->zn, R, k, g->EZ + g->z0 * k,
                            g->work);
  if ((rc = pf_group_agree(g, rc))) goto done;
  GROUP_MPI(MPI_Type_contiguous((int)k, MPI_DOUBLE, &rowk));
  GROUP_MPI(MPI_Type_commit(&rowk));
  GROUP_MPI(
      MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, g->EZ, g->zcnt, g->zdsp, rowk, g->comm));
  t0 = pf_wtime();
  st->embed_seconds += t0 - t1;

  /* this rank's candidates, an engine block at a time (blocks at multiples of B of the pool) */
  for (size_t c0 = 0; c0 < g->pn; c0 += B) {
    const size_t nb = g->pn - c0 < B ? g->pn - c0 : B;
    if ((rc = pf_influence_embed(g->eng, g->net, g->theta, pool, c0, nb, R, k, g->EC, g->work)))
      break;
    t1 = pf_wtime();
    st->embed_seconds += t1 - t0;
    pf_influence_abs_scores(nz, g->EZ, nb, g->EC, k, g->sc + c0, g->M);
    t0 = pf_wtime();
    st->score_seconds += t0 - t1;
  }
done:
  if (rowk != MPI_DATATYPE_NULL) MPI_Type_free(&rowk);
  pf_points_destroy(&Z);
  pf_points_destroy(&pool);
  return rc;
}
