/* --set overrides: applied after the file and before validation, in order; the value is
 * libconfig syntax (scalar, array, list), a bare word is a string, a key in a group the file
 * lacks creates the group; a bad override is PF_ERR_CONFIG with a message naming it.
 * Argument: the tests/config directory (for base.cfg). */
#include "pf_test.h"
#include "pinnfluence/config.h"
#include "pinnfluence/core.h"

#include <string.h>

static char base[4096];

/* Parse base.cfg with the overrides; returns the sweep or NULL (then err holds the message). */
static pf_sweep *with(int nset, const char *const *set, char *err, size_t len, int *rc) {
  pf_sweep *sw = NULL;
  *rc = pf_sweep_create(base, nset, set, &sw, err, len);
  return sw;
}

static void expect_ok(int nset, const char *const *set, pf_config *c, int ntasks) {
  char err[PF_CONFIG_ERR_MAX];
  int rc;
  pf_sweep *sw = with(nset, set, err, sizeof err, &rc);
  PF_TEST_EXPECT(rc == 0 && sw, "--set %s failed: %s", set[0], err);
  if (!sw) return;
  PF_TEST_EXPECT(pf_sweep_ntasks(sw) == ntasks, "--set %s: %d tasks, want %d", set[0],
                 pf_sweep_ntasks(sw), ntasks);
  PF_TEST_OK(pf_sweep_task(sw, pf_sweep_ntasks(sw) - 1, c));
  pf_sweep_destroy(&sw);
}

static void expect_error(const char *set, const char *want1, const char *want2) {
  char err[PF_CONFIG_ERR_MAX] = "";
  int rc;
  const char *sets[] = {set};
  pf_sweep *sw = with(1, sets, err, sizeof err, &rc);
  PF_TEST_EXPECT(rc == PF_ERR_CONFIG && !sw, "--set %s: rc %d, want PF_ERR_CONFIG", set, rc);
  PF_TEST_EXPECT(strstr(err, want1) != NULL, "--set %s: message \"%s\" lacks \"%s\"", set, err,
                 want1);
  PF_TEST_EXPECT(!want2 || strstr(err, want2) != NULL, "--set %s: message \"%s\" lacks \"%s\"", set,
                 err, want2);
  pf_sweep_destroy(&sw);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s TESTS_CONFIG_DIR\n", argv[0]);
    return 2;
  }
  snprintf(base, sizeof base, "%s/base.cfg", argv[1]);
  pf_config c;

  /* A scalar replaces the file's value; keys not overridden keep the file's values. */
  const char *s1[] = {"train.cycles=2"};
  expect_ok(1, s1, &c, 1);
  PF_TEST_EXPECT(c.train.cycles == 2 && c.train.adam_iters == 1000 && c.seed == 1,
                 "train.cycles=2: cycles %d", c.train.cycles);

  /* A list makes an axis. */
  const char *s2[] = {"seed=[1,2]"};
  expect_ok(1, s2, &c, 2);
  PF_TEST_EXPECT(c.seed == 2, "seed=[1,2]: last seed %d", c.seed);

  /* A quoted string, and a bare word taken as a string. */
  const char *s3[] = {"sample.method=\"rar\""};
  expect_ok(1, s3, &c, 1);
  PF_TEST_EXPECT(!strcmp(c.sample.method, "rar"), "quoted: method %s", c.sample.method);
  const char *s4[] = {"sample.method=rar"};
  expect_ok(1, s4, &c, 1);
  PF_TEST_EXPECT(!strcmp(c.sample.method, "rar"), "bare: method %s", c.sample.method);
  const char *s4b[] = {"pde=drift_diffusion"};
  expect_ok(1, s4b, &c, 1);
  PF_TEST_EXPECT(!strcmp(c.pde, "drift_diffusion") && c.network.hidden[0] == 64,
                 "bare pde: %s, width %d", c.pde, c.network.hidden[0]);

  /* A key in a group the file does not have creates the group. */
  const char *s5[] = {"influence.rank=7", "run.store_pool_scores=true"};
  expect_ok(2, s5, &c, 1);
  PF_TEST_EXPECT(c.influence.rank == 7 && c.run.store_pool_scores == 1 &&
                     c.influence.test_points == 1000,
                 "new groups: rank %d store %d", c.influence.rank, c.run.store_pool_scores);

  /* Several overrides apply in order; the last one of a key wins; spaces are trimmed. */
  const char *s6[] = {"seed=3", " seed = 4 ", "sample.mode=replace", "sample.k=3"};
  expect_ok(4, s6, &c, 1);
  PF_TEST_EXPECT(c.seed == 4 && !strcmp(c.sample.mode, "replace") && c.sample.per_cycle == 1000 &&
                     c.sample.k == 3.0 && c.sample.c == 1.0,
                 "in order: seed %d mode %s per_cycle %d k %g", c.seed, c.sample.mode,
                 c.sample.per_cycle, c.sample.k);

  /* network.hidden: an array, and a list of arrays (a sweep). */
  const char *s7[] = {"network.hidden=[8,8]"};
  expect_ok(1, s7, &c, 1);
  PF_TEST_EXPECT(c.network.nhidden == 2 && c.network.hidden[1] == 8, "hidden: %d layers",
                 c.network.nhidden);
  const char *s8[] = {"network.hidden=([8], [16, 16])", "sample.method=[\"rar\", \"random\"]"};
  expect_ok(2, s8, &c, 4);
  PF_TEST_EXPECT(c.network.nhidden == 2 && c.network.hidden[1] == 16 &&
                     !strcmp(c.sample.method, "random"),
                 "hidden sweep: %d layers %s", c.network.nhidden, c.sample.method);

  /* An integer where a float is expected is fine. */
  const char *s9[] = {"train.adam_lr=1"};
  expect_ok(1, s9, &c, 1);
  PF_TEST_EXPECT(c.train.adam_lr == 1.0, "adam_lr %g", c.train.adam_lr);

  /* Errors name the override, the key, what was wrong and what is allowed. */
  pf_error_set_quiet(0); /* the parser must print nothing by itself; see test_config_errors */
  expect_error("train.cycle=2", "--set train.cycle=2: train.cycle: unknown key",
               "did you mean train.cycles?");
  expect_error("cycles=2", "--set cycles=2: cycles: unknown key", "did you mean train.cycles?");
  expect_error("sample.mode=ad",
               "--set sample.mode=ad: sample.mode: \"ad\" is not one of add, "
               "replace",
               NULL);
  expect_error("seed=[1,", "--set seed=[1,: seed: not a libconfig value", "libconfig:");
  expect_error("seed=1.5", "--set seed=1.5: seed: expected an integer in 0 .. 2147483647",
               "got the float 1.5");
  expect_error("seed=[1, -1]", "--set seed=[1, -1]: seed[1]: -1 is out of range", NULL);
  expect_error("train=3", "--set train=3: train is a group", NULL);
  expect_error("train.cycles", "--set train.cycles: expected key=value", NULL);
  expect_error("train.cycles=", "--set train.cycles=: train.cycles: empty value", NULL);
  expect_error("run.ranks_per_task=[1,2]", "run.ranks_per_task: cannot be a list", NULL);
  expect_error("pde=burgers,wave", "--set pde=burgers,wave: pde: not a libconfig value", NULL);

  /* Integers libconfig 1.5 would wrap (it reads them as 32-bit ints without an L suffix). */
  expect_error("seed=4294967297",
               "--set seed=4294967297: seed: 4294967297 does not fit in the 32-bit integers "
               "libconfig reads (it would silently become 1); allowed: an integer in 0 .. "
               "2147483647",
               NULL);
  expect_error("seed=[1, 2147483648]", "--set seed=[1, 2147483648]: seed: 2147483648 does not fit",
               "silently become -2147483648");
  expect_error("train.cycles=-2147483649", "train.cycles: -2147483649 does not fit",
               "allowed: an integer in 1 .. 1000000");
  expect_error("network.hidden=[32, 4294967328]",
               "--set network.hidden=[32, 4294967328]: network.hidden: 4294967328 does not fit",
               "silently become 32");
  expect_error("holdout.points=99999999999999999999L",
               "holdout.points: 99999999999999999999L does "
               "not fit in 64 bits",
               NULL);

  /* An empty file is refused (test_config_errors), but not when an override sets a key. */
  pf_sweep *sw = NULL;
  char err[PF_CONFIG_ERR_MAX] = "";
  const char *s10[] = {"pde=wave"};
  PF_TEST_EXPECT(
      !pf_sweep_create_from_string("empty.cfg", "# nothing\n", 1, s10, &sw, err, sizeof err) && sw,
      "empty file with --set pde=wave refused: %s", err);
  pf_sweep_destroy(&sw);
  return pf_test_report("test_config_set");
}
