/* Every shipped config in configs/ parses and validates; the paper configs hold the paper's
 * settings; quickstart is the small sweep it claims to be. Argument: the configs directory. */
#include "pf_test.h"
#include "pinnfluence/config.h"
#include "pinnfluence/core.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

static void check_paper(const char *name, const pf_sweep *sw) {
  /* seeds 1..10 x 7 methods x 2 modes */
  PF_TEST_EXPECT(pf_sweep_ntasks(sw) == 140, "%s: %d tasks, want 140", name, pf_sweep_ntasks(sw));
  char pde[64];
  snprintf(pde, sizeof pde, "%s", name);
  char *dot = strrchr(pde, '.');
  if (dot) *dot = '\0';
  for (int i = 0; i < pf_sweep_ntasks(sw); i++) {
    pf_config c, d;
    if (pf_sweep_task(sw, i, &c)) {
      PF_TEST_EXPECT(0, "%s: task %d", name, i);
      continue;
    }
    PF_TEST_EXPECT(!strcmp(c.pde, pde), "%s: task %d has pde %s", name, i, c.pde);
    /* Apart from seed and method, a task equals the paper defaults of its pde and mode. */
    PF_TEST_OK(pf_config_default(c.pde, c.sample.mode, &d));
    d.seed = c.seed;
    memcpy(d.sample.method, c.sample.method, sizeof d.sample.method);
    char a[PF_CONFIG_CANONICAL_MAX], b[PF_CONFIG_CANONICAL_MAX];
    PF_TEST_OK(pf_config_canonical(&c, a, sizeof a));
    PF_TEST_OK(pf_config_canonical(&d, b, sizeof b));
    PF_TEST_EXPECT(!strcmp(a, b), "%s: task %d differs from the paper defaults:\n%s\nvs\n%s", name,
                   i, a, b);
    PF_TEST_EXPECT(c.seed == i / 14 + 1, "%s: task %d seed %d", name, i, c.seed);
  }
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s CONFIGS_DIR\n", argv[0]);
    return 2;
  }
  DIR *d = opendir(argv[1]);
  if (!d) {
    perror(argv[1]);
    return 1;
  }
  int nfiles = 0, npaper = 0, quick = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    size_t n = strlen(e->d_name);
    if (n < 5 || strcmp(e->d_name + n - 4, ".cfg")) continue;
    char path[4096], err[PF_CONFIG_ERR_MAX];
    snprintf(path, sizeof path, "%s/%s", argv[1], e->d_name);
    pf_sweep *sw = NULL;
    int rc = pf_sweep_create(path, 0, NULL, &sw, err, sizeof err);
    PF_TEST_EXPECT(rc == 0, "%s does not parse: %s", path, err);
    if (rc) continue;
    nfiles++;
    fprintf(stderr, "%s: %d tasks\n", e->d_name, pf_sweep_ntasks(sw));
    for (int i = 0; i < pf_sweep_ntasks(sw); i++) {
      pf_config c;
      PF_TEST_OK(pf_sweep_task(sw, i, &c));
      PF_TEST_EXPECT(pf_config_validate(&c, err, sizeof err) == 0, "%s task %d: %s", e->d_name, i,
                     err);
    }
    if (!strcmp(e->d_name, "quickstart.cfg")) {
      quick = 1;
      /* burgers, diffusion x seeds 1, 2 x static, random, rar, pinnfluence (the method shows) */
      PF_TEST_EXPECT(pf_sweep_ntasks(sw) == 16, "quickstart: %d tasks", pf_sweep_ntasks(sw));
      static const char *const axes[] = {"pde", "seed", "sample.method"};
      PF_TEST_EXPECT(pf_sweep_naxes(sw) == 3, "quickstart: %d axes", pf_sweep_naxes(sw));
      for (int a = 0; a < pf_sweep_naxes(sw) && a < 3; a++) {
        const char *key = NULL;
        PF_TEST_OK(pf_sweep_axis(sw, a, &key, NULL));
        PF_TEST_EXPECT(key && !strcmp(key, axes[a]), "quickstart: axis %d is %s", a, key);
      }
      pf_config c;
      PF_TEST_OK(pf_sweep_task(sw, 0, &c));
      PF_TEST_EXPECT(c.train.cycles <= 5 && !strcmp(c.sample.mode, "add"), "quickstart: too long");
      PF_TEST_OK(pf_sweep_task(sw, 3, &c));
      PF_TEST_EXPECT(!strcmp(c.sample.method, "pinnfluence"),
                     "quickstart: task 3 is %s, want pinnfluence", c.sample.method);
    } else if (strcmp(e->d_name, "quickstart.cfg")) {
      static const char *const paper[] = {"diffusion.cfg", "burgers.cfg", "allen_cahn.cfg",
                                          "wave.cfg", "drift_diffusion.cfg"};
      for (int p = 0; p < 5; p++)
        if (!strcmp(e->d_name, paper[p])) {
          npaper++;
          check_paper(e->d_name, sw);
        }
    }
    pf_sweep_destroy(&sw);
  }
  closedir(d);
  PF_TEST_EXPECT(npaper == 5, "found %d of the 5 paper configs", npaper);
  PF_TEST_EXPECT(quick, "quickstart.cfg missing");
  PF_TEST_EXPECT(nfiles >= 6, "parsed %d configs", nfiles);
  return pf_test_report("test_config_files");
}
