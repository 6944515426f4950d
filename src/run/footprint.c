/* The memory a task needs, from its resolved configuration, and the up-front check of a sweep
 * against the memory of a rank (include/pinnfluence/footprint.h has the formula). The figures
 * follow the allocations of src/run/task.c, src/nn/engine.c, src/optim, src/sample and
 * src/influence; keep them in step when those change. */
#include "pinnfluence/footprint.h"

#include "pinnfluence/influence.h"
#include "pinnfluence/nn.h"
#include "pinnfluence/pde.h"
#include "pinnfluence/run.h"
#include "pinnfluence/sample.h"
#include "pinnfluence/store.h"
#include "pinnfluence/sweep.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define D 8.0 /* bytes per double */

void pf_format_bytes(double b, char *buf, size_t len) {
  static const char *const unit[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB"};
  int u = 0;
  while (b >= 1024.0 && u < 7) b /= 1024.0, u++;
  if (u == 0)
    snprintf(buf, len, "%.0f bytes", b);
  else
    snprintf(buf, len, "%.*f %s", b < 100 ? 1 : 0, b, unit[u]);
}

int pf_task_footprint(const pf_config *cfg, int ntasks, pf_footprint *fp) {
  memset(fp, 0, sizeof *fp);
  const pf_pde *pde = pf_pde_find(cfg->pde);
  PF_CHECK(pde, PF_ERR_ARG, "footprint: unknown pde \"%s\"", cfg->pde);
  const pf_score_method *m = pf_score_method_find(cfg->sample.method);
  PF_CHECK(m, PF_ERR_ARG, "footprint: unknown method \"%s\"", cfg->sample.method);

  /* the problem: d inputs, m outputs, nres residual components, nj jet entries per output */
  const pf_pinn_ops *ops = &pde->ops;
  const double d = ops->d, mo = ops->m, nres = ops->k, nread = ops->nread;
  const double nj = pf_jet_count(ops->d);

  /* network: widths d, hidden..., m */
  double P = 0, sumw = 0, maxw = d;
  int sizes[PF_CONFIG_MAX_HIDDEN + 2], L = cfg->network.nhidden + 1;
  sizes[0] = ops->d;
  for (int l = 0; l < cfg->network.nhidden; l++) sizes[l + 1] = cfg->network.hidden[l];
  sizes[L] = ops->m;
  for (int l = 0; l < L; l++) {
    P += (double)(sizes[l] + 1) * sizes[l + 1];
    sumw += (double)sizes[l] + sizes[l + 1];
    if (sizes[l + 1] > maxw) maxw = sizes[l + 1];
  }
  fp->nparams = (size_t)P;

  /* the engine's jet channels (pf_engine_create) */
  const int nc = pf_pinn_ops_channels(ops);
  PF_CHECK(nc >= 1, PF_ERR_ARG, "footprint: %s is not a valid problem description", pde->name);

  const double B = cfg->run.block, G = cfg->run.ranks_per_task;
  const double pool = cfg->sample.pool, per = cfg->sample.per_cycle, Z = cfg->influence.test_points;
  const double rank = cfg->influence.rank, iters = cfg->influence.arnoldi_iters;
  const int lbfgs = cfg->train.lbfgs_iters > 0, resamples = m->resamples;
  const int gd = !strcmp(m->name, "grad_dot"), pinn = !strcmp(m->name, "pinnfluence");
  const int arnoldi = !strcmp(cfg->influence.backend, "arnoldi");
  const int exact = !strcmp(cfg->influence.backend, "exact");
  const int block = !strcmp(cfg->influence.backend, "block_krylov");
  double *part = fp->part;

  part[PF_FOOT_PARAMS] = D * P * (1 + 4 + (lbfgs ? 9 : 0));
  snprintf(fp->what[PF_FOOT_PARAMS], sizeof fp->what[0],
           "the parameters and optimiser vectors (%d x P doubles, P = %.0f)", lbfgs ? 14 : 5, P);
  fp->hint[PF_FOOT_PARAMS] = "a smaller network.hidden";

  if (lbfgs) {
    part[PF_FOOT_HISTORY] = D * 2.0 * cfg->train.lbfgs_history * P;
    snprintf(fp->what[PF_FOOT_HISTORY], sizeof fp->what[0],
             "the L-BFGS history (2 x train.lbfgs_history x P = 2 x %d x %.0f doubles)",
             cfg->train.lbfgs_history, P);
  }
  fp->hint[PF_FOOT_HISTORY] = "a smaller train.lbfgs_history or network.hidden";

  /* pf_engine_create: Z, Zd, A, Ad per layer; G0, G1, Gd0, Gd1, At; per block the outputs' jets
   * u, udot, ubar, ubard (m nj each), the read quantities q, qdot (nread), r, rdot (nres), the
   * residual's partials dr, d2r (nres nread, nres nread^2) and their full-jet copies (nres nj,
   * nres nj^2), 12 temporaries; gblk */
  const double per_point = 4.0 * mo * nj + 2.0 * nread + 2.0 * nres + nres * nread +
                           nres * nread * nread + nres * nj + nres * nj * nj + 12.0;
  const double engine = D * (nc * B * (2.0 * sumw + 5.0 * maxw) + per_point * B + P);
  part[PF_FOOT_ENGINE] = engine * (G > 1 ? 2 : 1); /* the group scorer has its own */
  snprintf(fp->what[PF_FOOT_ENGINE], sizeof fp->what[0],
           "the engine's workspace for blocks of run.block = %d points", cfg->run.block);
  fp->hint[PF_FOOT_ENGINE] = "a smaller run.block";

  /* task.c: capacity (cap, d); the points object (X, A, B: d + 2 m nj per point); the final
   * copy (d per point) */
  const double cap = (double)cfg->points.initial + (double)cfg->train.cycles * per;
  const double nmax = !strcmp(cfg->sample.mode, "replace") && resamples
                          ? fmax((double)cfg->points.initial, per)
                          : cap;
  part[PF_FOOT_TRAIN] = D * (d * cap + (d + 2.0 * mo * nj + d) * nmax);
  snprintf(fp->what[PF_FOOT_TRAIN], sizeof fp->what[0],
           "the training set (up to points.initial + train.cycles x sample.per_cycle = %.0f "
           "points)",
           cap);
  fp->hint[PF_FOOT_TRAIN] = "fewer points.initial or train.cycles x sample.per_cycle";

  /* the grid of a computed reference (burgers, allen_cahn) or the random points; per point: X and
   * the reference (d + m), the points object (d + 2 m nj), residuals (nres), jets (m nj) */
  double nh = cfg->holdout.points;
  if (pde->grid) nh = (double)pde->grid_nx * (double)pde->grid_nt;
  part[PF_FOOT_HOLDOUT] = D * ((d + mo) + (d + 2.0 * mo * nj) + nres + mo * nj) * nh;
  snprintf(fp->what[PF_FOOT_HOLDOUT], sizeof fp->what[0], "the holdout set (%.0f points)", nh);
  fp->hint[PF_FOOT_HOLDOUT] = "fewer holdout.points";

  if (resamples) {
    double work =
        m->work_size ? (double)m->work_size(ops, (size_t)pool, (size_t)P, cfg->run.block) : 0;
    /* (work_size in size_t may wrap) */
    if (!strcmp(m->name, "loss_grad")) work = B * nres * (P + 1) + (nres > 1 ? P : 0);
    /* the pool (pool, d) and its scores, the points object; chosen and drawn (1 + d per point);
     * in groups the scorer's pool and scores again */
    part[PF_FOOT_POOL] = D * ((d + 1.0 + d + 2.0 * mo * nj) * pool + (1.0 + d) * per + work +
                              (G > 1 ? (d + 1.0) * pool + work : 0));
    snprintf(fp->what[PF_FOOT_POOL], sizeof fp->what[0],
             "the candidate pool (sample.pool = %.0f points) and the %s scratch", pool, m->name);
  }
  fp->hint[PF_FOOT_POOL] = "a smaller sample.pool";

  /* the kept rank: at most the Krylov dimension, P, or |Z| */
  double kept = rank;
  if (pinn && arnoldi) kept = fmin(rank, iters - 1);
  if (pinn && exact) kept = fmin(rank, P);
  if (pinn && !arnoldi && !exact) kept = fmin(rank, nres * Z);
  if (gd || pinn) {
    /* pf_influence_score: Z (Z, d), the points of Z; EZ (Z, k); EC (B, k); work: a block of
     * Jacobian rows B nres (P + 1), and with several residual components a block of per-point
     * gradients B P (pf_influence_embed_work); M (min(B, 256), Z). Groups allocate the embeddings
     * at the rank asked for. */
    const double k = gd ? P : (G > 1 ? rank : kept);
    const double mb = fmin(B, PF_INFLUENCE_SCORE_BLOCK);
    part[PF_FOOT_ZSET] = D *
                         ((d + d + 2.0 * mo * nj) * Z + Z * k + B * k + B * nres * (P + 1) +
                          (nres > 1 ? B * P : 0) + mb * Z) *
                         (G > 1 ? 2 : 1);
    if (gd)
      snprintf(fp->what[PF_FOOT_ZSET], sizeof fp->what[0],
               "the gradients of Z (influence.test_points x P = %.0f x %.0f doubles)", Z, P);
    else
      snprintf(fp->what[PF_FOOT_ZSET], sizeof fp->what[0],
               "the influence set Z (influence.test_points = %.0f) and its embeddings", Z);
  }
  fp->hint[PF_FOOT_ZSET] = "fewer influence.test_points";

  if (pinn) {
    /* pf_influence_factor_alloc: P x rank, whatever rank the backend keeps; a group holds the
     * factor twice (the leader's and the scorer's copy) */
    part[PF_FOOT_FACTOR] = D * (P * rank + rank) * (G > 1 ? 2 : 1);
    snprintf(fp->what[PF_FOOT_FACTOR], sizeof fp->what[0],
             "the influence factor (P x influence.rank = %.0f x %.0f doubles)", P, rank);
    if (arnoldi) {
      /* Q (iters + 1, P), h (iters + 1, iters), A and VR (m, m), Y (m, kept); groups: the
       * per-block terms (ceil(Z / B), P) and the direction on the leader */
      const double m2 = iters - 1;
      part[PF_FOOT_BACKEND] = D * ((iters + 1) * P + (iters + 1) * iters + 2 * m2 * m2 + m2 * kept +
                                   3 * m2 + (G > 1 ? ceil(Z / B) * P + P + 1 : 0));
      snprintf(fp->what[PF_FOOT_BACKEND], sizeof fp->what[0],
               "the Arnoldi basis ((influence.arnoldi_iters + 1) x P = %.0f x %.0f doubles)",
               iters + 1, P);
      fp->hint[PF_FOOT_BACKEND] = "fewer influence.arnoldi_iters";
    } else if (block) {
      /* Q (mb + b, P), W (b, P), T (mb, mb), C (b, mb + b), the m x m Rayleigh quotient, its
       * eigenvalues and dsyevd's workspace 1 + 6m + 2m^2, Y (m, kept); groups: the per-block
       * terms and the direction on the leader, as arnoldi */
      const double b = cfg->influence.block_size, mb = b * cfg->influence.block_iters;
      part[PF_FOOT_BACKEND] = D * ((mb + 2 * b) * P + 4 * mb * mb + b * (mb + b) + 10 * mb +
                                   mb * kept + (G > 1 ? ceil(Z / B) * P + P + 1 : 0));
      snprintf(fp->what[PF_FOOT_BACKEND], sizeof fp->what[0],
               "the block Krylov basis ((influence.block_size x (block_iters + 2)) x P = %.0f x "
               "%.0f doubles)",
               mb + 2 * b, P);
      fp->hint[PF_FOOT_BACKEND] = "a smaller influence.block_size or block_iters";
    } else if (exact) {
      /* H (P, P), w, idx, and dsyevd's workspace 1 + 6P + 2P^2 */
      part[PF_FOOT_BACKEND] = D * (3.0 * P * P + 9.0 * P);
      snprintf(fp->what[PF_FOOT_BACKEND], sizeof fp->what[0],
               "the dense Hessian and its eigensolver (3 x P x P = 3 x %.0f x %.0f doubles)", P, P);
      fp->hint[PF_FOOT_BACKEND] = "influence.backend = \"arnoldi\"";
    } else {
      /* J (Zr, P), K (Zr, Zr), mu, idx, U (Zr, kept), dsyevd's workspace 1 + 6Zr + 2Zr^2, with
       * Zr = nres Z rows (nres per point) */
      const double Zr = nres * Z;
      part[PF_FOOT_BACKEND] = D * (Zr * P + 3.0 * Zr * Zr + 8.0 * Zr + Zr * kept);
      snprintf(fp->what[PF_FOOT_BACKEND], sizeof fp->what[0],
               "the Jacobian over Z and its Gram matrix (Z x P + 3 x Z x Z doubles, Z = %.0f "
               "rows)",
               Zr);
      fp->hint[PF_FOOT_BACKEND] = "fewer influence.test_points";
    }
  }
  fp->hint[PF_FOOT_FACTOR] = "a smaller influence.rank (the backend keeps at most "
                             "influence.arnoldi_iters - 1 eigenpairs with arnoldi)";

  /* pf_sweep_run: spec, layout, store description, label and order per task; the store's copy of
   * the canonical texts and names */
  const double per_task = (double)sizeof(pf_task_spec) + (double)sizeof(pf_task_layout) +
                          (double)sizeof(pf_store_task) + 160 + 16 + PF_CONFIG_CANONICAL_MAX + 512;
  part[PF_FOOT_SWEEP] = (double)ntasks * per_task;
  snprintf(fp->what[PF_FOOT_SWEEP], sizeof fp->what[0], "the sweep's tables (%d tasks)", ntasks);
  fp->hint[PF_FOOT_SWEEP] = "fewer tasks (shorter lists)";

  part[PF_FOOT_RUNTIME] = (192.0 + 64.0 * cfg->run.blas_threads) * 1048576.0;
  snprintf(fp->what[PF_FOOT_RUNTIME], sizeof fp->what[0],
           "MPI, HDF5 and OpenBLAS buffers (run.blas_threads = %d)", cfg->run.blas_threads);
  fp->hint[PF_FOOT_RUNTIME] = "fewer run.blas_threads";

  fp->total = 0;
  fp->largest = 0;
  for (int i = 0; i < PF_FOOT_NPARTS; i++) {
    fp->total += part[i];
    if (part[i] > part[fp->largest]) fp->largest = i;
  }
  return PF_OK;
}

/* The number in the file at path, or 0 (unreadable, or "max"). */
static double read_limit(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) return 0;
  char line[128];
  double v = 0;
  if (fgets(line, sizeof line, f)) v = strtod(line, NULL);
  fclose(f);
  return v > 0 ? v : 0;
}

/* The memory limit of the process's cgroup (v2 memory.max, v1 memory.limit_in_bytes; the
 * process's own cgroup, else the root of the mount, as containers show it), 0 when none. */
static double cgroup_limit(void) {
  char line[512], paths[4][700];
  int n = 0;
  FILE *f = fopen("/proc/self/cgroup", "r");
  if (!f) return 0;
  while (fgets(line, sizeof line, f) && n < 2) {
    line[strcspn(line, "\n")] = '\0';
    if (!strncmp(line, "0::", 3))
      snprintf(paths[n++], sizeof paths[0], "/sys/fs/cgroup%s/memory.max", line + 3);
    const char *m = strstr(line, ":memory:");
    if (m)
      snprintf(paths[n++], sizeof paths[0], "/sys/fs/cgroup/memory%s/memory.limit_in_bytes", m + 8);
  }
  fclose(f);
  snprintf(paths[n++], sizeof paths[0], "/sys/fs/cgroup/memory.max");
  snprintf(paths[n++], sizeof paths[0], "/sys/fs/cgroup/memory/memory.limit_in_bytes");
  double v = 0;
  for (int i = 0; i < n; i++) { /* the tightest of the readable ones */
    const double w = read_limit(paths[i]);
    if (w > 0 && (v == 0 || w < v)) v = w;
  }
  return v;
}

int pf_memory_per_rank(MPI_Comm comm, double *bytes, char *basis, size_t len) {
  const char *env = getenv("PF_MEMORY_LIMIT_BYTES");
  double mine = 0;
  char text[256];
  int bad = 0;
  if (env && *env) {
    char *end = NULL;
    mine = strtod(env, &end);
    bad = !(end && !*end && isfinite(mine) && mine > 0);
    snprintf(text, sizeof text, "PF_MEMORY_LIMIT_BYTES");
  } else {
    MPI_Comm node;
    int nlocal = 1, rank = 0;
    PF_CALL_MPI(MPI_Comm_rank(comm, &rank));
    PF_CALL_MPI(MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node));
    PF_CALL_MPI(MPI_Comm_size(node, &nlocal));
    PF_CALL_MPI(MPI_Comm_free(&node));
    const long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
    const double phys = pages > 0 && psize > 0 ? (double)pages * (double)psize : 0;
    const double cg = cgroup_limit();
    char num[32];
    if (cg > 0 && (phys <= 0 || cg < phys)) {
      mine = cg / nlocal;
      pf_format_bytes(cg, num, sizeof num);
      snprintf(text, sizeof text, "the cgroup's memory limit of %s / %d rank%s on this node", num,
               nlocal, nlocal == 1 ? "" : "s");
    } else {
      mine = phys / nlocal;
      pf_format_bytes(phys, num, sizeof num);
      snprintf(text, sizeof text, "%s of physical memory / %d rank%s on this node", num, nlocal,
               nlocal == 1 ? "" : "s");
    }
    if (phys <= 0 && cg <= 0) mine = INFINITY; /* unknown: no check */
  }
  /* the same limit and text on every rank: the least, from the rank that has it */
  int anybad = 0, rank = 0;
  PF_CALL_MPI(MPI_Allreduce(&bad, &anybad, 1, MPI_INT, MPI_MAX, comm));
  if (anybad) {
    snprintf(basis, len,
             "PF_MEMORY_LIMIT_BYTES must be a positive number of bytes per rank, got \"%s\"",
             env ? env : "");
    return PF_ERR_CONFIG;
  }
  PF_CALL_MPI(MPI_Comm_rank(comm, &rank));
  struct {
    double v;
    int r;
  } in = {mine, rank}, out;
  PF_CALL_MPI(MPI_Allreduce(&in, &out, 1, MPI_DOUBLE_INT, MPI_MINLOC, comm));
  PF_CALL_MPI(MPI_Bcast(text, (int)sizeof text, MPI_CHAR, out.r, comm));
  *bytes = out.v;
  snprintf(basis, len, "%s", text);
  return PF_OK;
}

/* "2-64-64-64-1": the problem's inputs, the hidden widths, its outputs */
static void layers_text(const pf_config *c, char *buf, size_t len) {
  const pf_pde *p = pf_pde_find(c->pde);
  size_t used = (size_t)snprintf(buf, len, "%d", p ? pf_pde_dim(p) : 0);
  for (int l = 0; l < c->network.nhidden && used < len; l++)
    used += (size_t)snprintf(buf + used, len - used, "-%d", c->network.hidden[l]);
  if (used < len) snprintf(buf + used, len - used, "-%d", p ? pf_pde_outputs(p) : 0);
}

int pf_sweep_check_memory_limit(const pf_sweep *sweep, double limit, const char *basis, char *err,
                                size_t errlen) {
  const int T = pf_sweep_ntasks(sweep);
  const char *name = pf_sweep_name(sweep);
  for (int i = 0; i < T; i++) {
    pf_config c;
    pf_footprint fp;
    PF_CALL(pf_sweep_task(sweep, i, &c));
    PF_CALL(pf_task_footprint(&c, T, &fp));
    char label[256], net[128], task[512], need[32], big[32], avail[32];
    PF_CALL(pf_sweep_task_label(sweep, i, label, sizeof label));
    layers_text(&c, net, sizeof net);
    snprintf(task, sizeof task, "task %d (%.160s%snetwork %s, P = %zu)", i, label,
             label[0] ? ", " : "", net, fp.nparams);
    const int pinn = !strcmp(c.sample.method, "pinnfluence");
    if (pinn && !strcmp(c.influence.backend, "exact") &&
        fp.nparams > PF_INFLUENCE_EXACT_MAX_PARAMS) {
      snprintf(err, errlen,
               "%s: %s: influence.backend = \"exact\" forms the dense %zu x %zu Hessian; it is "
               "meant for networks of at most %d parameters; allowed: influence.backend = "
               "\"arnoldi\" or \"gauss_newton\", or a smaller network.hidden",
               name, task, fp.nparams, fp.nparams, PF_INFLUENCE_EXACT_MAX_PARAMS);
      return PF_ERR_CONFIG;
    }
    /* dsyevd's workspace of the Gram matrix of the Z x k rows (k residual components per
     * point), 1 + 6 Zk + 2 Zk^2, must be a 32-bit index */
    const pf_pde *pde = pf_pde_find(c.pde);
    const double nres = pde ? pde->ops.k : 1;
    const double z = nres * c.influence.test_points;
    if (pinn && !strcmp(c.influence.backend, "gauss_newton") && 1 + 6 * z + 2 * z * z > INT_MAX) {
      snprintf(err, errlen,
               "%s: %s: influence.test_points = %d is too many for the gauss_newton backend (the "
               "eigensolver of the Gram matrix of the %.0f Jacobian rows of Z needs more than 2^31 "
               "workspace entries); allowed: at most %.0f",
               name, task, c.influence.test_points, z, floor(32766 / nres));
      return PF_ERR_CONFIG;
    }
    if (!(fp.total > limit)) continue;
    pf_format_bytes(fp.total, need, sizeof need);
    pf_format_bytes(fp.part[fp.largest], big, sizeof big);
    pf_format_bytes(limit, avail, sizeof avail);
    snprintf(err, errlen,
             "%s: %s: needs about %s per rank, %s of it for %s; more than the %s available per "
             "rank (%s); try %s",
             name, task, need, big, fp.what[fp.largest], avail, basis, fp.hint[fp.largest]);
    return PF_ERR_CONFIG;
  }
  return PF_OK;
}

int pf_sweep_check_memory(const pf_ctx *ctx, const pf_sweep *sweep, char *err, size_t errlen) {
  double limit = 0;
  char basis[256];
  int rc = pf_memory_per_rank(ctx->comm, &limit, basis, sizeof basis);
  if (rc == PF_ERR_CONFIG) {
    snprintf(err, errlen, "%s", basis);
    return rc;
  }
  PF_CALL(rc);
  return pf_sweep_check_memory_limit(sweep, limit, basis, err, errlen);
}
