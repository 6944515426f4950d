/* The strong-Wolfe line search of torch.optim.LBFGS (torch/optim/lbfgs.py, _strong_wolfe and
 * _cubic_interpolate, themselves ports of Torch7's lswolfe.lua and polyinterp.lua), translated line
 * by line so that every branch is taken exactly where PyTorch takes it, plus the private vector
 * kernels of the module. Gradient vectors are never copied: the bracket holds pointers into three
 * preallocated buffers and the caller's gradient, and a free buffer is always available because at
 * most two are live at any time. A non-finite value ends the search (flagged, not an error). */
#include "optim/optim_impl.h"

#include <math.h>

#include "pinnfluence/core.h"

/* ------------------------------------------------------------------ vector kernels */

double pf_optim_dot(size_t n, const double *x, const double *y) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += x[i] * y[i];
    s1 += x[i + 1] * y[i + 1];
    s2 += x[i + 2] * y[i + 2];
    s3 += x[i + 3] * y[i + 3];
  }
  for (; i < n; i++) s0 += x[i] * y[i];
  return (s0 + s1) + (s2 + s3);
}

double pf_optim_asum(size_t n, const double *x) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += fabs(x[i]);
    s1 += fabs(x[i + 1]);
    s2 += fabs(x[i + 2]);
    s3 += fabs(x[i + 3]);
  }
  for (; i < n; i++) s0 += fabs(x[i]);
  return (s0 + s1) + (s2 + s3);
}

double pf_optim_amax(size_t n, const double *x) {
  double m = 0;
  for (size_t i = 0; i < n; i++) {
    double a = fabs(x[i]);
    if (a > m) m = a;
  }
  return m;
}

int pf_optim_all_finite(size_t n, const double *x) {
  /* x - x is 0 for finite x and NaN for Inf/NaN; summing keeps the loop branch-free. */
  double acc = 0;
  for (size_t i = 0; i < n; i++) acc += x[i] - x[i];
  return acc == 0;
}

/* ------------------------------------------------------------------ the line search */

/* Python's max(a, b) / min(a, b): the first argument unless the second is strictly larger /
 * smaller. This fixes which value wins on ties and NaN exactly as torch's code does. */
static double py_max(double a, double b) {
  return b > a ? b : a;
}
static double py_min(double a, double b) {
  return b < a ? b : a;
}

/* Minimiser of the cubic through (x1, f1, g1) and (x2, f2, g2), clamped to bounds (or to the
 * interval between x1 and x2 when bounds is NULL); the midpoint when the cubic has no minimum.
 * Same operation order as torch's _cubic_interpolate (polyinterp.lua). */
static double cubic_interpolate(double x1, double f1, double g1, double x2, double f2, double g2,
                                const double *bounds) {
  double xmin_bound, xmax_bound;
  if (bounds) {
    xmin_bound = bounds[0];
    xmax_bound = bounds[1];
  } else if (x1 <= x2) {
    xmin_bound = x1;
    xmax_bound = x2;
  } else {
    xmin_bound = x2;
    xmax_bound = x1;
  }
  double d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2);
  double d2_square = d1 * d1 - g1 * g2;
  if (d2_square >= 0) {
    double d2 = sqrt(d2_square);
    double min_pos;
    if (x1 <= x2)
      min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2));
    else
      min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
    return py_min(py_max(min_pos, xmin_bound), xmax_bound);
  }
  return (xmin_bound + xmax_bound) / 2.;
}

/* A gradient buffer not referenced by a or b. */
static double *free_buffer(const pf_line_fn *lf, const double *a, const double *b) {
  for (int k = 0; k < 3; k++)
    if (lf->work[k] != a && lf->work[k] != b) return lf->work[k];
  return NULL; /* unreachable: at most two of the three are live */
}

/* obj_func(x, t, d) of torch: loss and gradient at x + t d (computed as torch's p.add_(d, alpha=t)
 * does), and the directional derivative g . d. *bad is set on any non-finite value. */
static int evaluate(pf_line_fn *lf, double t, double *f, double *g, double *gtd, int *bad) {
  const size_t n = lf->n;
  if (!isfinite(t)) {
    *bad = 1;
    return PF_OK;
  }
  for (size_t i = 0; i < n; i++) lf->xt[i] = lf->x[i] + t * lf->d[i];
  PF_CALL(lf->fn(lf->user, lf->xt, f, g));
  lf->evals++;
  if (!isfinite(*f) || !pf_optim_all_finite(n, g)) {
    *bad = 1;
    return PF_OK;
  }
  *gtd = pf_optim_dot(n, g, lf->d);
  if (!isfinite(*gtd)) *bad = 1;
  return PF_OK;
}

int pf_line_search_strong_wolfe(pf_line_fn *lf, double t, double f, const double *g, double gtd,
                                pf_line_result *res) {
  const double c1 = 1e-4, c2 = 0.9, tolerance_change = 1e-9;
  const int max_ls = 25;
  const long evals0 = lf->evals;
  int bad = 0;

  res->t = 0;
  res->f = f;
  res->g = g;
  res->evals = 0;
  res->nonfinite = 0;

  double d_norm = pf_optim_amax(lf->n, lf->d);

  /* evaluate objective and gradient using initial step */
  double f_new, gtd_new = 0;
  double *g_new = lf->work[0];
  PF_CALL(evaluate(lf, t, &f_new, g_new, &gtd_new, &bad));
  if (bad) goto nonfinite;

  /* bracket an interval containing a point satisfying the Wolfe criteria */
  double t_prev = 0, f_prev = f, gtd_prev = gtd;
  const double *g_prev = g;
  int done = 0, ls_iter = 0;
  double bracket[2] = {0, 0}, bracket_f[2] = {0, 0}, bracket_gtd[2] = {0, 0};
  const double *bracket_g[2] = {NULL, NULL};
  int bracket_len = 0;
  while (ls_iter < max_ls) {
    /* check conditions */
    if (f_new > (f + c1 * t * gtd) || (ls_iter > 1 && f_new >= f_prev)) {
      bracket[0] = t_prev, bracket[1] = t;
      bracket_f[0] = f_prev, bracket_f[1] = f_new;
      bracket_g[0] = g_prev, bracket_g[1] = g_new;
      bracket_gtd[0] = gtd_prev, bracket_gtd[1] = gtd_new;
      bracket_len = 2;
      break;
    }
    if (fabs(gtd_new) <= -c2 * gtd) {
      bracket[0] = t;
      bracket_f[0] = f_new;
      bracket_g[0] = g_new;
      bracket_len = 1;
      done = 1;
      break;
    }
    if (gtd_new >= 0) {
      bracket[0] = t_prev, bracket[1] = t;
      bracket_f[0] = f_prev, bracket_f[1] = f_new;
      bracket_g[0] = g_prev, bracket_g[1] = g_new;
      bracket_gtd[0] = gtd_prev, bracket_gtd[1] = gtd_new;
      bracket_len = 2;
      break;
    }

    /* interpolate (extrapolate, within [t + 0.01 (t - t_prev), 10 t]) */
    double bounds[2] = {t + 0.01 * (t - t_prev), t * 10};
    double tmp = t;
    t = cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, bounds);

    /* next step */
    t_prev = tmp;
    f_prev = f_new;
    g_prev = g_new;
    gtd_prev = gtd_new;
    g_new = free_buffer(lf, g_prev, NULL);
    PF_CALL(evaluate(lf, t, &f_new, g_new, &gtd_new, &bad));
    if (bad) goto nonfinite;
    ls_iter++;
  }

  /* reached max number of iterations? */
  if (ls_iter == max_ls) {
    bracket[0] = 0, bracket[1] = t;
    bracket_f[0] = f, bracket_f[1] = f_new;
    bracket_g[0] = g, bracket_g[1] = g_new;
    bracket_len = 2;
  }

  /* zoom phase: we now have a point satisfying the criteria, or a bracket around it. Refine the
   * bracket until we find the exact point satisfying the criteria. */
  int insuf_progress = 0;
  /* find high and low points in bracket (bracket_f[-1] is the last entry) */
  int low_pos = 0, high_pos = 1;
  if (!(bracket_f[0] <= bracket_f[bracket_len - 1])) low_pos = 1, high_pos = 0;
  while (!done && ls_iter < max_ls) {
    /* line-search bracket is so small */
    if (fabs(bracket[1] - bracket[0]) * d_norm < tolerance_change) break;

    /* compute new trial value */
    t = cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1],
                          bracket_gtd[1], NULL);

    /* test that we are making sufficient progress: if t is so close to the boundary, we mark that
     * we are making insufficient progress, and if we have made insufficient progress in the last
     * step, or t is at one of the boundary, we move t to a position which is 0.1 * len(bracket)
     * away from the nearest boundary point. */
    double bmax = py_max(bracket[0], bracket[1]), bmin = py_min(bracket[0], bracket[1]);
    double eps = 0.1 * (bmax - bmin);
    if (py_min(bmax - t, t - bmin) < eps) {
      /* interpolation close to boundary */
      if (insuf_progress || t >= bmax || t <= bmin) {
        /* evaluate at 0.1 away from boundary */
        if (fabs(t - bmax) < fabs(t - bmin))
          t = bmax - eps;
        else
          t = bmin + eps;
        insuf_progress = 0;
      } else {
        insuf_progress = 1;
      }
    } else {
      insuf_progress = 0;
    }

    /* evaluate new point */
    g_new = free_buffer(lf, bracket_g[0], bracket_g[1]);
    PF_CALL(evaluate(lf, t, &f_new, g_new, &gtd_new, &bad));
    if (bad) goto nonfinite;
    ls_iter++;

    if (f_new > (f + c1 * t * gtd) || f_new >= bracket_f[low_pos]) {
      /* Armijo condition not satisfied or not lower than lowest point */
      bracket[high_pos] = t;
      bracket_f[high_pos] = f_new;
      bracket_g[high_pos] = g_new;
      bracket_gtd[high_pos] = gtd_new;
      if (bracket_f[0] <= bracket_f[1])
        low_pos = 0, high_pos = 1;
      else
        low_pos = 1, high_pos = 0;
    } else {
      if (fabs(gtd_new) <= -c2 * gtd) {
        /* Wolfe conditions satisfied */
        done = 1;
      } else if (gtd_new * (bracket[high_pos] - bracket[low_pos]) >= 0) {
        /* old high becomes new low */
        bracket[high_pos] = bracket[low_pos];
        bracket_f[high_pos] = bracket_f[low_pos];
        bracket_g[high_pos] = bracket_g[low_pos];
        bracket_gtd[high_pos] = bracket_gtd[low_pos];
      }
      /* new point becomes new low */
      bracket[low_pos] = t;
      bracket_f[low_pos] = f_new;
      bracket_g[low_pos] = g_new;
      bracket_gtd[low_pos] = gtd_new;
    }
  }

  res->t = bracket[low_pos];
  res->f = bracket_f[low_pos];
  res->g = bracket_g[low_pos];
  res->evals = (int)(lf->evals - evals0);
  return PF_OK;

nonfinite:
  res->nonfinite = 1;
  res->evals = (int)(lf->evals - evals0);
  return PF_OK;
}
