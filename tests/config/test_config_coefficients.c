/* The problems' coefficients as configuration keys (coefficients = { nu = ...; }): a list is a
 * sweep axis; a task at the paper's coefficients keeps the canonical text (and hash) it had before
 * coefficients existed, others carry them; a coefficient the task's problem does not have, or a
 * value outside the problem's range, is an error naming the key, the problem and what is allowed;
 * the task spec gets the problem with those coefficients. */
#include "pf_test.h"
#include "pinnfluence/config.h"
#include "pinnfluence/core.h"
#include "pinnfluence/pde.h"
#include "pinnfluence/sweep.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PI 3.14159265358979323846

static pf_sweep *parse(const char *text, char *err, size_t len) {
  pf_sweep *sw = NULL;
  err[0] = '\0';
  if (pf_sweep_create_from_string("coef.cfg", text, 0, NULL, &sw, err, len)) return NULL;
  return sw;
}

static void refused(const char *text, const char *want1, const char *want2) {
  char err[PF_CONFIG_ERR_MAX];
  pf_sweep *sw = parse(text, err, sizeof err);
  PF_TEST_EXPECT(sw == NULL, "accepted: %s", text);
  PF_TEST_EXPECT(strstr(err, want1) && (!want2 || strstr(err, want2)),
                 "message for\n%s\n  is: %s\n  want: %s / %s", text, err, want1,
                 want2 ? want2 : "");
  fprintf(stderr, "  %s\n", err);
  pf_sweep_destroy(&sw);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  char err[PF_CONFIG_ERR_MAX], t0[PF_CONFIG_CANONICAL_MAX], t1[PF_CONFIG_CANONICAL_MAX];

  /* a grid over burgers' viscosity: three tasks, the first at the paper's value (0.01/pi, 0.005/pi,
   * 0.002/pi written with the fewest digits that give the same doubles) */
  pf_sweep *sw = parse("pde = \"burgers\";\ncoefficients = { nu = [0.003183098861837907, "
                       "0.0015915494309189536, 0.0006366197723675814]; };\n",
                       err, sizeof err);
  PF_TEST_EXPECT(sw != NULL, "nu grid refused: %s", err);
  if (sw) {
    PF_TEST_EXPECT(pf_sweep_ntasks(sw) == 3 && pf_sweep_naxes(sw) == 1, "%d tasks, %d axes",
                   pf_sweep_ntasks(sw), pf_sweep_naxes(sw));
    pf_config def, c;
    PF_TEST_OK(pf_config_default("burgers", "add", &def));
    PF_TEST_EXPECT(def.coefficients.nu == 0.01 / PI && isnan(def.coefficients.c),
                   "defaults: nu %.17g, c %g", def.coefficients.nu, def.coefficients.c);
    PF_TEST_OK(pf_config_canonical(&def, t0, sizeof t0));
    PF_TEST_EXPECT(!strstr(t0, "coefficients"), "the default text names coefficients:\n%s", t0);
    const double want[3] = {0.01 / PI, 0.005 / PI, 0.002 / PI};
    for (int i = 0; i < 3; i++) {
      PF_TEST_OK(pf_sweep_task(sw, i, &c));
      PF_TEST_EXPECT(c.coefficients.nu == want[i], "task %d: nu %.17g", i, c.coefficients.nu);
      PF_TEST_OK(pf_config_canonical(&c, t1, sizeof t1));
      if (i == 0)
        PF_TEST_EXPECT(!strcmp(t0, t1), "nu = the default changes the text:\n%s", t1);
      else
        PF_TEST_EXPECT(strstr(t1, "coefficients = {\n  nu = ") && strcmp(t0, t1),
                       "task %d text lacks its nu:\n%s", i, t1);
      pf_task_spec s;
      PF_TEST_OK(pf_task_spec_from_config(&c, &s));
      const pf_pde *base = pf_pde_find("burgers");
      PF_TEST_EXPECT(i == 0 ? s.pde == base : (s.pde != base && pf_pde_base(s.pde) == base),
                     "task %d: problem instance", i);
      PF_TEST_EXPECT(pf_pde_coefficients(s.pde)[0] == want[i], "task %d: the spec's nu %.17g", i,
                     pf_pde_coefficients(s.pde)[0]);
      char label[128];
      PF_TEST_OK(pf_sweep_task_label(sw, i, label, sizeof label));
      PF_TEST_EXPECT(strstr(label, "coefficients.nu="), "label %s", label);
    }
    pf_sweep_destroy(&sw);
  }

  /* two coefficients of one problem; a sweep text without coefficients names none */
  sw = parse("pde = \"drift_diffusion\";\ncoefficients = { D = 0.5; beta = [10.0, 20.0]; };\n", err,
             sizeof err);
  PF_TEST_EXPECT(sw && pf_sweep_ntasks(sw) == 2, "drift_diffusion grid: %s", err);
  pf_sweep_destroy(&sw);
  /* heat2d's diffusivity: at its default (0.05) the text names no coefficient and the spec gets
   * the registry entry; another value is in the text, the spec's problem and the label */
  sw = parse("pde = \"heat2d\";\ncoefficients = { alpha = [0.05, 0.1]; };\n", err, sizeof err);
  PF_TEST_EXPECT(sw && pf_sweep_ntasks(sw) == 2, "heat2d alpha grid: %s", err);
  for (int i = 0; sw && i < 2; i++) {
    pf_config c;
    pf_task_spec s;
    char label[96];
    PF_TEST_OK(pf_sweep_task(sw, i, &c));
    PF_TEST_OK(pf_config_canonical(&c, t1, sizeof t1));
    PF_TEST_EXPECT(i == 0 ? !strstr(t1, "coefficients") : strstr(t1, "alpha = 0.1") != NULL,
                   "heat2d task %d text:\n%s", i, t1);
    PF_TEST_OK(pf_task_spec_from_config(&c, &s));
    const pf_pde *base = pf_pde_find("heat2d");
    PF_TEST_EXPECT(base && (i == 0 ? s.pde == base : pf_pde_base(s.pde) == base) &&
                       pf_pde_coefficients(s.pde)[0] == (i ? 0.1 : 0.05),
                   "heat2d task %d: problem instance", i);
    pf_task_problem_label(&c, label, sizeof label);
    PF_TEST_EXPECT(!strcmp(label, i ? "heat2d alpha=0.1" : "heat2d"), "heat2d label \"%s\"", label);
  }
  pf_sweep_destroy(&sw);
  sw = parse("pde = [\"burgers\", \"wave\"];\nseed = [1, 2];\n", err, sizeof err);
  PF_TEST_EXPECT(sw != NULL, "plain sweep refused: %s", err);
  if (sw) {
    char *text = NULL;
    PF_TEST_OK(pf_sweep_canonical(sw, &text));
    PF_TEST_EXPECT(text && !strstr(text, "coefficients"), "sweep text names coefficients:\n%s",
                   text);
    free(text);
    pf_sweep_destroy(&sw);
  }

  /* refusals */
  refused("pde = \"wave\";\ncoefficients = { nu = 0.01; };\n",
          "coefficients.nu: wave has no coefficient nu; its coefficients: c (wave speed)", NULL);
  refused("pde = [\"burgers\", \"wave\"];\ncoefficients = { nu = 0.005; };\n",
          "wave has no coefficient nu", NULL);
  refused("pde = \"burgers\";\ncoefficients = { nu = -1.0; };\n",
          "coefficients.nu: -1.0 is out of range for burgers; allowed: ", "(viscosity)");
  refused("pde = \"allen_cahn\";\ncoefficients = { k = 1e9; };\n", "is out of range for allen_cahn",
          "(reaction)");
  refused("pde = \"burgers\";\ncoefficients = { mu = 0.1; };\n", "coefficients.mu: unknown key",
          NULL);
  refused("pde = \"heat2d\";\ncoefficients = { nu = 0.01; };\n",
          "coefficients.nu: heat2d has no coefficient nu; its coefficients: alpha (diffusivity)",
          NULL);
  refused("pde = \"heat2d\";\ncoefficients = { alpha = 2.0; };\n", "is out of range for heat2d",
          "(diffusivity)");
  refused("pde = \"burgers\";\ncoefficients = { alpha = 0.1; };\n",
          "coefficients.alpha: burgers has no coefficient alpha", NULL);
  refused("pde = \"burgers\";\ncoefficients = { nu = \"small\"; };\n", "coefficients.nu", NULL);

  int rc = pf_test_report("test_config_coefficients");
  MPI_Finalize();
  return rc;
}
