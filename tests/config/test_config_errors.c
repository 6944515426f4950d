/* Every class of bad input is PF_ERR_CONFIG, leaves no sweep, prints nothing, and gives one
 * message with the file, the line, the dotted key, what was wrong and what is allowed.
 * Argument: the tests/config directory (the bad_*.cfg fixtures). */
#include "pf_test.h"
#include "pinnfluence/config.h"
#include "pinnfluence/core.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
  const char *file; /* fixture name, or NULL for inline text */
  const char *text; /* inline text (file name "inline.cfg") */
  const char *want[3];
} bad_case;

static const bad_case cases[] = {
    {"bad_mode.cfg", NULL, {"bad_mode.cfg:7: sample.mode: \"ad\" is not one of add, replace"}},
    {"bad_unknown.cfg",
     NULL,
     {"bad_unknown.cfg:3: cycles: unknown key; did you mean train.cycles?",
      "allowed at the top level: pde, seed, network, points, holdout, train, sample, influence, "
      "run"}},
    {"bad_typo_group.cfg",
     NULL,
     {"bad_typo_group.cfg:4: train.adam_iter: unknown key; did you mean train.adam_iters?",
      "(train has: cycles, adam_iters, adam_lr, lbfgs_iters"}},
    {"bad_type.cfg",
     NULL,
     {"bad_type.cfg:3: seed: expected an integer in 0 .. 2147483647 (or a list of them, for a "
      "sweep), got the string \"one\""}},
    {"bad_float_int.cfg",
     NULL,
     {"bad_float_int.cfg:4: train.cycles: expected an integer in 1 .. 1000000",
      "got the float 2.5"}},
    {"bad_range.cfg",
     NULL,
     {"bad_range.cfg:5: influence.rank: 0 is out of range; allowed: an integer in 1 .. 100000"}},
    {"bad_empty.cfg", NULL, {"bad_empty.cfg:3: seed: empty list"}},
    {"bad_syntax.cfg", NULL, {"bad_syntax.cfg:3: libconfig: syntax error"}},
    {"bad_pde.cfg",
     NULL,
     {"bad_pde.cfg:3: pde[1]: \"burger\" is not one of diffusion, burgers, allen_cahn, wave, "
      "drift_diffusion"}},
    {"bad_hidden.cfg",
     NULL,
     {"bad_hidden.cfg:3: network.hidden[1]: layer width 0 is out of range",
      "an integer in 1 .. 4096"}},
    {"bad_group.cfg",
     NULL,
     {"bad_group.cfg:2: train: expected a group { key = value; ... }, got the integer 3"}},
    {"bad_cross.cfg",
     NULL,
     {"bad_cross.cfg:4: sample.pool: sample.per_cycle (10) exceeds sample.pool (5)",
      "(task 1: pde=burgers)"}},
    {"bad_dup.cfg",
     NULL,
     {"bad_dup.cfg:2: seed: the value 1 appears more than once", "allowed: distinct values"}},
    {"no_such_file.cfg", NULL, {"no_such_file.cfg: cannot read the config file:"}},
    /* inline cases */
    {NULL,
     "run = {\n store_pool_scores = 1; };",
     {"inline.cfg:2: run.store_pool_scores: expected true or false", "got the integer 1"}},
    {NULL,
     "network = { hidden = (32, 32); };",
     {"inline.cfg:1: network.hidden: a list ( ... ) of numbers is ambiguous here",
      "allowed: one network as an array [32, 32, 32]"}},
    {NULL,
     "network = { hidden = [32.0, 32.0]; };",
     {"inline.cfg:1: network.hidden[0]: expected a layer width, an integer in 1 .. 4096",
      "got the float 32.0"}},
    {NULL, "network = { hidden = ([32], []); };", {"inline.cfg:1: network.hidden[1]: empty list"}},
    {NULL,
     "network = { hidden = [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17]; };",
     {"network.hidden: 17 layers are too many", "1 to 16 layer widths"}},
    {NULL,
     "network = { hidden = 32; };",
     {"inline.cfg:1: network.hidden: expected an array of 1 to 16 layer widths",
      "(or a list of such arrays, for a sweep), got the integer 32"}},
    {NULL,
     "train = { adam_lr = 1e999; };",
     {"inline.cfg:1: train.adam_lr: inf is not a finite number"}},
    {NULL,
     "train = { adam_lr = 0; };",
     {"inline.cfg:1: train.adam_lr: 0.0 is out of range; allowed: a number with 0.0 < value <= "
      "10.0"}},
    {NULL,
     "sample = { c = -1; };",
     {"inline.cfg:1: sample.c: -1.0 is out of range; allowed: a number with 0.0 <= value"}},
    {NULL,
     "influence = { damping = -1e-3; };",
     {"inline.cfg:1: influence.damping: -0.001 is out of range; allowed: a number >= 0.0"}},
    {NULL, "seed = { a = 1; };", {"inline.cfg:1: seed: expected an integer", "got a group"}},
    {NULL, "seed = [1, [2]];", {"inline.cfg:1: libconfig:"}},
    {NULL,
     "seed = (1, \"2\");",
     {"inline.cfg:1: seed[1]: expected an integer in 0 .. 2147483647, "
      "got the string \"2\""}},
    {NULL,
     "run = { blas_threads = (1, 2); };",
     {"inline.cfg:1: run.blas_threads: cannot be a list: it applies to the whole run"}},
    {NULL,
     "sample = { method = [\"rar\", \"rar\"]; };",
     {"inline.cfg:1: sample.method: the value \"rar\" appears more than once"}},
    {NULL,
     "network = { hidden = ([8, 8], [8, 8]); };",
     {"inline.cfg:1: network.hidden: the value [8, 8] appears more than once"}},
    {NULL, "train = { cycles = 3; };\ntrain = { cycles = 4; };", {"inline.cfg:2: libconfig:"}},
    {NULL,
     "sample = { per_cycle = 20; pool = 10; };",
     {"inline.cfg:1: sample.per_cycle: sample.per_cycle (20) exceeds sample.pool (10)"}},
    {NULL,
     "sample = {\n  strategy = \"top-k\"; };",
     {"inline.cfg:2: sample.strategy: \"top-k\" is not one of distribution, top_k"}},
    {NULL,
     "influence = { backend = \"gauss-newton\"; };",
     {"influence.backend: \"gauss-newton\" is not one of arnoldi, exact, gauss_newton"}},
    {NULL, "Sample = { mode = \"add\"; };", {"inline.cfg:1: Sample: unknown key"}},
};

/* Run one case with stderr redirected to a temporary file; nothing may be printed. */
static void run_case(const char *dir, const bad_case *bc) {
  char path[4096], err[PF_CONFIG_ERR_MAX];
  memset(err, 'x', sizeof err);
  pf_sweep *sw = (pf_sweep *)&err; /* must be reset to NULL */
  fflush(stderr);
  int saved = dup(2);
  FILE *cap = tmpfile();
  if (saved < 0 || !cap || dup2(fileno(cap), 2) < 0) {
    PF_TEST_EXPECT(0, "cannot redirect stderr");
    return;
  }
  int rc;
  if (bc->file) {
    snprintf(path, sizeof path, "%s/%s", dir, bc->file);
    rc = pf_sweep_create(path, 0, NULL, &sw, err, sizeof err);
  } else {
    rc = pf_sweep_create_from_string("inline.cfg", bc->text, 0, NULL, &sw, err, sizeof err);
  }
  fflush(stderr);
  long printed = ftell(cap) >= 0 ? (fseek(cap, 0, SEEK_END), ftell(cap)) : -1;
  dup2(saved, 2);
  close(saved);
  fclose(cap);

  const char *name = bc->file ? bc->file : bc->text;
  PF_TEST_EXPECT(rc == PF_ERR_CONFIG, "%s: rc %d, want PF_ERR_CONFIG", name, rc);
  PF_TEST_EXPECT(sw == NULL, "%s: sweep not NULL", name);
  PF_TEST_EXPECT(printed == 0, "%s: %ld bytes printed to stderr", name, printed);
  PF_TEST_EXPECT(memchr(err, '\0', sizeof err) != NULL, "%s: message not terminated", name);
  err[sizeof err - 1] = '\0';
  for (int w = 0; w < 3 && bc->want[w]; w++)
    PF_TEST_EXPECT(strstr(err, bc->want[w]) != NULL, "%s:\n  message: %s\n  lacks:   %s", name, err,
                   bc->want[w]);
  fprintf(stderr, "  %s\n", err);
  pf_sweep_destroy(&sw);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s TESTS_CONFIG_DIR\n", argv[0]);
    return 2;
  }
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) run_case(argv[1], &cases[i]);

  /* With err == NULL the message goes to stderr instead (quiet here), and the code is the same. */
  pf_error_set_quiet(1);
  pf_sweep *sw = NULL;
  PF_TEST_EXPECT(pf_sweep_create_from_string("x.cfg", "seed = -1;", 0, NULL, &sw, NULL, 0) ==
                     PF_ERR_CONFIG,
                 "err == NULL: wrong code");
  pf_error_set_quiet(0);

  /* A small buffer gets a truncated, terminated message. */
  char small[16];
  PF_TEST_EXPECT(pf_sweep_create_from_string("x.cfg", "seed = -1;", 0, NULL, &sw, small,
                                             sizeof small) == PF_ERR_CONFIG,
                 "small buffer: wrong code");
  PF_TEST_EXPECT(strlen(small) == sizeof small - 1 && !strncmp(small, "x.cfg:1: seed", 13),
                 "small buffer: \"%s\"", small);

  /* pf_config_validate catches what a program built by hand. */
  pf_config c;
  char err[PF_CONFIG_ERR_MAX];
  PF_TEST_OK(pf_config_default("wave", "add", &c));
  c.influence.rank = 0;
  PF_TEST_EXPECT(pf_config_validate(&c, err, sizeof err) == PF_ERR_CONFIG &&
                     strstr(err, "influence.rank: 0 is out of range"),
                 "validate: %s", err);
  PF_TEST_OK(pf_config_default("wave", "add", &c));
  snprintf(c.sample.method, sizeof c.sample.method, "rad");
  PF_TEST_EXPECT(pf_config_validate(&c, err, sizeof err) == PF_ERR_CONFIG &&
                     strstr(err, "sample.method: \"rad\" is not one of static"),
                 "validate: %s", err);
  PF_TEST_OK(pf_config_default("wave", "add", &c));
  c.network.nhidden = 0;
  PF_TEST_EXPECT(pf_config_validate(&c, err, sizeof err) == PF_ERR_CONFIG &&
                     strstr(err, "network.hidden: 0 layers"),
                 "validate: %s", err);
  PF_TEST_OK(pf_config_default("wave", "replace", &c));
  c.sample.pool = 999;
  PF_TEST_EXPECT(pf_config_validate(&c, err, sizeof err) == PF_ERR_CONFIG &&
                     strstr(err, "sample.per_cycle: sample.per_cycle (1000) exceeds"),
                 "validate: %s", err);
  return pf_test_report("test_config_errors");
}
