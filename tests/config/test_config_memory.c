/* Configurations that cannot fit a rank's memory are refused before any work, with the estimate
 * and the limit (include/pinnfluence/footprint.h). The estimate is checked against independent
 * counts (parameters, factor and history sizes) and against what the engine and L-BFGS really
 * allocate (glibc's mallinfo2); the refusal against fixed limits, never against this machine's
 * memory, except for a configuration no plausible machine holds. Argument: the configs/
 * directory (the shipped configurations must pass on a 24 GiB node running 2 ranks). */
#include "pf_test.h"
#include "pinnfluence/config.h"
#include "pinnfluence/core.h"
#include "pinnfluence/footprint.h"
#include "pinnfluence/nn.h"
#include "pinnfluence/optim.h"
#include "pinnfluence/pde.h"

#include <malloc.h>
#include <stdlib.h>
#include <string.h>

static const double GiB = 1073741824.0;

static pf_sweep *sweep_of(const char *text) {
  pf_sweep *sw = NULL;
  char err[PF_CONFIG_ERR_MAX] = "";
  PF_TEST_EXPECT(!pf_sweep_create_from_string("mem.cfg", text, 0, NULL, &sw, err, sizeof err),
                 "<%s> refused by the parser: %s", text, err);
  return sw;
}

/* Check text against limit: want == NULL means accepted, else the message must hold want (and
 * want2). */
static void expect(const char *text, double limit, const char *want, const char *want2) {
  pf_sweep *sw = sweep_of(text);
  if (!sw) return;
  char err[PF_CONFIG_ERR_MAX] = "";
  int rc = pf_sweep_check_memory_limit(sw, limit, "test limit", err, sizeof err);
  if (!want) {
    PF_TEST_EXPECT(rc == PF_OK, "<%s> refused under %.3g bytes: %s", text, limit, err);
  } else {
    PF_TEST_EXPECT(rc == PF_ERR_CONFIG, "<%s>: rc %d under %.3g bytes, want PF_ERR_CONFIG", text,
                   rc, limit);
    PF_TEST_EXPECT(strstr(err, want) != NULL, "<%s>:\n  message: %s\n  lacks:   %s", text, err,
                   want);
    PF_TEST_EXPECT(!want2 || strstr(err, want2) != NULL, "<%s>:\n  message: %s\n  lacks:   %s",
                   text, err, want2);
    fprintf(stderr, "  %s\n", err);
  }
  pf_sweep_destroy(&sw);
}

static pf_footprint footprint_of(const char *text) {
  pf_footprint fp;
  memset(&fp, 0, sizeof fp);
  pf_sweep *sw = sweep_of(text);
  pf_config c;
  if (sw && !pf_sweep_task(sw, 0, &c)) PF_TEST_OK(pf_task_footprint(&c, 1, &fp));
  pf_sweep_destroy(&sw);
  return fp;
}

static double heap_bytes(void) {
  struct mallinfo2 mi = mallinfo2();
  return (double)mi.uordblks + (double)mi.hblkhd;
}

/* The engine's and L-BFGS's parts against what they allocate (skipped where the allocator is
 * replaced, e.g. under AddressSanitizer: mallinfo2 then reports nothing). */
static void measured(void) {
  const char *text = "pde = \"burgers\"; network = { hidden = [64, 64, 64]; };\n"
                     "train = { lbfgs_history = 50; }; sample = { method = \"rar\"; };";
  pf_footprint fp = footprint_of(text);
  const pf_pde *pde = pf_pde_find("burgers");
  int sizes[] = {2, 64, 64, 64, 1};
  pf_mlp *net = NULL;
  pf_engine *eng = NULL;
  pf_lbfgs *lb = NULL;
  PF_TEST_OK(pf_mlp_create(4, sizes, &net));
  double h0 = heap_bytes();
  PF_TEST_OK(pf_engine_create(net, &pde->ops, 128, &eng));
  double h1 = heap_bytes();
  pf_lbfgs_params lp = pf_lbfgs_params_default();
  lp.history = 50;
  PF_TEST_OK(pf_lbfgs_create(net->nparams, &lp, &lb));
  double h2 = heap_bytes();
  if (h1 > h0) {
    PF_TEST_CLOSE(fp.part[PF_FOOT_ENGINE], h1 - h0, 0.05, 1, "engine estimate vs allocated");
    /* the history and 9 of the 14 P-vectors of PF_FOOT_PARAMS */
    PF_TEST_CLOSE(fp.part[PF_FOOT_HISTORY] + 9.0 * 8.0 * (double)fp.nparams, h2 - h1, 0.05, 1,
                  "L-BFGS estimate vs allocated");
    fprintf(stderr,
            "  engine: estimated %.0f bytes, allocated %.0f; L-BFGS: estimated %.0f, "
            "allocated %.0f\n",
            fp.part[PF_FOOT_ENGINE], h1 - h0,
            fp.part[PF_FOOT_HISTORY] + 9.0 * 8.0 * (double)fp.nparams, h2 - h1);
  }
  pf_lbfgs_destroy(&lb);
  pf_engine_destroy(&eng);
  pf_mlp_destroy(&net);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  if (argc < 2) {
    fprintf(stderr, "usage: %s CONFIGS_DIR\n", argv[0]);
    return 2;
  }

  /* Independent counts: P of 2-64-64-64-1 and of 2-4096x16-1, the factor, the history. */
  const char *rank1e5 = "pde = \"burgers\"; network = { hidden = [64, 64, 64]; };\n"
                        "sample = { method = \"pinnfluence\"; }; influence = { rank = 100000; };";
  pf_footprint fp = footprint_of(rank1e5);
  PF_TEST_EXPECT(fp.nparams == 3 * 64 + 65 * 64 * 2 + 65, "P of 2-64-64-64-1: %zu", fp.nparams);
  PF_TEST_CLOSE(fp.part[PF_FOOT_FACTOR], 8.0 * (8577.0 * 100000 + 100000), 1e-12, 1, "factor");
  PF_TEST_EXPECT(fp.largest == PF_FOOT_FACTOR, "largest part %d", fp.largest);
  PF_TEST_EXPECT(fp.total > 6.4 * GiB && fp.total < 7.0 * GiB, "rank 1e5 total %.3g", fp.total);
  const char *big = "pde = \"burgers\"; network = { hidden = [4096, 4096, 4096, 4096, 4096, 4096, "
                    "4096, 4096, 4096, 4096, 4096, 4096, 4096, 4096, 4096, 4096]; };";
  fp = footprint_of(big);
  const double Pbig = 3.0 * 4096 + 15.0 * 4097 * 4096 + 4097;
  PF_TEST_EXPECT((double)fp.nparams == Pbig, "P of 2-4096x16-1: %zu, want %.0f", fp.nparams, Pbig);
  PF_TEST_CLOSE(fp.part[PF_FOOT_HISTORY], 8.0 * 2 * 100 * Pbig, 1e-12, 1, "L-BFGS history");
  /* 214 vectors of P for training, 201 for the Krylov basis, 50 for the factor, 128 Jacobian
   * rows: over a TiB */
  PF_TEST_EXPECT(fp.total > 8.0 * (214 + 201 + 50 + 128) * Pbig, "16 x 4096 total %.3g", fp.total);
  measured();

  /* Against fixed limits: refused with the estimate, the part and the limit; accepted above. */
  expect(rank1e5, 4e9,
         "mem.cfg: task 0 (network 2-64-64-64-1, P = 8577): needs about 6.7 GiB per rank, 6.4 GiB "
         "of it for the influence factor (P x influence.rank = 8577 x 100000 doubles); more than "
         "the 3.7 GiB available per rank (test limit); try a smaller influence.rank",
         NULL);
  expect(rank1e5, 8e9, NULL, NULL);
  expect(
      big, 1e12, "network 2-4096-4096",
      "needs about 1.1 TiB per rank, 377 GiB of it for the Arnoldi basis ((influence.arnoldi_iters "
      "+ 1) x P = 201 x 251736065 doubles)");
  expect("sample = { method = \"rar\"; };\n"
         "network = { hidden = [4096, 4096, 4096, 4096, 4096, 4096, 4096, 4096, 4096, 4096, 4096, "
         "4096, 4096, 4096, 4096, 4096]; };",
         100 * GiB,
         "375 GiB of it for the L-BFGS history (2 x "
         "train.lbfgs_history x P = 2 x 100 x 251736065",
         NULL);
  /* 24 doubles per holdout point since the full d = 2 jet (6 entries) is kept for A and B */
  expect("pde = \"wave\"; holdout = { points = 100000000; };", 12 * GiB, "needs about 18.",
         "for the holdout set (100000000 points)");
  expect("pde = \"wave\"; holdout = { points = 100000000; };", 24 * GiB, NULL, NULL);
  expect("pde = [\"burgers\", \"wave\"]; sample = { method = \"grad_dot\"; };\n"
         "influence = { test_points = 400000; };",
         12 * GiB, "task 1 (pde=wave, network 2-100-100-100-100-100-1, P = 40801)",
         "for the gradients of Z (influence.test_points x P = 400000 x 40801 doubles)");
  /* what the backends cannot run, whatever the memory */
  expect("sample = { method = \"pinnfluence\"; };\n"
         "influence = { backend = \"exact\"; }; network = { hidden = [128, 128]; };",
         1e18, "P = 17025): influence.backend = \"exact\" forms the dense 17025 x 17025 Hessian",
         "at most 16384 parameters");
  expect("sample = { method = \"pinnfluence\"; };\n"
         "influence = { backend = \"gauss_newton\"; test_points = 40000; };",
         1e18, "influence.test_points = 40000 is too many for the gauss_newton backend",
         "at most 32766");
  /* the largest values of every key: a finite estimate, refused */
  expect("sample = { method = \"pinnfluence\"; pool = 100000000; per_cycle = 100000000; };\n"
         "network = { hidden = [4096, 4096, 4096, 4096, 4096, 4096, 4096, 4096, 4096, 4096, "
         "4096, 4096, 4096, 4096, 4096, 4096]; };\n"
         "influence = { rank = 100000; arnoldi_iters = 100000; test_points = 10000000; };\n"
         "train = { lbfgs_history = 100000; cycles = 1000000; };\n"
         "holdout = { points = 100000000; }; points = { initial = 10000000; };",
         1e15, "PiB per rank", NULL);

  /* The shipped configurations fit a 24 GiB node running 2 ranks. */
  static const char *const shipped[] = {"quickstart", "diffusion", "burgers",
                                        "allen_cahn", "wave",      "drift_diffusion"};
  for (size_t i = 0; i < sizeof shipped / sizeof shipped[0]; i++) {
    char path[4096], err[PF_CONFIG_ERR_MAX] = "";
    snprintf(path, sizeof path, "%s/%s.cfg", argv[1], shipped[i]);
    pf_sweep *sw = NULL;
    PF_TEST_OK(pf_sweep_create(path, 0, NULL, &sw, err, sizeof err));
    if (!sw) continue;
    PF_TEST_EXPECT(!pf_sweep_check_memory_limit(sw, 12 * GiB, "12 GiB", err, sizeof err),
                   "%s refused: %s", path, err);
    double most = 0;
    for (int t = 0; t < pf_sweep_ntasks(sw); t++) {
      pf_config c;
      PF_TEST_OK(pf_sweep_task(sw, t, &c));
      PF_TEST_OK(pf_task_footprint(&c, pf_sweep_ntasks(sw), &fp));
      most = fp.total > most ? fp.total : most;
    }
    char num[32];
    pf_format_bytes(most, num, sizeof num);
    fprintf(stderr, "  %s: %d tasks, the largest needs about %s per rank\n", shipped[i],
            pf_sweep_ntasks(sw), num);
    pf_sweep_destroy(&sw);
  }

  /* The limit: PF_MEMORY_LIMIT_BYTES when set (malformed: an error), else the machine's. */
  double limit = 0;
  char basis[256];
  setenv("PF_MEMORY_LIMIT_BYTES", "5e9", 1);
  PF_TEST_OK(pf_memory_per_rank(MPI_COMM_WORLD, &limit, basis, sizeof basis));
  PF_TEST_EXPECT(limit == 5e9 && !strcmp(basis, "PF_MEMORY_LIMIT_BYTES"), "env limit %g (%s)",
                 limit, basis);
  setenv("PF_MEMORY_LIMIT_BYTES", "12GB", 1);
  PF_TEST_EXPECT(pf_memory_per_rank(MPI_COMM_WORLD, &limit, basis, sizeof basis) == PF_ERR_CONFIG &&
                     strstr(basis, "must be a positive number of bytes per rank, got \"12GB\""),
                 "malformed env: %s", basis);
  unsetenv("PF_MEMORY_LIMIT_BYTES");
  PF_TEST_OK(pf_memory_per_rank(MPI_COMM_WORLD, &limit, basis, sizeof basis));
  PF_TEST_EXPECT(limit > 0 && strstr(basis, "rank"), "machine limit %g (%s)", limit, basis);
  fprintf(stderr, "  this machine: %s\n", basis);

  /* No plausible machine (a few TiB per rank) holds this one: refused under the real limit. */
  pf_ctx *ctx = NULL;
  PF_TEST_OK(pf_ctx_create(MPI_COMM_WORLD, &ctx));
  char text[1024], err[PF_CONFIG_ERR_MAX] = "";
  snprintf(text, sizeof text,
           "%s\nsample = { method = \"pinnfluence\"; };\n"
           "influence = { rank = 100000; };",
           big);
  pf_sweep *sw = sweep_of(text);
  if (sw) {
    PF_TEST_EXPECT(pf_sweep_check_memory(ctx, sw, err, sizeof err) == PF_ERR_CONFIG &&
                       strstr(err, "TiB of it for the influence factor (P x influence.rank = "
                                   "251736065 x 100000 doubles)"),
                   "16 x 4096, rank 1e5 under the real limit: %s", err);
    fprintf(stderr, "  %s\n", err);
  }
  pf_sweep_destroy(&sw);
  pf_ctx_destroy(&ctx);
  int rc = pf_test_report("test_config_memory");
  MPI_Finalize();
  return rc;
}
