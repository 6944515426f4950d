/* Defaults: fixed ones as DESIGN.md section 6, per-problem ones from the pde registry
 * (PAPER.md section 2), per-problem-and-mode ones from PAPER.md section 3, resolved per task after
 * pde and mode are known; a key the user set always wins. */
#include "pf_test.h"
#include "pinnfluence/config.h"
#include "pinnfluence/core.h"
#include "pinnfluence/pde.h"

#include <stdlib.h>
#include <string.h>

/* Expected per-mode values, written out from PAPER.md section 3 (not from the code). */
static void expect_mode(const pf_config *c, const char *what) {
  int diff = !strcmp(c->pde, "diffusion"), rep = !strcmp(c->sample.mode, "replace");
  int pc = rep ? (diff ? 30 : 1000) : (diff ? 1 : 10);
  PF_TEST_EXPECT(c->sample.per_cycle == pc, "%s: per_cycle %d, want %d", what, c->sample.per_cycle,
                 pc);
  PF_TEST_EXPECT(c->sample.k == (rep ? 1.0 : 2.0), "%s: k %g", what, c->sample.k);
  PF_TEST_EXPECT(c->sample.c == (rep ? 1.0 : 0.0), "%s: c %g", what, c->sample.c);
}

/* Paper network sizes and initial points (PAPER.md section 2), independent of the registry. */
static void expect_pde(const pf_config *c, const char *what) {
  int w = 32, n = 3, init = 1000;
  if (!strcmp(c->pde, "allen_cahn") || !strcmp(c->pde, "drift_diffusion")) w = 64;
  if (!strcmp(c->pde, "wave")) w = 100, n = 5;
  if (!strcmp(c->pde, "diffusion")) init = 30;
  PF_TEST_EXPECT(c->network.nhidden == n, "%s: %d layers, want %d", what, c->network.nhidden, n);
  for (int j = 0; j < c->network.nhidden && j < PF_CONFIG_MAX_HIDDEN; j++)
    PF_TEST_EXPECT(c->network.hidden[j] == w, "%s: width %d", what, c->network.hidden[j]);
  PF_TEST_EXPECT(c->points.initial == init, "%s: initial %d, want %d", what, c->points.initial,
                 init);
}

static void expect_fixed(const pf_config *c, const char *what) {
  PF_TEST_EXPECT(c->seed == 1, "%s: seed", what);
  PF_TEST_EXPECT(c->holdout.points == 10000, "%s: holdout", what);
  PF_TEST_EXPECT(c->train.cycles == 100 && c->train.adam_iters == 1000 && c->train.adam_lr == 1e-3,
                 "%s: train", what);
  PF_TEST_EXPECT(c->train.lbfgs_iters == 1000 && c->train.lbfgs_step == 100 &&
                     c->train.lbfgs_history == 100 && c->train.lbfgs_max_eval == 1250,
                 "%s: lbfgs", what);
  PF_TEST_EXPECT(!strcmp(c->sample.method, "pinnfluence"), "%s: method", what);
  PF_TEST_EXPECT(!strcmp(c->sample.strategy, "distribution"), "%s: strategy", what);
  PF_TEST_EXPECT(c->sample.pool == 10000, "%s: pool", what);
  PF_TEST_EXPECT(!strcmp(c->influence.backend, "arnoldi"), "%s: backend", what);
  PF_TEST_EXPECT(c->influence.test_points == 1000 && c->influence.arnoldi_iters == 200 &&
                     c->influence.arnoldi_tol == 0.1 && c->influence.damping == 1e-3 &&
                     c->influence.eig_tol == 1e-4 && c->influence.rank == 50 &&
                     c->influence.block_size == 16 && c->influence.block_iters == 8,
                 "%s: influence", what);
  PF_TEST_EXPECT(c->run.ranks_per_task == 1 && c->run.store_pool_scores == 0 &&
                     c->run.blas_threads == 1 && c->run.block == 128,
                 "%s: run", what);
}

static pf_sweep *parse(const char *text) {
  pf_sweep *sw = NULL;
  char err[PF_CONFIG_ERR_MAX];
  int rc = pf_sweep_create_from_string("defaults.cfg", text, 0, NULL, &sw, err, sizeof err);
  PF_TEST_EXPECT(rc == 0 && sw, "parse of <%s> failed: %s", text, err);
  return rc ? NULL : sw;
}

int main(void) {
  static const char *const pdes[] = {"diffusion", "burgers",         "allen_cahn",
                                     "wave",      "drift_diffusion", "heat2d"};
  static const char *const modes[] = {"add", "replace"};
  char err[PF_CONFIG_ERR_MAX];

  /* pf_config_default for every problem and mode. */
  for (int p = 0; p < 6; p++)
    for (int m = 0; m < 2; m++) {
      pf_config c;
      char what[128];
      snprintf(what, sizeof what, "default %s/%s", pdes[p], modes[m]);
      PF_TEST_OK(pf_config_default(pdes[p], modes[m], &c));
      PF_TEST_EXPECT(!strcmp(c.pde, pdes[p]) && !strcmp(c.sample.mode, modes[m]), "%s: names",
                     what);
      expect_mode(&c, what);
      expect_pde(&c, what);
      expect_fixed(&c, what);
      PF_TEST_EXPECT(pf_config_validate(&c, err, sizeof err) == 0, "%s: invalid: %s", what, err);
      /* and the registry agrees with the paper */
      const pf_pde *pd = pf_pde_find(pdes[p]);
      PF_TEST_EXPECT(pd && pd->nhidden == c.network.nhidden, "%s: registry layers", what);
    }
  pf_error_set_quiet(1);
  pf_config c;
  PF_TEST_EXPECT(pf_config_default("burger", "add", &c) == PF_ERR_ARG, "unknown pde accepted");
  PF_TEST_EXPECT(pf_config_default("burgers", "ad", &c) == PF_ERR_ARG, "unknown mode accepted");
  pf_error_set_quiet(0);

  /* A file setting only the seed (an empty one is refused): one task, every default, pde burgers
   * in add mode. */
  pf_sweep *sw = parse("seed = 1;");
  if (sw) {
    PF_TEST_EXPECT(pf_sweep_ntasks(sw) == 1 && pf_sweep_naxes(sw) == 0, "empty: %d tasks",
                   pf_sweep_ntasks(sw));
    PF_TEST_OK(pf_sweep_task(sw, 0, &c));
    PF_TEST_EXPECT(!strcmp(c.pde, "burgers") && !strcmp(c.sample.mode, "add"), "empty: names");
    expect_mode(&c, "empty");
    expect_pde(&c, "empty");
    expect_fixed(&c, "empty");
    pf_sweep_destroy(&sw);
    PF_TEST_EXPECT(sw == NULL, "destroy does not null");
  }

  /* Per-problem and per-mode defaults follow the problem and mode of the file. */
  sw = parse("pde = \"diffusion\"; sample = { mode = \"replace\"; };");
  if (sw) {
    PF_TEST_OK(pf_sweep_task(sw, 0, &c));
    expect_mode(&c, "diffusion/replace");
    expect_pde(&c, "diffusion/replace");
    pf_sweep_destroy(&sw);
  }

  /* A key the user set wins over the per-mode default. */
  sw = parse("pde = \"diffusion\"; sample = { mode = \"replace\"; k = 3; per_cycle = 7; };\n"
             "points = { initial = 50; };");
  if (sw) {
    PF_TEST_OK(pf_sweep_task(sw, 0, &c));
    PF_TEST_EXPECT(c.sample.k == 3.0 && c.sample.per_cycle == 7 && c.sample.c == 1.0,
                   "user values lost: k %g per_cycle %d c %g", c.sample.k, c.sample.per_cycle,
                   c.sample.c);
    PF_TEST_EXPECT(c.points.initial == 50, "user initial lost");
    pf_sweep_destroy(&sw);
  }

  /* Resolved per task in a sweep over problems and modes. */
  sw = parse("pde = [\"diffusion\", \"wave\", \"allen_cahn\"];\n"
             "sample = { mode = [\"add\", \"replace\"]; };");
  if (sw) {
    PF_TEST_EXPECT(pf_sweep_ntasks(sw) == 6, "pde x mode: %d tasks", pf_sweep_ntasks(sw));
    for (int i = 0; i < pf_sweep_ntasks(sw); i++) {
      char what[128];
      PF_TEST_OK(pf_sweep_task(sw, i, &c));
      snprintf(what, sizeof what, "task %d (%s/%s)", i, c.pde, c.sample.mode);
      PF_TEST_EXPECT(!strcmp(c.pde, pdes[i / 2 == 0   ? 0
                                         : i / 2 == 1 ? 3
                                                      : 2]),
                     "%s: pde order", what);
      PF_TEST_EXPECT(!strcmp(c.sample.mode, modes[i % 2]), "%s: mode order", what);
      expect_mode(&c, what);
      expect_pde(&c, what);
      expect_fixed(&c, what);
    }
    pf_sweep_destroy(&sw);
  }

  /* A user network wins for every problem of a sweep. */
  sw = parse("pde = [\"wave\", \"burgers\"]; network = { hidden = [8, 9]; };");
  if (sw) {
    for (int i = 0; i < 2; i++) {
      PF_TEST_OK(pf_sweep_task(sw, i, &c));
      PF_TEST_EXPECT(c.network.nhidden == 2 && c.network.hidden[0] == 8 &&
                         c.network.hidden[1] == 9 && c.network.hidden[2] == 0,
                     "task %d: user network lost", i);
    }
    pf_sweep_destroy(&sw);
  }

  /* The help lists every key with its default. */
  FILE *f = tmpfile();
  if (f) {
    pf_config_print_help(f);
    long n = ftell(f);
    char *text = calloc((size_t)n + 1, 1);
    rewind(f);
    if (text && fread(text, 1, (size_t)n, f) == (size_t)n) {
      static const char *const keys[] = {"pde",
                                         "seed",
                                         "network.hidden",
                                         "points.initial",
                                         "holdout.points",
                                         "train.cycles",
                                         "train.adam_iters",
                                         "train.adam_lr",
                                         "train.lbfgs_iters",
                                         "train.lbfgs_step",
                                         "train.lbfgs_history",
                                         "train.lbfgs_max_eval",
                                         "sample.method",
                                         "sample.mode",
                                         "sample.strategy",
                                         "sample.pool",
                                         "sample.per_cycle",
                                         "sample.k",
                                         "sample.c",
                                         "influence.backend",
                                         "influence.test_points",
                                         "influence.arnoldi_iters",
                                         "influence.arnoldi_tol",
                                         "influence.damping",
                                         "influence.eig_tol",
                                         "influence.rank",
                                         "influence.block_size",
                                         "influence.block_iters",
                                         "block_krylov",
                                         "run.ranks_per_task",
                                         "run.store_pool_scores",
                                         "run.blas_threads",
                                         "run.block",
                                         "drift_diffusion",
                                         "pinnfluence",
                                         "gauss_newton",
                                         "0.001",
                                         "1250"};
      for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        PF_TEST_EXPECT(strstr(text, keys[i]) != NULL, "help lacks %s", keys[i]);
    } else {
      PF_TEST_EXPECT(0, "cannot read the help back");
    }
    free(text);
    fclose(f);
  }
  return pf_test_report("test_config_defaults");
}
