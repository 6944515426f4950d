/* Sweeps: the number of tasks is the product of the list lengths, the axes follow the canonical
 * key order whatever the file order, the last axis varies fastest; lists of one value are plain
 * values; network.hidden sweeps are lists of arrays; the canonical sweep text parses back to the
 * same sweep. */
#include "pf_test.h"
#include "pinnfluence/config.h"
#include "pinnfluence/core.h"

#include <stdlib.h>
#include <string.h>

static pf_sweep *parse(const char *text) {
  pf_sweep *sw = NULL;
  char err[PF_CONFIG_ERR_MAX];
  int rc = pf_sweep_create_from_string("sweep.cfg", text, 0, NULL, &sw, err, sizeof err);
  PF_TEST_EXPECT(rc == 0 && sw, "parse failed: %s", err);
  return rc ? NULL : sw;
}

static void check_reparse(const pf_sweep *sw, const char *what) {
  char *text = NULL, *again = NULL;
  PF_TEST_OK(pf_sweep_canonical(sw, &text));
  pf_sweep *sw2 = text ? parse(text) : NULL;
  if (sw2) {
    PF_TEST_OK(pf_sweep_canonical(sw2, &again));
    PF_TEST_EXPECT(again && !strcmp(text, again), "%s: canonical text does not round-trip:\n%s\n%s",
                   what, text, again ? again : "");
    PF_TEST_EXPECT(pf_sweep_ntasks(sw2) == pf_sweep_ntasks(sw), "%s: task count", what);
    for (int i = 0; i < pf_sweep_ntasks(sw); i++) {
      pf_config a, b;
      char ta[PF_CONFIG_CANONICAL_MAX], tb[PF_CONFIG_CANONICAL_MAX];
      PF_TEST_OK(pf_sweep_task(sw, i, &a));
      PF_TEST_OK(pf_sweep_task(sw2, i, &b));
      PF_TEST_OK(pf_config_canonical(&a, ta, sizeof ta));
      PF_TEST_OK(pf_config_canonical(&b, tb, sizeof tb));
      PF_TEST_EXPECT(!strcmp(ta, tb), "%s: task %d differs after the round trip", what, i);
    }
  }
  free(text);
  free(again);
  pf_sweep_destroy(&sw2);
}

int main(void) {
  /* Three axes given in the reverse of the canonical order. */
  pf_sweep *sw = parse("sample = { method = (\"rar\", \"random\"); };\n"
                       "seed = [1, 2, 3];\n"
                       "pde = [\"burgers\", \"wave\"];\n");
  if (sw) {
    PF_TEST_EXPECT(pf_sweep_ntasks(sw) == 12, "%d tasks, want 12", pf_sweep_ntasks(sw));
    PF_TEST_EXPECT(pf_sweep_naxes(sw) == 3, "%d axes, want 3", pf_sweep_naxes(sw));
    static const char *const axes[] = {"pde", "seed", "sample.method"};
    static const int lens[] = {2, 3, 2};
    for (int a = 0; a < 3; a++) {
      const char *key = NULL;
      int len = 0;
      PF_TEST_OK(pf_sweep_axis(sw, a, &key, &len));
      PF_TEST_EXPECT(key && !strcmp(key, axes[a]) && len == lens[a], "axis %d: %s x %d", a, key,
                     len);
    }
    pf_error_set_quiet(1);
    PF_TEST_EXPECT(pf_sweep_axis(sw, 3, NULL, NULL) == PF_ERR_ARG, "axis 3 exists");
    pf_config c;
    PF_TEST_EXPECT(pf_sweep_task(sw, 12, &c) == PF_ERR_ARG, "task 12 exists");
    PF_TEST_EXPECT(pf_sweep_task(sw, -1, &c) == PF_ERR_ARG, "task -1 exists");
    pf_error_set_quiet(0);
    static const char *const pdes[] = {"burgers", "wave"};
    static const char *const methods[] = {"rar", "random"};
    for (int i = 0; i < 12; i++) {
      int p = i / 6, s = (i / 2) % 3, m = i % 2; /* last axis fastest */
      PF_TEST_OK(pf_sweep_task(sw, i, &c));
      PF_TEST_EXPECT(!strcmp(c.pde, pdes[p]) && c.seed == s + 1 &&
                         !strcmp(c.sample.method, methods[m]),
                     "task %d: %s seed %d %s", i, c.pde, c.seed, c.sample.method);
      char label[256], want[256];
      PF_TEST_OK(pf_sweep_task_label(sw, i, label, sizeof label));
      snprintf(want, sizeof want, "pde=%s seed=%d sample.method=%s", pdes[p], s + 1, methods[m]);
      PF_TEST_EXPECT(!strcmp(label, want), "task %d label \"%s\", want \"%s\"", i, label, want);
    }
    check_reparse(sw, "3 axes");
    pf_sweep_destroy(&sw);
  }

  /* network.hidden: a list of arrays is a sweep; an array is one network. */
  sw = parse("network = { hidden = ([32, 32, 32], [64, 64]); };\n"
             "train = { adam_lr = (1, 0.5); };\n");
  if (sw) {
    PF_TEST_EXPECT(pf_sweep_ntasks(sw) == 4, "hidden x lr: %d tasks", pf_sweep_ntasks(sw));
    pf_config c;
    PF_TEST_OK(pf_sweep_task(sw, 1, &c));
    PF_TEST_EXPECT(c.network.nhidden == 3 && c.network.hidden[2] == 32 && c.train.adam_lr == 0.5,
                   "task 1: %d layers, lr %g", c.network.nhidden, c.train.adam_lr);
    PF_TEST_OK(pf_sweep_task(sw, 2, &c));
    PF_TEST_EXPECT(c.network.nhidden == 2 && c.network.hidden[1] == 64 &&
                       c.network.hidden[2] == 0 && c.train.adam_lr == 1.0,
                   "task 2: %d layers, lr %g", c.network.nhidden, c.train.adam_lr);
    char label[256];
    PF_TEST_OK(pf_sweep_task_label(sw, 3, label, sizeof label));
    PF_TEST_EXPECT(!strcmp(label, "network.hidden=64x64 train.adam_lr=0.5"), "label \"%s\"", label);
    check_reparse(sw, "hidden x lr");
    pf_sweep_destroy(&sw);
  }
  sw = parse("network = { hidden = [16, 16]; };");
  if (sw) {
    PF_TEST_EXPECT(pf_sweep_ntasks(sw) == 1 && pf_sweep_naxes(sw) == 0, "one network: %d tasks",
                   pf_sweep_ntasks(sw));
    pf_sweep_destroy(&sw);
  }

  /* A list of one value is the value; lists of booleans and floats sweep too. */
  sw = parse("seed = [5]; run = { store_pool_scores = [true, false]; };\n"
             "sample = { k = [0.5, 1.5, 2.0]; strategy = (\"top_k\"); };");
  if (sw) {
    PF_TEST_EXPECT(pf_sweep_ntasks(sw) == 6 && pf_sweep_naxes(sw) == 2, "%d tasks %d axes",
                   pf_sweep_ntasks(sw), pf_sweep_naxes(sw));
    pf_config c;
    PF_TEST_OK(pf_sweep_task(sw, 5, &c));
    PF_TEST_EXPECT(c.seed == 5 && c.sample.k == 2.0 && c.run.store_pool_scores == 0 &&
                       !strcmp(c.sample.strategy, "top_k"),
                   "task 5: seed %d k %g store %d", c.seed, c.sample.k, c.run.store_pool_scores);
    PF_TEST_OK(pf_sweep_task(sw, 0, &c));
    PF_TEST_EXPECT(c.sample.k == 0.5 && c.run.store_pool_scores == 1, "task 0");
    check_reparse(sw, "bool x float");
    pf_sweep_destroy(&sw);
  }

  /* No axes: the label is empty, one task. */
  sw = parse("pde = \"allen_cahn\";");
  if (sw) {
    char label[64] = "x";
    PF_TEST_OK(pf_sweep_task_label(sw, 0, label, sizeof label));
    PF_TEST_EXPECT(label[0] == '\0', "label \"%s\"", label);
    check_reparse(sw, "no axes");
    pf_sweep_destroy(&sw);
  }

  /* The product is capped: 1001 x 1000 tasks is refused with a message. */
  size_t cap = 20000;
  char *text = malloc(cap);
  if (text) {
    size_t n = (size_t)snprintf(text, cap, "seed = [");
    for (int i = 0; i < 1001; i++)
      n += (size_t)snprintf(text + n, cap - n, "%s%d", i ? "," : "", i);
    n += (size_t)snprintf(text + n, cap - n, "];\nholdout = { points = [");
    for (int i = 1; i <= 1000; i++)
      n += (size_t)snprintf(text + n, cap - n, "%s%d", i > 1 ? "," : "", i);
    snprintf(text + n, cap - n, "]; };\n");
    char err[PF_CONFIG_ERR_MAX];
    int rc = pf_sweep_create_from_string("big.cfg", text, 0, NULL, &sw, err, sizeof err);
    PF_TEST_EXPECT(rc == PF_ERR_CONFIG && !sw, "a sweep of 1001000 tasks was accepted");
    PF_TEST_EXPECT(strstr(err, "big.cfg:2: holdout.points:") && strstr(err, "1000000"),
                   "message: %s", err);
    free(text);
  }
  return pf_test_report("test_config_sweep");
}
