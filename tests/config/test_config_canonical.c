/* Canonical text and hash: the text is stable, lists every key once in a fixed order with fixed
 * number formatting, parses back to the same config; the hash is 16 hex digits and changes when
 * any key changes. The sweep text and hash likewise. */
#include "pf_test.h"
#include "pinnfluence/config.h"
#include "pinnfluence/core.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* One change per key of DESIGN.md section 6, to a different valid value. */
#define MUT(name, stmt)                                                                            \
  static void name(pf_config *c) {                                                                 \
    stmt;                                                                                          \
  }
/* another problem comes with its own coefficients (the parser resolves them so) */
MUT(m_pde,
    (snprintf(c->pde, sizeof c->pde, "wave"), c->coefficients.nu = NAN, c->coefficients.c = 2))
MUT(m_nu, c->coefficients.nu = 0.002 / 3.14159265358979323846)
MUT(m_seed, c->seed = 2)
MUT(m_hidden_width, c->network.hidden[1] = 33)
MUT(m_hidden_depth, (c->network.nhidden = 4, c->network.hidden[3] = 32))
MUT(m_initial, c->points.initial = 999)
MUT(m_holdout, c->holdout.points = 9999)
MUT(m_cycles, c->train.cycles = 99)
MUT(m_adam_iters, c->train.adam_iters = 999)
MUT(m_adam_lr, c->train.adam_lr = 1.0000000000000002e-3)
MUT(m_lbfgs_iters, c->train.lbfgs_iters = 999)
MUT(m_lbfgs_step, c->train.lbfgs_step = 99)
MUT(m_lbfgs_history, c->train.lbfgs_history = 99)
MUT(m_lbfgs_max_eval, c->train.lbfgs_max_eval = 1249)
MUT(m_method, snprintf(c->sample.method, sizeof c->sample.method, "rar"))
MUT(m_mode, snprintf(c->sample.mode, sizeof c->sample.mode, "replace"))
MUT(m_strategy, snprintf(c->sample.strategy, sizeof c->sample.strategy, "top_k"))
MUT(m_pool, c->sample.pool = 9999)
MUT(m_per_cycle, c->sample.per_cycle = 11)
MUT(m_k, c->sample.k = 2.5)
MUT(m_c, c->sample.c = 1e-300)
MUT(m_backend, snprintf(c->influence.backend, sizeof c->influence.backend, "exact"))
MUT(m_test_points, c->influence.test_points = 999)
MUT(m_arnoldi_iters, c->influence.arnoldi_iters = 199)
MUT(m_arnoldi_tol, c->influence.arnoldi_tol = 0.2)
MUT(m_damping, c->influence.damping = 0.0)
MUT(m_eig_tol, c->influence.eig_tol = 1e-5)
MUT(m_rank, c->influence.rank = 49)
MUT(m_block_size, c->influence.block_size = 15)
MUT(m_block_iters, c->influence.block_iters = 7)
MUT(m_ranks_per_task, c->run.ranks_per_task = 2)
MUT(m_store, c->run.store_pool_scores = 1)
MUT(m_blas_threads, c->run.blas_threads = 2)
MUT(m_block, c->run.block = 64)
static void (*const muts[])(pf_config *) = {
    m_pde,         m_nu,         m_seed,          m_hidden_width,   m_hidden_depth,
    m_initial,     m_holdout,    m_cycles,        m_adam_iters,     m_adam_lr,
    m_lbfgs_iters, m_lbfgs_step, m_lbfgs_history, m_lbfgs_max_eval, m_method,
    m_mode,        m_strategy,   m_pool,          m_per_cycle,      m_k,
    m_c,           m_backend,    m_test_points,   m_arnoldi_iters,  m_arnoldi_tol,
    m_damping,     m_eig_tol,    m_rank,          m_store,          m_block,
    m_block_size,  m_block_iters};
#define NMUTS ((int)(sizeof muts / sizeof muts[0]))

/* The text's config, through the parser (the canonical text is libconfig syntax). */
static int reparse(const char *text, pf_config *c) {
  pf_sweep *sw = NULL;
  char err[PF_CONFIG_ERR_MAX];
  int rc = pf_sweep_create_from_string("canonical.cfg", text, 0, NULL, &sw, err, sizeof err);
  PF_TEST_EXPECT(rc == 0, "canonical text does not parse: %s\n%s", err, text);
  if (rc) return rc;
  PF_TEST_EXPECT(pf_sweep_ntasks(sw) == 1, "canonical text is a sweep");
  rc = pf_sweep_task(sw, 0, c);
  pf_sweep_destroy(&sw);
  return rc;
}

int main(void) {
  pf_config base, c;
  char t0[PF_CONFIG_CANONICAL_MAX], t1[PF_CONFIG_CANONICAL_MAX], hex[PF_CONFIG_HASH_HEX];
  uint64_t h0 = 0, h1 = 0;
  PF_TEST_OK(pf_config_default("burgers", "add", &base));

  /* Stable: the same config twice, and the same config reached through the parser. */
  PF_TEST_OK(pf_config_canonical(&base, t0, sizeof t0));
  PF_TEST_OK(pf_config_canonical(&base, t1, sizeof t1));
  PF_TEST_EXPECT(!strcmp(t0, t1), "two calls differ");
  if (!reparse("seed = 1;", &c)) {
    PF_TEST_OK(pf_config_canonical(&c, t1, sizeof t1));
    PF_TEST_EXPECT(!strcmp(t0, t1), "default vs parsed file setting only the seed:\n%s\n%s", t0,
                   t1);
  }
  fprintf(stderr, "%s", t0);

  /* Fixed formatting: exactly these lines, in this order. */
  static const char *const expected =
      "pde = \"burgers\";\n"
      "seed = 1;\n"
      "network = {\n  hidden = [32, 32, 32];\n};\n"
      "points = {\n  initial = 1000;\n};\n"
      "holdout = {\n  points = 10000;\n};\n"
      "train = {\n  cycles = 100;\n  adam_iters = 1000;\n  adam_lr = 0.001;\n"
      "  lbfgs_iters = 1000;\n  lbfgs_step = 100;\n  lbfgs_history = 100;\n"
      "  lbfgs_max_eval = 1250;\n};\n"
      "sample = {\n  method = \"pinnfluence\";\n  mode = \"add\";\n  strategy = \"distribution\";\n"
      "  pool = 10000;\n  per_cycle = 10;\n  k = 2.0;\n  c = 0.0;\n};\n"
      "influence = {\n  backend = \"arnoldi\";\n  test_points = 1000;\n  arnoldi_iters = 200;\n"
      "  arnoldi_tol = 0.10000000000000001;\n  damping = 0.001;\n  eig_tol = 0.0001;\n"
      "  rank = 50;\n};\n"
      "run = {\n  store_pool_scores = false;\n  block = 128;\n};\n";
  PF_TEST_EXPECT(!strcmp(t0, expected), "canonical text:\n%s\nwant:\n%s", t0, expected);

  /* Execution-only keys (group size, BLAS threads) are not part of the identity. */
  c = base;
  m_ranks_per_task(&c);
  m_blas_threads(&c);
  PF_TEST_OK(pf_config_canonical(&c, t1, sizeof t1));
  PF_TEST_EXPECT(!strcmp(t0, t1), "ranks_per_task/blas_threads changed the canonical text");

  /* Hash: 16 lower-case hex digits, the same value as the integer. */
  PF_TEST_OK(pf_config_hash(&base, &h0, hex));
  char want[PF_CONFIG_HASH_HEX];
  snprintf(want, sizeof want, "%016llx", (unsigned long long)h0);
  PF_TEST_EXPECT(strlen(hex) == 16 && !strcmp(hex, want), "hex %s vs %s", hex, want);
  for (int i = 0; i < 16; i++)
    PF_TEST_EXPECT(isxdigit((unsigned char)hex[i]) && !isupper((unsigned char)hex[i]), "hex %s",
                   hex);
  PF_TEST_OK(pf_config_hash(&base, &h1, NULL));
  PF_TEST_EXPECT(h0 == h1, "hash not stable");
  fprintf(stderr, "hash %s\n", hex);

  /* Every key changes the text and the hash, and every changed text parses back to itself. */
  uint64_t hashes[NMUTS];
  for (int m = 0; m < NMUTS; m++) {
    c = base;
    muts[m](&c);
    char err[PF_CONFIG_ERR_MAX];
    PF_TEST_EXPECT(pf_config_validate(&c, err, sizeof err) == 0, "mutation %d invalid: %s", m, err);
    PF_TEST_OK(pf_config_canonical(&c, t1, sizeof t1));
    PF_TEST_EXPECT(strcmp(t0, t1), "mutation %d leaves the text unchanged", m);
    PF_TEST_OK(pf_config_hash(&c, &hashes[m], NULL));
    PF_TEST_EXPECT(hashes[m] != h0, "mutation %d leaves the hash unchanged", m);
    for (int p = 0; p < m; p++)
      PF_TEST_EXPECT(hashes[p] != hashes[m], "mutations %d and %d collide", p, m);
    pf_config back;
    char t2[PF_CONFIG_CANONICAL_MAX];
    if (!reparse(t1, &back)) {
      PF_TEST_OK(pf_config_canonical(&back, t2, sizeof t2));
      PF_TEST_EXPECT(!strcmp(t1, t2), "mutation %d does not round-trip:\n%s\n%s", m, t1, t2);
    }
  }
  /* Padding and fields past nhidden do not matter: only the keys do. */
  c = base;
  c.network.hidden[7] = 5; /* beyond nhidden */
  PF_TEST_OK(pf_config_hash(&c, &h1, NULL));
  PF_TEST_EXPECT(h1 == h0, "entries past nhidden change the hash");

  /* Too small a buffer is an error, not a truncated text. */
  pf_error_set_quiet(1);
  char small[64];
  PF_TEST_EXPECT(pf_config_canonical(&base, small, sizeof small) == PF_ERR_ARG, "small buffer");
  pf_error_set_quiet(0);

  /* The sweep text: stable, parses back to itself; the hash follows any override. */
  const char *cfg = "pde = [\"burgers\", \"wave\"]; seed = [1, 2];\n"
                    "sample = { method = \"rar\"; k = (1, 2.5); };";
  pf_sweep *sw = NULL, *sw2 = NULL;
  char err[PF_CONFIG_ERR_MAX], hs0[PF_CONFIG_HASH_HEX], hs1[PF_CONFIG_HASH_HEX];
  PF_TEST_EXPECT(pf_sweep_create_from_string("s.cfg", cfg, 0, NULL, &sw, err, sizeof err) == 0,
                 "sweep: %s", err);
  if (sw) {
    char *a = NULL, *b = NULL;
    PF_TEST_OK(pf_sweep_canonical(sw, &a));
    PF_TEST_OK(pf_sweep_canonical(sw, &b));
    PF_TEST_EXPECT(a && b && !strcmp(a, b), "sweep text not stable");
    if (a) fprintf(stderr, "%s", a);
    PF_TEST_EXPECT(a && strstr(a, "# pinnfluence sweep: 8 tasks; axes (last varies fastest): "
                                  "pde, seed, sample.k\n"),
                   "sweep header");
    PF_TEST_EXPECT(a && strstr(a, "  k = [1.0, 2.5];\n") &&
                       strstr(a, "  # hidden: default per "
                                 "problem\n"),
                   "sweep body");
    free(b);
    b = NULL;
    if (a && !pf_sweep_create_from_string("again.cfg", a, 0, NULL, &sw2, err, sizeof err)) {
      PF_TEST_OK(pf_sweep_canonical(sw2, &b));
      PF_TEST_EXPECT(b && !strcmp(a, b), "sweep text does not round-trip:\n%s\n%s", a, b);
      pf_sweep_destroy(&sw2);
    } else {
      PF_TEST_EXPECT(0, "sweep text does not parse: %s", err);
    }
    free(a);
    free(b);
    PF_TEST_OK(pf_sweep_hash(sw, NULL, hs0));
    const char *set[] = {"train.cycles=99"};
    PF_TEST_EXPECT(pf_sweep_create_from_string("s.cfg", cfg, 1, set, &sw2, err, sizeof err) == 0,
                   "sweep with --set: %s", err);
    if (sw2) {
      PF_TEST_OK(pf_sweep_hash(sw2, NULL, hs1));
      PF_TEST_EXPECT(strcmp(hs0, hs1), "sweep hash ignores an override");
      pf_sweep_destroy(&sw2);
    }
    /* The same sweep written differently (order, spacing, list kinds) has the same text. */
    const char *same = "sample = { k = (1.0, 2.5); method = \"rar\"; };\n"
                       "seed = (1, 2);\npde = (\"burgers\",\n \"wave\");\n";
    PF_TEST_EXPECT(pf_sweep_create_from_string("t.cfg", same, 0, NULL, &sw2, err, sizeof err) == 0,
                   "same sweep: %s", err);
    if (sw2) {
      PF_TEST_OK(pf_sweep_hash(sw2, NULL, hs1));
      PF_TEST_EXPECT(!strcmp(hs0, hs1), "equal sweeps hash differently");
      pf_sweep_destroy(&sw2);
    }
    pf_sweep_destroy(&sw);
  }
  return pf_test_report("test_config_canonical");
}
