/* Shared by the run tests: `predict` on a task's holdout set, its output parsed (the header line
 * naming the columns, then per point the inputs, every output and every residual component), and
 * the L2 relative error over every output against the holdout reference, as the task loop computes
 * it. */
#ifndef RUN_TEST_H
#define RUN_TEST_H

#include "pf_test.h"
#include "pinnfluence/pde.h"
#include "pinnfluence/predict.h"
#include "pinnfluence/sweep.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The header predict must write for p: "# " and the input, output and component names. */
static inline void rt_header(const pf_pde *p, char *buf, size_t len) {
  char in[80], out[80], comp[80];
  pf_task_problem_names(p, PF_NAMES_INPUTS, ' ', in, sizeof in);
  pf_task_problem_names(p, PF_NAMES_OUTPUTS, ' ', out, sizeof out);
  pf_task_problem_names(p, PF_NAMES_COMPONENTS, ' ', comp, sizeof comp);
  snprintf(buf, len, "# %s %s %s\n", in, out, comp);
}

/* predict on the n points X (n, d) of problem p: the header is checked, the inputs must come back
 * exactly; u (n, m) and r (n, k) receive the outputs and the residual components (either may be
 * NULL). Returns the L2 relative error of u against ref (n, m) over every output (ref NULL: 0). */
static inline double rt_predict(pf_ctx *ctx, const char *path, int task, const pf_pde *p, size_t n,
                                const double *X, const double *ref, double *u, double *r) {
  const int d = pf_pde_dim(p), m = pf_pde_outputs(p), k = p->ops.k;
  FILE *in = tmpfile(), *out = tmpfile();
  fprintf(in, "# a comment line\n");
  for (size_t i = 0; i < n; i++)
    for (int j = 0; j < d; j++)
      fprintf(in, "%.17g%c", X[i * (size_t)d + (size_t)j], j + 1 < d ? ' ' : '\n');
  rewind(in);
  PF_TEST_OK(pf_predict(ctx, path, task, in, out));
  rewind(out);
  char want[256], line[256] = "";
  rt_header(p, want, sizeof want);
  PF_TEST_EXPECT(fgets(line, sizeof line, out) && !strcmp(line, want),
                 "predict's header \"%s\", want \"%s\"", line, want);
  double num = 0, den = 0;
  int bad = 0;
  for (size_t i = 0; i < n && !bad; i++) {
    double v;
    for (int j = 0; j < d && !bad; j++) {
      bad = fscanf(out, "%lf", &v) != 1;
      if (!bad && v != X[i * (size_t)d + (size_t)j]) {
        PF_TEST_EXPECT(0, "predict line %zu: input %d is %.17g, not %.17g", i, j, v,
                       X[i * (size_t)d + (size_t)j]);
        bad = 1;
      }
    }
    for (int o = 0; o < m && !bad; o++) {
      bad = fscanf(out, "%lf", &v) != 1;
      if (u) u[i * (size_t)m + (size_t)o] = v;
      if (ref) {
        const double e = ref[i * (size_t)m + (size_t)o];
        num += (e - v) * (e - v), den += e * e;
      }
    }
    for (int j = 0; j < k && !bad; j++) {
      bad = fscanf(out, "%lf", &v) != 1;
      if (r) r[i * (size_t)k + (size_t)j] = v;
    }
  }
  PF_TEST_EXPECT(!bad, "predict wrote too few numbers");
  double extra;
  PF_TEST_EXPECT(fscanf(out, "%lf", &extra) != 1, "predict wrote more than %zu lines", n);
  fclose(in), fclose(out);
  return ref ? sqrt(num) / sqrt(den) : 0;
}

/* predict on the task's holdout set (pf_pde_holdout of p, seed, nh random points) against its
 * reference; r (n, k) may be NULL. */
static inline double rt_predicted_l2(pf_ctx *ctx, const char *path, int task, const pf_pde *p,
                                     uint64_t seed, size_t nh, double **r) {
  size_t n = 0;
  double *X = NULL, *u = NULL;
  PF_TEST_OK(pf_pde_holdout(p, seed, nh, &n, &X, &u));
  if (r) *r = malloc((n ? n : 1) * (size_t)p->ops.k * sizeof **r);
  const double l2 = rt_predict(ctx, path, task, p, n, X, u, NULL, r ? *r : NULL);
  PF_FREE(&X), PF_FREE(&u);
  return l2;
}

#endif
