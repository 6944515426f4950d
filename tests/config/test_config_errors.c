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
      "allowed at the top level: pde, seed, coefficients, constraints, boundary, data, network, "
      "points, holdout, train, sample, influence, run, validate, problem, trainable)"}},
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
    {"no_such_file.cfg",
     NULL,
     {"no_such_file.cfg: cannot read the config file: No such file or directory"}},
    {".", NULL, {"/.: cannot read the config file: Is a directory"}},
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
    {NULL,
     "train = { cycles = 3; };\ntrain = { cycles = 4; };",
     {"inline.cfg:2: train: duplicate key (first set at line 1)"}},
    /* a key twice: named, with both places (libconfig says only "duplicate setting name") */
    {"bad_dup_key.cfg",
     NULL,
     {"bad_dup_key.cfg:5: train.cycles: duplicate key (first set at line 3)"}},
    {NULL,
     "seed = 1;\nsample = { method = \"rar\"; };\nseed = [1, 2];",
     {"inline.cfg:3: seed: duplicate key (first set at line 1)"}},
    /* nothing set: every key would take its default (hours of burgers) */
    {"bad_nokeys.cfg",
     NULL,
     {"bad_nokeys.cfg: the configuration sets no keys (the file is empty or holds only comments)",
      "allowed: at least pde, e.g. pde = \"burgers\";"}},
    {NULL, "", {"inline.cfg: the configuration sets no keys"}},
    {NULL, "train = { };\n# seed = 2;\n", {"inline.cfg: the configuration sets no keys"}},
    /* integers libconfig 1.5 would wrap to 32 bits (or saturate at 64 with an L suffix) */
    {"bad_wrap.cfg",
     NULL,
     {"bad_wrap.cfg:3: seed: 4294967297 does not fit in the 32-bit integers libconfig reads (it "
      "would silently become 1); allowed: an integer in 0 .. 2147483647"}},
    {NULL,
     "seed = 2147483648;",
     {"inline.cfg:1: seed: 2147483648 does not fit", "(it would silently become -2147483648)"}},
    {NULL,
     "pde = \"wave\";\nseed = -2147483649;",
     {"inline.cfg:2: seed: -2147483649 does not fit", "(it would silently become 2147483647)"}},
    {NULL,
     "seed = 99999999999999999999;",
     {"inline.cfg:1: seed: 99999999999999999999 does not fit", "silently become -1)"}},
    {NULL,
     "seed = 99999999999999999999L;",
     {"inline.cfg:1: seed: 99999999999999999999L does not fit in 64 bits; allowed: an integer in 0 "
      ".. 2147483647"}},
    {NULL,
     "train = {\n  cycles = 3; adam_iters = 0x100000001; };",
     {"inline.cfg:2: train.adam_iters: 0x100000001 does not fit", "silently become 1)",
      "allowed: an integer in 0 .. 100000000"}},
    {NULL,
     "network = { hidden = ([8], [32, 4294967328]); };",
     {"inline.cfg:1: network.hidden: 4294967328 does not fit", "silently become 32)",
      "each an integer in 1 .. 4096"}},
    {NULL, "seed = [1,\n 4294967297];", {"inline.cfg:2: seed: 4294967297 does not fit"}},
    /* 64-bit literals that fit are range-checked as before */
    {NULL,
     "seed = 4294967297L;",
     {"inline.cfg:1: seed: 4294967297 is out of range; allowed: an integer in 0 .. 2147483647"}},
    {NULL,
     "seed = -2147483648;",
     {"inline.cfg:1: seed: -2147483648 is out of range; allowed: an integer in 0 .. 2147483647"}},
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

/* Text that must parse: numbers in comments and strings are no integers, floats are no
 * integers, the largest 32-bit integer is read as it is. */
static void accepted(void) {
  static const char *const texts[] = {
      "pde = \"burgers\"; # seed = 99999999999999999999;\n",
      "pde = \"burgers\"; /* 4294967297\n 4294967297 */ seed = 2;",
      "pde = \"burgers\";\n// 4294967297\ntrain = { adam_lr = 1e-3; };",
      "sample = { k = 2.5e1; c = 1.0E+2; };",
      "seed = 2147483647;",
      "seed = 0x7FFFFFFF;",
      "train = { cycles = 3; };\nsample = { mode = \"add\"; };\nseed = [1, 2];",
  };
  for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
    pf_sweep *sw = NULL;
    char err[PF_CONFIG_ERR_MAX] = "";
    PF_TEST_EXPECT(!pf_sweep_create_from_string("ok.cfg", texts[i], 0, NULL, &sw, err, sizeof err),
                   "<%s> refused: %s", texts[i], err);
    pf_config c;
    if (sw && !pf_sweep_task(sw, pf_sweep_ntasks(sw) - 1, &c) && strstr(texts[i], "seed = 2"))
      PF_TEST_EXPECT(c.seed == 2 || c.seed == 2147483647, "<%s>: seed %d", texts[i], c.seed);
    pf_sweep_destroy(&sw);
  }
}

/* Write text to path. */
static void put(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  PF_TEST_EXPECT(f != NULL, "cannot write %s", path);
  if (!f) return;
  fputs(text, f);
  fclose(f);
}

/* Parse the file at path; expect PF_ERR_CONFIG with the message containing want (NULL: success).
 */
static void expect_file(const char *path, const char *want, const char *want2) {
  pf_sweep *sw = NULL;
  char err[PF_CONFIG_ERR_MAX] = "";
  int rc = pf_sweep_create(path, 0, NULL, &sw, err, sizeof err);
  if (!want) {
    PF_TEST_EXPECT(rc == 0 && sw, "%s refused: %s", path, err);
  } else {
    PF_TEST_EXPECT(rc == PF_ERR_CONFIG && !sw, "%s: rc %d, want PF_ERR_CONFIG", path, rc);
    PF_TEST_EXPECT(strstr(err, want) != NULL, "%s:\n  message: %s\n  lacks:   %s", path, err, want);
    PF_TEST_EXPECT(!want2 || strstr(err, want2) != NULL, "%s:\n  message: %s\n  lacks:   %s", path,
                   err, want2);
    fprintf(stderr, "  %s\n", err);
  }
  pf_sweep_destroy(&sw);
}

/* @include: targets are checked before libconfig opens them (libconfig 1.5 exits the process on a
 * directory); the include path is relative to the working directory, as libconfig reads it. */
static void includes(const char *dir) {
  char tmpl[] = "/tmp/pf_config_inc_XXXXXX", p[5][4096], text[8192];
  const char *t = mkdtemp(tmpl);
  PF_TEST_EXPECT(t != NULL, "mkdtemp");
  if (!t) return;
  snprintf(p[0], sizeof p[0], "%s/main.cfg", t);
  snprintf(p[1], sizeof p[1], "%s/inc.cfg", t);
  snprintf(p[2], sizeof p[2], "%s/self.cfg", t);
  snprintf(p[3], sizeof p[3], "%s/nested.cfg", t);
  snprintf(p[4], sizeof p[4], "%s/wrap.cfg", t);

  /* a good include works */
  put(p[1], "seed = 3;\n");
  snprintf(text, sizeof text, "pde = \"wave\";\n@include \"%s\"\ntrain = { cycles = 2; };\n", p[1]);
  put(p[0], text);
  expect_file(p[0], NULL, NULL);

  /* a directory: our message and exit path, not libconfig's exit() */
  snprintf(text, sizeof text, "pde = \"wave\";\n  @include \"%s\"\n", dir);
  put(p[0], text);
  char want[4200];
  snprintf(want, sizeof want, "main.cfg:2: @include \"%s\": cannot read it: Is a directory", dir);
  expect_file(p[0], want, "allowed: a readable config file");

  /* a missing file */
  snprintf(text, sizeof text, "pde = \"wave\";\n\n@include \"%s/no_such.cfg\"\n", t);
  put(p[0], text);
  expect_file(p[0], "main.cfg:3: @include", "no_such.cfg\": cannot read it: No such file");

  /* a directory included from an included file: that file and its line */
  snprintf(text, sizeof text, "seed = 3;\n\n@include \"%s\"\n", t);
  put(p[3], text);
  snprintf(text, sizeof text, "pde = \"wave\";\n@include \"%s\"\n", p[3]);
  put(p[0], text);
  snprintf(want, sizeof want, "nested.cfg:3: @include \"%s\": cannot read it: Is a directory", t);
  expect_file(p[0], want, NULL);

  /* a file including itself */
  snprintf(text, sizeof text, "seed = 3;\n@include \"%s\"\n", p[2]);
  put(p[2], text);
  expect_file(p[2], "self.cfg:2: @include", "nested more than 10 deep");

  /* an include inside a comment or a string is no include */
  snprintf(text, sizeof text, "pde = \"wave\";\n/*\n@include \"%s\"\n*/\n# @include \"%s\"\n", t,
           t);
  put(p[0], text);
  expect_file(p[0], NULL, NULL);

  /* duplicates across files and wrapped integers in an included file */
  snprintf(text, sizeof text, "seed = 3;\n@include \"%s\"\n", p[1]);
  put(p[0], text);
  snprintf(want, sizeof want, "inc.cfg:1: seed: duplicate key (first set at %s:1)", p[0]);
  expect_file(p[0], want, NULL);
  put(p[4], "\ntrain = { cycles = 4294967298; };\n");
  snprintf(text, sizeof text, "pde = \"wave\";\n@include \"%s\"\n", p[4]);
  put(p[0], text);
  expect_file(p[0], "wrap.cfg:2: train.cycles: 4294967298 does not fit", "silently become 2)");

  /* include targets in --set values are checked too */
  snprintf(text, sizeof text, "seed=[1,\n@include \"%s\"\n]", dir);
  const char *set[] = {text};
  pf_sweep *sw = NULL;
  char err[PF_CONFIG_ERR_MAX] = "";
  put(p[0], "pde = \"wave\";\n");
  PF_TEST_EXPECT(pf_sweep_create(p[0], 1, set, &sw, err, sizeof err) == PF_ERR_CONFIG &&
                     strstr(err, "@include") && strstr(err, "Is a directory"),
                 "--set with an include of a directory: %s", err);
  pf_sweep_destroy(&sw);

  for (int i = 0; i < 5; i++) remove(p[i]);
  remove(t);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s TESTS_CONFIG_DIR\n", argv[0]);
    return 2;
  }
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) run_case(argv[1], &cases[i]);
  includes(argv[1]);
  accepted();

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
