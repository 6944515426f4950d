/* The key table of the config module: every configuration key with its type, range, default and
 * documentation, in canonical order. Parsing, defaults, validation, the canonical text and the
 * help text are all driven by this one table, so adding a key is one line here and one field in
 * pf_config. */
#include "config_impl.h"

#include "pinnfluence/core.h"
#include "pinnfluence/pde.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(PF_CONFIG_MAX_HIDDEN == PF_PDE_MAX_HIDDEN, "config and pde disagree on layers");

/* The score methods of PAPER.md section 3. When the sample module grows a registry this list
 * should come from it; until then config is the one place that names them. */
static const char *const methods[] = {"static",    "random",   "rar",         "out_grad",
                                      "loss_grad", "grad_dot", "pinnfluence", NULL};
static const char *const modes[] = {"add", "replace", NULL};
static const char *const strategies[] = {"distribution", "top_k", NULL};
static const char *const constraint_kinds[] = {"hard", "soft", NULL};
static const char *const backends[] = {"arnoldi", "exact", "gauss_newton", "block_krylov", NULL};
/* run.blas_core: "native" (the machine's own choice) or one of OpenBLAS's x86-64 kernel sets (the
 * names OPENBLAS_CORETYPE takes; Debian's DYNAMIC_ARCH build has them all) */
static const char *const blas_cores[] = {"native",      "Prescott",  "Core2",     "Nehalem",
                                         "Sandybridge", "Haswell",   "SkylakeX",  "Cooperlake",
                                         "Zen",         "Barcelona", "Bulldozer", "Piledriver",
                                         "Steamroller", "Excavator", "Atom",      NULL};

#define KEY_INT(p, g, n, field, lo, hi, def, sw, d)                                                \
  {                                                                                                \
    .path = p, .group = g, .name = n, .type = PF_KEY_INT, .off = offsetof(pf_config, field),       \
    .imin = lo, .imax = hi, .idef = def, .sweepable = sw, .doc = d                                 \
  }
#define KEY_INT_PDE(p, g, n, field, lo, hi, kind, d)                                               \
  {                                                                                                \
    .path = p, .group = g, .name = n, .type = PF_KEY_INT, .off = offsetof(pf_config, field),       \
    .imin = lo, .imax = hi, .def_kind = kind, .sweepable = 1, .doc = d                             \
  }
#define KEY_FLOAT(p, g, n, field, lo, open, hi, def, d)                                            \
  {                                                                                                \
    .path = p, .group = g, .name = n, .type = PF_KEY_FLOAT, .off = offsetof(pf_config, field),     \
    .fmin = lo, .fmin_open = open, .fmax = hi, .fdef = def, .sweepable = 1, .doc = d               \
  }
#define KEY_FLOAT_PDE(p, g, n, field, lo, hi, d)                                                   \
  {                                                                                                \
    .path = p, .group = g, .name = n, .type = PF_KEY_FLOAT, .off = offsetof(pf_config, field),     \
    .fmin = lo, .fmax = hi, .def_kind = PF_DEF_PDE_MODE, .sweepable = 1, .doc = d                  \
  }
#define KEY_STR(p, g, n, field, ch, def, d)                                                        \
  {                                                                                                \
    .path = p, .group = g, .name = n, .type = PF_KEY_STRING, .off = offsetof(pf_config, field),    \
    .choices = ch, .sdef = def, .sweepable = 1, .doc = d                                           \
  }

/* keys added with issue 11 and block_krylov's: quiet (in a task's canonical text only when not at
 * the default) */
#define QKEY_INT(p, g, n, field, lo, hi, def, sw, d)                                               \
  {                                                                                                \
    .path = p, .group = g, .name = n, .type = PF_KEY_INT, .off = offsetof(pf_config, field),       \
    .imin = lo, .imax = hi, .idef = def, .sweepable = sw, .quiet = 1, .doc = d                     \
  }
#define QKEY_FLOAT(p, g, n, field, lo, open, hi, def, d)                                           \
  {                                                                                                \
    .path = p, .group = g, .name = n, .type = PF_KEY_FLOAT, .off = offsetof(pf_config, field),     \
    .fmin = lo, .fmin_open = open, .fmax = hi, .fdef = def, .sweepable = 1, .quiet = 1, .doc = d   \
  }
#define QKEY_TEXT(p, g, n, field, len, nm, d)                                                      \
  {                                                                                                \
    .path = p, .group = g, .name = n, .type = PF_KEY_STRING, .off = offsetof(pf_config, field),    \
    .slen = len, .free_text = !(nm), .names = nm, .sdef = "", .sweepable = 0, .quiet = 1, .doc = d \
  }

#define KEY_COEF(f, d)                                                                             \
  {                                                                                                \
    .path = "coefficients." #f, .group = "coefficients", .name = #f, .type = PF_KEY_FLOAT,         \
    .off = offsetof(pf_config, coefficients.f), .fmin = -DBL_MAX, .fmax = DBL_MAX,                 \
    .def_kind = PF_DEF_COEF, .sweepable = 1, .doc = d                                              \
  }

const pf_key pf_keys[] = {
    KEY_STR("pde", NULL, "pde", pde, NULL, "burgers",
            "the built-in problem (PAPER.md section 1), or problem = { ... } (below) instead"),
    KEY_INT("seed", NULL, "seed", seed, 0, 2147483647, 1, 1,
            "network initialisation and random holdout points"),
    /* the problems' coefficients (src/pde): a name the chosen problem does not have is an error */
    KEY_COEF(nu, "burgers: viscosity"),
    KEY_COEF(D, "diffusion, allen_cahn, drift_diffusion: diffusion coefficient"),
    KEY_COEF(k, "allen_cahn: reaction coefficient"),
    KEY_COEF(c, "wave: wave speed"),
    KEY_COEF(beta, "drift_diffusion: drift velocity"),
    KEY_COEF(alpha, "heat2d: diffusivity"),
    /* soft constraints, data and trainable coefficients (README "Soft constraints, data and
     * inverse problems"); trainable = { name = value; } is read by parse.c (any coefficient) */
    {.path = "constraints",
     .name = "constraints",
     .type = PF_KEY_STRING,
     .off = offsetof(pf_config, constraints),
     .choices = constraint_kinds,
     .sdef = "hard",
     .sweepable = 1,
     .quiet = 1,
     .doc = "hard: the problem's transforms u = A + B N; soft: u = N with its boundary and "
            "initial conditions as penalty terms"},
    QKEY_INT("boundary.points", "boundary", "points", boundary.points, 1, 1000000, 64, 1,
             "Hammersley points per face of each soft condition set (fixed during a task)"),
    QKEY_FLOAT("boundary.weight", "boundary", "weight", boundary.weight, 0.0, 1, 1e12, 1.0,
               "weight of each soft condition set"),
    QKEY_INT("data.reference", "data", "reference", data.reference, 0, 10000000, 0, 1,
             "observations drawn from the problem's reference (holdout) points; 0: none"),
    QKEY_FLOAT("data.noise", "data", "noise", data.noise, 0.0, 0, 100.0, 0.0,
               "noise of those: y = u + noise * rms(u) * N(0, 1), per output"),
    QKEY_INT("data.seed", "data", "seed", data.seed, 0, 2147483647, 0, 1,
             "the observations' random stream (every task of a study sees the same data)"),
    QKEY_FLOAT("data.weight", "data", "weight", data.weight, 0.0, 1, 1e12, 1.0,
               "weight of the data misfit"),
    QKEY_TEXT("data.outputs", "data", "outputs", data.outputs, PF_CONFIG_NAME_MAX, 1,
              "the observed outputs of reference data (default: every output)"),
    QKEY_TEXT("data.file", "data", "file", data.file, PF_CONFIG_PATH_MAX, 0,
              "observations: a CSV file (header: inputs, observed outputs) or an HDF5 file "
              "(datasets X, Y)"),
    QKEY_TEXT("data.file_hash", "data", "file_hash", data.file_hash, PF_CONFIG_NAME_MAX, 0,
              "XXH64 of data.file (written by pinnfluence into the task's configuration)"),
    {.path = "network.hidden",
     .group = "network",
     .name = "hidden",
     .type = PF_KEY_INTLIST,
     .off = offsetof(pf_config, network.hidden),
     .off_n = offsetof(pf_config, network.nhidden),
     .imin = 1,
     .imax = 4096,
     .def_kind = PF_DEF_PDE,
     .sweepable = 1,
     .doc = "hidden layer widths of the tanh MLP"},
    KEY_INT_PDE("points.initial", "points", "initial", points.initial, 1, 10000000, PF_DEF_PDE,
                "initial Hammersley training points"),
    KEY_INT("holdout.points", "holdout", "points", holdout.points, 1, 100000000, 10000, 1,
            "random holdout points (diffusion, wave, drift_diffusion, heat2d)"),
    KEY_INT("train.cycles", "train", "cycles", train.cycles, 1, 1000000, 100, 1,
            "cycles of resample + Adam + L-BFGS"),
    KEY_INT("train.adam_iters", "train", "adam_iters", train.adam_iters, 0, 100000000, 1000, 1,
            "Adam iterations per cycle"),
    KEY_FLOAT("train.adam_lr", "train", "adam_lr", train.adam_lr, 0.0, 1, 10.0, 1e-3,
              "Adam learning rate"),
    KEY_INT("train.lbfgs_iters", "train", "lbfgs_iters", train.lbfgs_iters, 0, 100000000, 1000, 1,
            "L-BFGS iterations per cycle"),
    KEY_INT("train.lbfgs_step", "train", "lbfgs_step", train.lbfgs_step, 1, 100000000, 100, 1,
            "L-BFGS iterations per step (a step of one iteration ends the cycle)"),
    KEY_INT("train.lbfgs_history", "train", "lbfgs_history", train.lbfgs_history, 1, 100000, 100, 1,
            "L-BFGS history size"),
    KEY_INT("train.lbfgs_max_eval", "train", "lbfgs_max_eval", train.lbfgs_max_eval, 1, 100000000,
            1250, 1, "function evaluations per L-BFGS step"),
    KEY_STR("sample.method", "sample", "method", sample.method, methods, "pinnfluence",
            "score method (PAPER.md section 3)"),
    KEY_STR("sample.mode", "sample", "mode", sample.mode, modes, "add",
            "drawn points join (add) or become (replace) the training set"),
    KEY_STR("sample.strategy", "sample", "strategy", sample.strategy, strategies, "distribution",
            "draw from the score distribution, or take the top scores"),
    KEY_INT("sample.pool", "sample", "pool", sample.pool, 1, 100000000, 10000, 1,
            "uniform candidates drawn each cycle"),
    KEY_INT_PDE("sample.per_cycle", "sample", "per_cycle", sample.per_cycle, 1, 100000000,
                PF_DEF_PDE_MODE, "points drawn from the pool each cycle"),
    KEY_FLOAT_PDE("sample.k", "sample", "k", sample.k, 0.0, 100.0,
                  "exponent of the scores, w = S^k / mean(S^k) + c"),
    KEY_FLOAT_PDE("sample.c", "sample", "c", sample.c, 0.0, 1e6, "offset added to the weights"),
    KEY_STR("influence.backend", "influence", "backend", influence.backend, backends, "arnoldi",
            "inverse-Hessian approximation"),
    KEY_INT("influence.test_points", "influence", "test_points", influence.test_points, 1, 10000000,
            1000, 1, "uniform points of the set Z"),
    KEY_INT("influence.arnoldi_iters", "influence", "arnoldi_iters", influence.arnoldi_iters, 2,
            100000, 200, 1, "most Arnoldi iterations"),
    KEY_FLOAT("influence.arnoldi_tol", "influence", "arnoldi_tol", influence.arnoldi_tol, 0.0, 0,
              DBL_MAX, 0.1, "stop Arnoldi when the new vector's norm falls below this"),
    KEY_FLOAT("influence.damping", "influence", "damping", influence.damping, 0.0, 0, DBL_MAX, 1e-3,
              "added to the Hessian's diagonal"),
    KEY_FLOAT("influence.eig_tol", "influence", "eig_tol", influence.eig_tol, 0.0, 0, DBL_MAX, 1e-4,
              "eigenvalues at or below this are dropped"),
    KEY_INT("influence.rank", "influence", "rank", influence.rank, 1, 100000, 50, 1,
            "eigenpairs kept (embedding dimension)"),
    QKEY_INT("influence.block_size", "influence", "block_size", influence.block_size, 1, 4096, 16,
             1, "block_krylov: Hessian-vector products per block"),
    QKEY_INT("influence.block_iters", "influence", "block_iters", influence.block_iters, 1, 100000,
             8, 1, "block_krylov: blocks (Krylov dimension block_size x block_iters)"),
    KEY_INT("run.ranks_per_task", "run", "ranks_per_task", run.ranks_per_task, 1, 65536, 1, 0,
            "MPI ranks per task group (whole run; not a sweep axis)"),
    {.path = "run.store_pool_scores",
     .group = "run",
     .name = "store_pool_scores",
     .type = PF_KEY_BOOL,
     .off = offsetof(pf_config, run.store_pool_scores),
     .imin = 0,
     .imax = 1,
     .idef = 0,
     .sweepable = 1,
     .doc = "store the last cycle's pool, Z set and scores"},
    KEY_INT("run.blas_threads", "run", "blas_threads", run.blas_threads, 1, 1024, 1, 0,
            "OpenBLAS threads per rank (whole run; not a sweep axis)"),
    KEY_INT("run.block", "run", "block", run.block, 1, 65536, 128, 1,
            "engine block size (points per block)"),
    KEY_INT("run.checkpoint_every", "run", "checkpoint_every", run.checkpoint_every, 0, 1000000, 1,
            0,
            "checkpoint a task into the store after every this many cycles (0: never; whole run)"),
    {.path = "run.blas_core",
     .group = "run",
     .name = "blas_core",
     .type = PF_KEY_STRING,
     .off = offsetof(pf_config, run.blas_core),
     .choices = blas_cores,
     .sdef = "native",
     .sweepable = 0,
     .doc = "OpenBLAS kernel set pinned on every rank (OPENBLAS_CORETYPE; whole run; native: the "
            "machine's own); the same kernel gives the same bits on every node type"},
    /* pinnfluence validate: read by validate only, never part of a task's canonical text */
    KEY_INT("validate.at_cycle", "validate", "at_cycle", validate.at_cycle, 0, 1000000, 1, 0,
            "validate: the state is the network after this cycle's training"),
    KEY_INT("validate.groups", "validate", "groups", validate.groups, 3, 1000000, 20, 0,
            "validate: groups of candidates (half by the method's distribution, half uniform)"),
    KEY_INT("validate.group_size", "validate", "group_size", validate.group_size, 0, 100000000, 0,
            0, "validate: points per group; 0: sample.per_cycle"),
    KEY_INT("validate.exact_max_params", "validate", "exact_max_params", validate.exact_max_params,
            0, 16384, 16384, 0, "validate: the exact backend only up to this many parameters"),
    KEY_INT("validate.bootstrap", "validate", "bootstrap", validate.bootstrap, 0, 1000000, 1000, 0,
            "validate: bootstrap resamples of the groups for the correlation intervals"),
    KEY_INT("validate.retrain.adam_iters", "validate.retrain", "adam_iters",
            validate.retrain.adam_iters, 0, 100000000, 500, 0,
            "validate: Adam iterations of every warm-started retraining"),
    KEY_INT("validate.retrain.lbfgs_iters", "validate.retrain", "lbfgs_iters",
            validate.retrain.lbfgs_iters, 0, 100000000, 500, 0,
            "validate: L-BFGS iterations of every warm-started retraining"),
};
const int pf_nkeys = (int)(sizeof pf_keys / sizeof pf_keys[0]);

int pf_key_find(const char *path) {
  for (int i = 0; i < pf_nkeys; i++)
    if (!strcmp(pf_keys[i].path, path)) return i;
  return -1;
}

int pf_key_find_in(const char *group, const char *name) {
  for (int i = 0; i < pf_nkeys; i++) {
    const pf_key *k = &pf_keys[i];
    if (!strcmp(k->name, name) && (group ? k->group && !strcmp(k->group, group) : !k->group))
      return i;
  }
  return -1;
}

int pf_key_is_group(const char *name) {
  for (int i = 0; i < pf_nkeys; i++)
    if (pf_keys[i].group && !strcmp(pf_keys[i].group, name)) return 1;
  return 0;
}

/* ------------------------------------------------------------------ values in pf_config */

void pf_key_get(const pf_key *k, const pf_config *cfg, pf_cfg_value *v) {
  const char *base = (const char *)cfg;
  memset(v, 0, sizeof *v);
  switch (k->type) {
  case PF_KEY_INT:
  case PF_KEY_BOOL:
    v->i = *(const int *)(base + k->off);
    break;
  case PF_KEY_FLOAT:
    v->f = *(const double *)(base + k->off);
    break;
  case PF_KEY_STRING:
    memcpy(v->s, base + k->off, pf_key_slen(k));
    break;
  case PF_KEY_INTLIST:
    v->n = *(const int *)(base + k->off_n);
    if (v->n < 0 || v->n > PF_CONFIG_MAX_HIDDEN) break; /* reported by the range check */
    memcpy(v->l, base + k->off, (size_t)v->n * sizeof(int));
    break;
  }
}

void pf_key_put(const pf_key *k, const pf_cfg_value *v, pf_config *cfg) {
  char *base = (char *)cfg;
  switch (k->type) {
  case PF_KEY_INT:
  case PF_KEY_BOOL:
    *(int *)(base + k->off) = (int)v->i;
    break;
  case PF_KEY_FLOAT:
    *(double *)(base + k->off) = v->f;
    break;
  case PF_KEY_STRING:
    memset(base + k->off, 0, pf_key_slen(k));
    memcpy(base + k->off, v->s, strnlen(v->s, pf_key_slen(k) - 1));
    break;
  case PF_KEY_INTLIST:
    *(int *)(base + k->off_n) = v->n;
    memset(base + k->off, 0, PF_CONFIG_MAX_HIDDEN * sizeof(int));
    memcpy(base + k->off, v->l, (size_t)v->n * sizeof(int));
    break;
  }
}

void pf_key_default(const pf_key *k, pf_cfg_value *v) {
  memset(v, 0, sizeof *v);
  v->i = k->idef;
  v->f = k->fdef;
  if (k->sdef) snprintf(v->s, sizeof v->s, "%s", k->sdef);
}

/* PAPER.md section 3: points per cycle, k and c by mode; replace draws the problem's initial
 * number of points, add 1 % of them (at least one): diffusion (30 points) 30 and 1, the others
 * (1000) 1000 and 10 -- also for a problem written in the configuration. */
static void mode_defaults(const pf_pde *p, const char *mode, int *per_cycle, double *k, double *c) {
  if (!strcmp(mode, "replace")) {
    *per_cycle = p->initial_points;
    *k = 1.0;
    *c = 1.0;
  } else {
    *per_cycle = p->initial_points / 100 > 1 ? p->initial_points / 100 : 1;
    *k = 2.0;
    *c = 0.0;
  }
}

int pf_config_resolve_defaults(pf_config *cfg, const int *isset) {
  const pf_pde *p = pf_pde_find(cfg->pde);
  PF_CHECK(p, PF_ERR_ARG, "unknown pde \"%.*s\"", PF_CONFIG_NAME_MAX, cfg->pde);
  int per_cycle;
  double k, c;
  mode_defaults(p, cfg->sample.mode, &per_cycle, &k, &c);
  for (int i = 0; i < pf_nkeys; i++) {
    const pf_key *key = &pf_keys[i];
    if (key->def_kind == PF_DEF_FIXED || (isset && isset[i])) continue;
    void *field = (char *)cfg + key->off;
    if (key->def_kind == PF_DEF_COEF) {
      const int j = pf_pde_coef_index(p, key->name);
      *(double *)field = j >= 0 ? pf_pde_coefficients(p)[j] : NAN;
    } else if (!strcmp(key->path, "network.hidden")) {
      cfg->network.nhidden = p->nhidden;
      memset(cfg->network.hidden, 0, sizeof cfg->network.hidden);
      memcpy(cfg->network.hidden, p->hidden, (size_t)p->nhidden * sizeof(int));
    } else if (!strcmp(key->path, "points.initial")) {
      *(int *)field = p->initial_points;
    } else if (!strcmp(key->path, "sample.per_cycle")) {
      *(int *)field = per_cycle;
    } else if (!strcmp(key->path, "sample.k")) {
      *(double *)field = k;
    } else if (!strcmp(key->path, "sample.c")) {
      *(double *)field = c;
    } else {
      PF_RAISE(PF_ERR_INTERNAL, "no per-problem default for %s", key->path);
    }
  }
  return PF_OK;
}

/* ------------------------------------------------------------------ allowed values */

static int string_allowed(const pf_key *k, const char *s) {
  if (k->free_text || k->names) return strlen(s) < pf_key_slen(k);
  if (!k->choices) return pf_pde_find(s) != NULL;
  for (const char *const *c = k->choices; *c; c++)
    if (!strcmp(*c, s)) return 1;
  return 0;
}

void pf_format_double(double x, char *buf, size_t len) {
  snprintf(buf, len, "%.17g", x);
  if (!strpbrk(buf, ".eEin") && strlen(buf) + 3 <= len) strcat(buf, ".0");
}

void pf_key_allowed(const pf_key *k, char *buf, size_t len) {
  char lo[40], hi[40];
  switch (k->type) {
  case PF_KEY_INT:
    snprintf(buf, len, "an integer in %lld .. %lld", k->imin, k->imax);
    break;
  case PF_KEY_BOOL:
    snprintf(buf, len, "true or false");
    break;
  case PF_KEY_FLOAT:
    if (k->def_kind == PF_DEF_COEF) {
      snprintf(buf, len, "a number in the problem's range (pinnfluence run --help-config)");
      break;
    }
    pf_format_double(k->fmin, lo, sizeof lo);
    pf_format_double(k->fmax, hi, sizeof hi);
    if (k->fmax == DBL_MAX)
      snprintf(buf, len, "a number %s %s", k->fmin_open ? ">" : ">=", lo);
    else
      snprintf(buf, len, "a number with %s %s value <= %s", lo, k->fmin_open ? "<" : "<=", hi);
    break;
  case PF_KEY_STRING:
    if (k->names) {
      snprintf(buf, len, "an array of the problem's output names, e.g. [\"u\"]");
    } else if (k->free_text) {
      snprintf(buf, len, "a string of at most %zu characters", pf_key_slen(k) - 1);
    } else if (!k->choices) {
      char names[256];
      pf_pde_names(names, sizeof names);
      snprintf(buf, len, "one of %s", names);
    } else {
      size_t used = (size_t)snprintf(buf, len, "one of ");
      for (const char *const *c = k->choices; *c && used < len; c++)
        used += (size_t)snprintf(buf + used, len - used, "%s%s", c == k->choices ? "" : ", ", *c);
    }
    break;
  case PF_KEY_INTLIST:
    snprintf(buf, len, "an array of 1 to %d layer widths, each an integer in %lld .. %lld",
             PF_CONFIG_MAX_HIDDEN, k->imin, k->imax);
    break;
  }
}

int pf_key_check_value(const pf_key *k, const pf_cfg_value *v, char *msg, size_t len) {
  char allowed[256], num[40];
  pf_key_allowed(k, allowed, sizeof allowed);
  switch (k->type) {
  case PF_KEY_INT:
  case PF_KEY_BOOL:
    if (v->i < k->imin || v->i > k->imax) {
      snprintf(msg, len, "%lld is out of range; allowed: %s", v->i, allowed);
      return 1;
    }
    return 0;
  case PF_KEY_FLOAT:
    if (k->def_kind == PF_DEF_COEF && isnan(v->f)) return 0; /* not the problem's: see cross */
    pf_format_double(v->f, num, sizeof num);
    if (!isfinite(v->f)) {
      snprintf(msg, len, "%s is not a finite number; allowed: %s", num, allowed);
      return 1;
    }
    if (v->f < k->fmin || (k->fmin_open && v->f == k->fmin) || v->f > k->fmax) {
      snprintf(msg, len, "%s is out of range; allowed: %s", num, allowed);
      return 1;
    }
    return 0;
  case PF_KEY_STRING:
    if (!memchr(v->s, '\0', sizeof v->s) || !string_allowed(k, v->s)) {
      snprintf(msg, len, "\"%.*s\" is not %s", 64, v->s, allowed);
      return 1;
    }
    return 0;
  case PF_KEY_INTLIST:
    if (v->n < 1 || v->n > PF_CONFIG_MAX_HIDDEN) {
      snprintf(msg, len, "%d layers; allowed: %s", v->n, allowed);
      return 1;
    }
    for (int j = 0; j < v->n; j++)
      if (v->l[j] < k->imin || v->l[j] > k->imax) {
        snprintf(msg, len, "width %d of layer %d is out of range; allowed: %s", v->l[j], j,
                 allowed);
        return 1;
      }
    return 0;
  }
  return 0;
}

int pf_key_string_allowed(const pf_key *k, const char *s) {
  return string_allowed(k, s);
}

/* The coefficients: the problem's own within their ranges, no other (NaN: not given). */
static int check_coefficients(const pf_config *cfg, int *blame, char *msg, size_t len) {
  const pf_pde *p = pf_pde_find(cfg->pde);
  if (!p) return 0; /* the pde key's own check reports it */
  for (int i = 0; i < pf_nkeys; i++) {
    const pf_key *k = &pf_keys[i];
    if (k->def_kind != PF_DEF_COEF) continue;
    const double v = *(const double *)((const char *)cfg + k->off);
    const int j = pf_pde_coef_index(p, k->name);
    char num[40];
    pf_format_double(v, num, sizeof num);
    if (j < 0 && !isnan(v)) {
      size_t used = (size_t)snprintf(
          msg, len, "%s has no coefficient %s; its coefficients: ", p->name, k->name);
      for (int c = 0; c < p->ncoef && used < len; c++)
        used += (size_t)snprintf(msg + used, len - used, "%s%s (%s)", c ? ", " : "",
                                 p->coef[c].name, p->coef[c].doc);
      if (!p->ncoef && used < len) snprintf(msg + used, len - used, "none");
      *blame = i;
      return 1;
    }
    if (j >= 0 && !(v >= p->coef[j].lo && v <= p->coef[j].hi)) {
      snprintf(msg, len, "%s is out of range for %s; allowed: %g .. %g (%s)", num, p->name,
               p->coef[j].lo, p->coef[j].hi, p->coef[j].doc);
      *blame = i;
      return 1;
    }
  }
  return 0;
}

/* data: one source; noise and outputs belong to reference data; the outputs are the problem's;
 * no more reference observations than holdout points. */
static int check_data(const pf_config *cfg, int *blame, char *msg, size_t len) {
  const pf_pde *p = pf_pde_find(cfg->pde);
  if (!p) return 0;
  if (cfg->data.reference > 0 && cfg->data.file[0]) {
    *blame = pf_key_find("data.file");
    snprintf(msg, len,
             "both data.file and data.reference (%d) are set; allowed: one source of "
             "observations",
             cfg->data.reference);
    return 1;
  }
  if (cfg->data.noise != 0 && cfg->data.reference == 0) {
    *blame = pf_key_find("data.noise");
    snprintf(msg, len,
             "noise without data.reference; allowed: noise only for observations drawn "
             "from the reference (a file's values are used as they are)");
    return 1;
  }
  if (cfg->data.outputs[0] && cfg->data.reference == 0) {
    *blame = pf_key_find("data.outputs");
    snprintf(msg, len,
             "outputs without data.reference; allowed: outputs only for reference data "
             "(a file's header names its outputs)");
    return 1;
  }
  int seen[PF_MAX_OUT] = {0};
  for (const char *q = cfg->data.outputs; *q;) {
    const size_t l = strcspn(q, ",");
    int o = -1;
    for (int j = 0; j < p->ops.m; j++)
      if (strlen(p->outputs[j]) == l && !strncmp(p->outputs[j], q, l)) o = j;
    if (o < 0 || seen[o]) {
      char names[128];
      size_t used = 0;
      names[0] = '\0';
      for (int j = 0; j < p->ops.m && used < sizeof names; j++)
        used += (size_t)snprintf(names + used, sizeof names - used, "%s%s", j ? ", " : "",
                                 p->outputs[j]);
      *blame = pf_key_find("data.outputs");
      snprintf(msg, len, "\"%.*s\" %s; allowed: distinct outputs of %s (%s)", (int)l, q,
               o < 0 ? "is not an output" : "appears twice", p->name, names);
      return 1;
    }
    seen[o] = 1;
    q += l + (q[l] == ',');
  }
  const long long avail =
      p->grid ? (long long)p->grid_nx * (long long)p->grid_nt : (long long)cfg->holdout.points;
  if (cfg->data.reference > avail) {
    *blame = pf_key_find("data.reference");
    snprintf(msg, len,
             "%d observations but the reference (holdout) set of %s has %lld points; allowed: at "
             "most %lld (distinct points)",
             cfg->data.reference, p->name, avail, avail);
    return 1;
  }
  return 0;
}

int pf_config_check_trainable(const pf_config *cfg, int *which, char *msg, size_t len) {
  const pf_pde *p = pf_pde_find(cfg->pde);
  if (!p) return 0;
  for (int j = 0; j < cfg->trainable.n; j++) {
    *which = j;
    const int c = pf_pde_coef_index(p, cfg->trainable.name[j]);
    for (int i = 0; i < j; i++)
      if (!strcmp(cfg->trainable.name[i], cfg->trainable.name[j])) {
        snprintf(msg, len, "%s is trainable twice; allowed: each coefficient once",
                 cfg->trainable.name[j]);
        return 1;
      }
    if (!p->residual_coef) {
      snprintf(msg, len,
               "%s is a built-in problem: trainable coefficients need the problem written in the "
               "configuration (configs/problems/%s.cfg)",
               p->name, p->name);
      return 1;
    }
    if (c < 0) {
      size_t used = (size_t)snprintf(msg, len, "%s has no coefficient %s; allowed: ", p->name,
                                     cfg->trainable.name[j]);
      for (int i = 0; i < p->ncoef && used < len; i++)
        used += (size_t)snprintf(msg + used, len - used, "%s%s", i ? ", " : "", p->coef[i].name);
      if (!p->ncoef && used < len) snprintf(msg + used, len - used, "none (it has none)");
      return 1;
    }
    if (p->coef_in_transform[c]) {
      snprintf(msg, len,
               "%s enters a constraint (A, B or a soft condition's value) of %s, which is "
               "computed once per point set; allowed: coefficients of the residuals only",
               cfg->trainable.name[j], p->name);
      return 1;
    }
  }
  return 0;
}

int pf_config_check_cross(const pf_config *cfg, int *blame, char *msg, size_t len) {
  if (check_coefficients(cfg, blame, msg, len)) return 1;
  if (check_data(cfg, blame, msg, len)) return 1;
  /* Points are drawn from the pool without replacement. */
  if (cfg->sample.per_cycle > cfg->sample.pool) {
    *blame = pf_key_find("sample.per_cycle");
    snprintf(msg, len,
             "sample.per_cycle (%d) exceeds sample.pool (%d); points are drawn from the pool "
             "without replacement",
             cfg->sample.per_cycle, cfg->sample.pool);
    return 1;
  }
  return 0;
}

int pf_config_fail(char *err, size_t errlen, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (err && errlen) {
    snprintf(err, errlen, "%s", msg);
    return PF_ERR_CONFIG;
  }
  return pf_error(PF_ERR_CONFIG, __FILE__, __LINE__, __func__, "%s", msg);
}

double pf_config_coefficient(const pf_config *cfg, const char *name) {
  for (int i = 0; i < pf_nkeys; i++)
    if (pf_keys[i].def_kind == PF_DEF_COEF && !strcmp(pf_keys[i].name, name))
      return *(const double *)((const char *)cfg + pf_keys[i].off);
  return NAN;
}

/* ------------------------------------------------------------------ single configurations */

int pf_config_default(const char *pde, const char *mode, pf_config *cfg) {
  PF_CHECK(pde && pf_pde_find(pde), PF_ERR_ARG, "unknown pde \"%s\"", pde ? pde : "(null)");
  PF_CHECK(mode && (!strcmp(mode, "add") || !strcmp(mode, "replace")), PF_ERR_ARG,
           "unknown sample mode \"%s\" (add or replace)", mode ? mode : "(null)");
  memset(cfg, 0, sizeof *cfg);
  for (int i = 0; i < pf_nkeys; i++) {
    if (pf_keys[i].def_kind != PF_DEF_FIXED) continue;
    pf_cfg_value v;
    pf_key_default(&pf_keys[i], &v);
    pf_key_put(&pf_keys[i], &v, cfg);
  }
  snprintf(cfg->pde, sizeof cfg->pde, "%s", pde);
  snprintf(cfg->sample.mode, sizeof cfg->sample.mode, "%s", mode);
  PF_CALL(pf_config_resolve_defaults(cfg, NULL));
  return PF_OK;
}

int pf_config_validate(const pf_config *cfg, char *err, size_t errlen) {
  char msg[512];
  for (int i = 0; i < pf_nkeys; i++) {
    pf_cfg_value v;
    pf_key_get(&pf_keys[i], cfg, &v);
    if (pf_key_check_value(&pf_keys[i], &v, msg, sizeof msg))
      return pf_config_fail(err, errlen, "%s: %s", pf_keys[i].path, msg);
  }
  int blame = 0;
  if (pf_config_check_cross(cfg, &blame, msg, sizeof msg))
    return pf_config_fail(err, errlen, "%s: %s", pf_keys[blame].path, msg);
  return PF_OK;
}

/* ------------------------------------------------------------------ help */

static void value_text(const pf_key *k, const pf_cfg_value *v, char *buf, size_t len) {
  pf_sbuf sb = {.buf = buf, .cap = len, .fixed = 1};
  buf[0] = '\0';
  pf_sbuf_value(&sb, k, v);
}

void pf_config_print_help(FILE *out) {
  fprintf(out, "Configuration keys (libconfig syntax; groups as `train = { cycles = 3; };`).\n"
               "Any key may be a list to sweep over it (`seed = [1, 2];`, network.hidden as a "
               "list of arrays);\n"
               "tasks are the Cartesian product of the lists in this order, the last varying "
               "fastest.\n"
               "Override any key with --set key=value (libconfig syntax; a bare word is a "
               "string).\n"
               "A configuration must set at least one key; a key may appear once per group; "
               "integers must fit\n"
               "32 bits (libconfig wraps larger ones, so they are refused). A task whose "
               "estimated memory exceeds\n"
               "a rank's share of the node (physical memory or cgroup limit / ranks on the node; "
               "the variable\n"
               "PF_MEMORY_LIMIT_BYTES, bytes per rank, replaces it) is refused before any "
               "work.\n\n");
  fprintf(out, "%-24s %-8s %-16s %s\n", "key", "type", "default", "allowed");
  static const char *const tnames[] = {"int", "float", "string", "bool", "int list"};
  for (int i = 0; i < pf_nkeys; i++) {
    const pf_key *k = &pf_keys[i];
    char def[128], allowed[256];
    if (k->def_kind == PF_DEF_PDE || k->def_kind == PF_DEF_COEF)
      snprintf(def, sizeof def, "per pde");
    else if (k->def_kind == PF_DEF_PDE_MODE)
      snprintf(def, sizeof def, "per pde, mode");
    else if (k->type == PF_KEY_FLOAT)
      snprintf(def, sizeof def, "%g", k->fdef); /* for people: 0.1, not 0.10000000000000001 */
    else {
      pf_cfg_value v;
      pf_key_default(k, &v);
      value_text(k, &v, def, sizeof def);
    }
    pf_key_allowed(k, allowed, sizeof allowed);
    fprintf(out, "%-24s %-8s %-16s %s%s\n", k->path, tnames[k->type], def, allowed,
            k->sweepable ? "" : " (not a list)");
    fprintf(out, "%-24s   %s\n", "", k->doc);
  }
  fprintf(out, "\nDefaults per problem and mode (PAPER.md sections 2-3):\n");
  fprintf(out, "%-16s %-26s %-15s %-20s %s\n", "pde", "network.hidden", "points.initial",
          "add: per_cycle,k,c", "replace: per_cycle,k,c");
  for (int p = 0; p < pf_pde_count(); p++) {
    pf_config a, r;
    const pf_pde *pde = pf_pde_at(p);
    if (pf_config_default(pde->name, "add", &a) || pf_config_default(pde->name, "replace", &r))
      continue;
    char hidden[128], ka[40], ca[40], kr[40], cr[40], add[96], rep[96];
    pf_cfg_value v;
    const pf_key *kh = &pf_keys[pf_key_find("network.hidden")];
    pf_key_get(kh, &a, &v);
    value_text(kh, &v, hidden, sizeof hidden);
    pf_format_double(a.sample.k, ka, sizeof ka);
    pf_format_double(a.sample.c, ca, sizeof ca);
    pf_format_double(r.sample.k, kr, sizeof kr);
    pf_format_double(r.sample.c, cr, sizeof cr);
    snprintf(add, sizeof add, "%d, %s, %s", a.sample.per_cycle, ka, ca);
    snprintf(rep, sizeof rep, "%d, %s, %s", r.sample.per_cycle, kr, cr);
    fprintf(out, "%-16s %-26s %-15d %-20s %s\n", pde->name, hidden, a.points.initial, add, rep);
  }
  fprintf(out,
          "\nCoefficients per problem (coefficients = { name = value; }; any may be a list):\n");
  fprintf(out, "%-16s %-6s %-24s %-22s %s\n", "pde", "name", "default (the paper's)", "allowed",
          "meaning");
  for (int p = 0; p < pf_pde_count(); p++) {
    const pf_pde *pde = pf_pde_at(p);
    for (int j = 0; j < pde->ncoef; j++) {
      char def[40], range[64];
      pf_format_double(pf_pde_coefficients(pde)[j], def, sizeof def);
      snprintf(range, sizeof range, "%g .. %g", pde->coef[j].lo, pde->coef[j].hi);
      fprintf(out, "%-16s %-6s %-24s %-22s %s\n", pde->name, pde->coef[j].name, def, range,
              pde->coef[j].doc);
    }
  }
  fprintf(
      out,
      "\nA problem written in the configuration (instead of pde = \"name\"; README \"Problems in "
      "the\nconfiguration\", examples in configs/problems/):\n"
      "  problem = {\n"
      "    name = \"burgers_cfg\";                   # letters, digits, _; not a built-in's name\n"
      "    inputs = [\"x\", \"t\"];                    # 1..4 one-letter names; t: time (last)\n"
      "    domain = ([-1.0, 1.0], [0.0, 1.0]);     # [lo, hi] per input\n"
      "    outputs = [\"u\"];                        # 1..4 names without _\n"
      "    coefficients = { nu = \"0.01/pi\"; };     # numbers or constant formulas\n"
      "    residuals = [\"u_t + u*u_x - nu*u_xx\"];  # 1..4; loss sum_j w_j mean r_j^2\n"
      "    weights = [1.0];                        # optional, one per residual\n"
      "    constraints = ({ A = \"-sin(pi*x)\"; B = \"(1 - x^2)*t\"; });  # u = A + B N, per "
      "output\n"
      "    grid = \"burgers\";                       # or reference = [\"closed form\", ...]\n"
      "    hidden = [32, 32, 32];                  # optional default network (32, 32, 32)\n"
      "    initial_points = 1000;                  # optional default points.initial (1000)\n"
      "  };\n"
      "Formulas: numbers, pi, the inputs, the coefficients, the outputs and their partial "
      "derivatives\nof order <= 2 (u, u_x, u_xt, u_tt; residuals only), + - * / ^ (right "
      "associative), sin cos exp\nlog tanh sqrt abs pow(a, b). Their derivatives are derived "
      "exactly (symbolically). B must vanish\non every face of the box but t = hi (checked at "
      "sample points). The whole problem is part of each\ntask's canonical configuration, so a "
      "results file describes it completely.\n");
  fprintf(
      out,
      "\nSoft conditions in a problem: an output's constraint may be a list of conditions instead "
      "of A and B\n(that output is unconstrained, u = N; the conditions become penalty terms):\n"
      "    constraints = ({ soft = ( { face = \"x=lo\"; value = \"0\"; },\n"
      "                              { face = \"t=lo\"; value = \"-sin(pi*x)\"; },\n"
      "                              { face = \"t=lo\"; derivative = \"t\"; value = \"0\"; } ); "
      "});\n"
      "  face: \"<input>=lo\" or \"<input>=hi\"; value: a formula of the inputs and coefficients;\n"
      "  derivative (optional): one input name, the condition is on that first derivative.\n"
      "\nSoft constraints, data and inverse problems (README \"Soft constraints, data and inverse "
      "problems\"):\n"
      "  constraints = \"soft\";          # every hard transform removed, its conditions "
      "penalised\n"
      "  boundary = { points = 64; weight = 1.0; };  # points per face, weight of each condition "
      "set\n"
      "  data = { reference = 200; noise = 0.01; seed = 0; weight = 1.0; outputs = [\"u\"]; };\n"
      "      observations from the reference (the holdout set of data.seed), y = u + noise *\n"
      "      rms(u) * N(0, 1), the same for every task of a study; or\n"
      "  data = { file = \"obs.csv\"; weight = 1.0; };  # CSV: a header (inputs and observed "
      "outputs), rows\n"
      "  data = { file = \"obs.h5\"; };  # HDF5 (the signature, or a name ending in .h5 or "
      ".hdf5): dataset X\n"
      "      (n, d) float64, the inputs in order (optional string attribute inputs = \"x,t\"); "
      "dataset Y\n"
      "      (n, nobs) float64 with a string attribute outputs = \"u\" or \"u,v\" naming its "
      "columns\n"
      "  trainable = { nu = \"5*0.01/pi\"; };  # coefficient = initial guess, learned with the "
      "network\n"
      "      (problems written in the configuration; not a coefficient of A, B or a soft value)\n"
      "  The problem's own coefficient value stays the truth (reference and data). These keys "
      "enter a\n  task's canonical text only when they differ from their defaults; data.file_hash "
      "(XXH64 of\n  the file) is written there by pinnfluence.\n");
}

/* ------------------------------------------------------------------ string builder */

void pf_sbuf_printf(pf_sbuf *sb, const char *fmt, ...) {
  if (sb->overflow || sb->nomem || !fmt) return;
  for (;;) {
    size_t avail = sb->cap - sb->len;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(sb->buf ? sb->buf + sb->len : NULL, avail, fmt, ap);
    va_end(ap);
    if (k < 0) {
      sb->overflow = 1;
      return;
    }
    if ((size_t)k < avail) {
      sb->len += (size_t)k;
      return;
    }
    if (sb->fixed) {
      sb->overflow = 1;
      return;
    }
    size_t ncap = 2 * (sb->cap + (size_t)k + 1);
    char *nb = realloc(sb->buf, ncap);
    if (!nb) {
      sb->nomem = 1;
      return;
    }
    sb->buf = nb;
    sb->cap = ncap;
  }
}

void pf_sbuf_value(pf_sbuf *sb, const pf_key *k, const pf_cfg_value *v) {
  char num[40];
  switch (k->type) {
  case PF_KEY_INT:
    pf_sbuf_printf(sb, "%lld", v->i);
    break;
  case PF_KEY_BOOL:
    pf_sbuf_printf(sb, "%s", v->i ? "true" : "false");
    break;
  case PF_KEY_FLOAT:
    pf_format_double(v->f, num, sizeof num);
    pf_sbuf_printf(sb, "%s", num);
    break;
  case PF_KEY_STRING:
    if (k->names) { /* "u,v" is written ["u", "v"] */
      pf_sbuf_printf(sb, "[");
      for (const char *p = v->s; *p;) {
        const size_t l = strcspn(p, ",");
        pf_sbuf_printf(sb, "%s\"%.*s\"", p == v->s ? "" : ", ", (int)l, p);
        p += l + (p[l] == ',');
      }
      pf_sbuf_printf(sb, "]");
      break;
    }
    pf_sbuf_printf(sb, "\"%.*s\"", (int)pf_key_slen(k), v->s);
    break;
  case PF_KEY_INTLIST:
    pf_sbuf_printf(sb, "[");
    for (int j = 0; j < v->n; j++) pf_sbuf_printf(sb, "%s%d", j ? ", " : "", v->l[j]);
    pf_sbuf_printf(sb, "]");
    break;
  }
}
