/* Shared by the pde tests: the initial and boundary values each built-in problem prescribes. */
#ifndef PF_TEST_PDE_VALUES_H
#define PF_TEST_PDE_VALUES_H

#include "pinnfluence/pde.h"

#include <math.h>
#include <string.h>

#ifndef PI
#define PI 3.14159265358979323846
#endif

/* initial and boundary values the problem prescribes (PAPER.md section 1; heat2d: pde.h) */
static double initial_value(const char *name, const double *X) {
  const double x = X[0];
  if (!strcmp(name, "diffusion")) return sin(PI * x);
  if (!strcmp(name, "burgers")) return -sin(PI * x);
  if (!strcmp(name, "allen_cahn")) return x * x * cos(PI * x);
  if (!strcmp(name, "wave")) return sin(PI * x) + 0.5 * sin(4 * PI * x);
  if (!strcmp(name, "heat2d")) return (sin(PI * x) + 0.5 * sin(2 * PI * x)) * sin(PI * X[1]);
  return sin(2 * x + PI / 4); /* drift_diffusion */
}
static double boundary_value(const pf_pde *p, const double *X) {
  const double *k = pf_pde_coefficients(p);
  if (!strcmp(p->name, "allen_cahn")) return -1.0;
  if (!strcmp(p->name, "drift_diffusion"))
    return sin(2 * X[0] - 2 * k[1] * X[1] + PI / 4) * exp(-4 * k[0] * X[1]);
  return 0.0;
}

#endif
