/* `pinnfluence status` and `pinnfluence report`: counts by status, and the paper-style table of
 * final L2 relative errors and test losses (mean ± std over seeds) from a results file; for tasks
 * that train coefficients (inverse problems), a table of the final learned values and their
 * relative errors |c - c_true| / |c_true| (c_true: /tasks/coef_true). */
#include "pinnfluence/config.h"
#include "pinnfluence/pde.h"
#include "pinnfluence/report.h"
#include "pinnfluence/sample.h"
#include "pinnfluence/store.h"
#include "pinnfluence/sweep.h"

#include <math.h>
#include <string.h>
#include <unistd.h>

/* Distinct problems and methods a table holds: the names are checked against the registries, so
 * at most the registered ones appear; the bound guards the tables all the same. */
#define MAXG 64
#define MAXP 64 /* problems, each with its coefficients (a coefficient grid) */

typedef struct {
  char name[96]; /* "burgers", or "burgers nu=0.00159155" */
} name_t;

static const char *const modes_known[2] = {"add", "replace"};

/* Index of s in the list, appended if new (in order of first appearance); -1 if the list is full
 * (max entries). */
static int intern(name_t *list, int *n, int max, const char *s) {
  for (int i = 0; i < *n; i++)
    if (!strcmp(list[i].name, s)) return i;
  if (*n >= max) return -1;
  snprintf(list[*n].name, sizeof list[*n].name, "%s", s);
  return (*n)++;
}

/* Index of a mode name in modes_known, or -1. */
static int mode_index(const char *s) {
  for (int i = 0; i < 2; i++)
    if (!strcmp(s, modes_known[i])) return i;
  return -1;
}

/* A problem defined in the configuration is known once its task's canonical text is read. */
static void define_problem(const pf_store_task *d) {
  if (pf_pde_find(d->pde) || !d->canonical) return;
  pf_config cfg;
  char err[PF_CONFIG_ERR_MAX];
  (void)pf_task_config_from_text(d->canonical, &cfg, err, sizeof err);
}

/* The names of a task must be registered ones: anything else comes from a damaged file. */
static int check_names(const char *path, int task, const pf_store_task *d) {
  define_problem(d);
  PF_CHECK(pf_pde_find(d->pde) != NULL, PF_ERR_IO,
           "%s: dataset /tasks/pde, task %d: \"%s\" is not a known problem; the file is damaged",
           path, task, d->pde);
  PF_CHECK(pf_score_method_find(d->method) != NULL, PF_ERR_IO,
           "%s: dataset /tasks/method, task %d: \"%s\" is not a known method; the file is damaged",
           path, task, d->method);
  PF_CHECK(mode_index(d->mode) >= 0, PF_ERR_IO,
           "%s: dataset /tasks/mode, task %d: \"%s\" is not a mode (add, replace); the file is "
           "damaged",
           path, task, d->mode);
  return PF_OK;
}

/* Copy text from a file to out with control characters (bytes below 0x20, 0x7f) and bytes that
 * are not part of valid UTF-8 written as \xNN, so no terminal escape sequence reaches the
 * user's terminal. */
static void print_safe(FILE *out, const char *s) {
  const unsigned char *p = (const unsigned char *)s;
  while (*p) {
    int len = 0; /* length of a valid UTF-8 sequence starting at p (0: not one) */
    if (*p >= 0x20 && *p < 0x7f) {
      len = 1;
    } else if (*p >= 0xc2 && *p <= 0xf4) {
      const int n = *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 : 2;
      len = n;
      for (int k = 1; k < n && len; k++)
        if ((p[k] & 0xc0) != 0x80) len = 0;
      /* overlong 3- and 4-byte forms, surrogates and code points past U+10FFFF */
      if (len == 3 && ((*p == 0xe0 && p[1] < 0xa0) || (*p == 0xed && p[1] >= 0xa0))) len = 0;
      if (len == 4 && ((*p == 0xf0 && p[1] < 0x90) || (*p == 0xf4 && p[1] >= 0x90))) len = 0;
    }
    if (len == 0) {
      fprintf(out, "\\x%02x", *p);
      p++;
    } else {
      fwrite(p, 1, (size_t)len, out);
      p += len;
    }
  }
}

int pf_status(const pf_ctx *ctx, const char *path, FILE *out) {
  pf_store *st = NULL;
  PF_CALL(pf_store_open(ctx->comm, path, 0, &st));
  const int T = pf_store_ntasks(st);
  name_t methods[MAXG];
  int nm = 0, counts[MAXG + 1][PF_TASK_STATUS_MAX + 1];
  memset(counts, 0, sizeof counts);
  char reason[PF_STORE_REASON_LEN];
  /* No run holds the store (its lock file is gone): a task still marked running was left so by a
   * run that was killed (SIGKILL, a node failure) and is interrupted, not running. */
  char lock[4096];
  snprintf(lock, sizeof lock, "%s.lock", path);
  const int held = access(lock, F_OK) == 0;
  int rc = PF_OK;
  for (int i = 0; i < T && !rc; i++) {
    pf_store_task d;
    pf_task_status s;
    rc = pf_store_read_task(st, i, &d);
    if (!rc) rc = check_names(path, i, &d);
    if (!rc) rc = pf_store_read_status(st, i, &s, reason, sizeof reason);
    if (rc) break;
    int m = intern(methods, &nm, MAXG, d.method);
    if (m < 0) {
      rc = pf_error(PF_ERR_IO, __FILE__, __LINE__, __func__,
                    "%s: dataset /tasks/method, task %d: more than %d distinct methods", path, i,
                    MAXG);
      break;
    }
    if ((int)s < 0 || (int)s > PF_TASK_STATUS_MAX) s = PF_TASK_PENDING;
    if (s == PF_TASK_RUNNING && !held) {
      s = PF_TASK_INTERRUPTED;
      snprintf(reason, sizeof reason, "%s", "its run was killed (no run holds the store)");
    }
    counts[MAXG][s]++;
    counts[m][s]++;
    if (s == PF_TASK_FAILED || s == PF_TASK_INTERRUPTED) {
      fprintf(out,
              "%s: task %d (%s %s %s seed %lld): ", s == PF_TASK_FAILED ? "failed" : "interrupted",
              i, d.pde, d.method, d.mode, (long long)d.seed);
      print_safe(out, reason);
      fputc('\n', out);
    }
  }
  if (!rc) {
    fprintf(out, "%-14s %7s %7s %7s %7s %11s %7s\n", "method", "done", "running", "failed",
            "pending", "interrupted", "total");
    for (int m = 0; m <= nm; m++) {
      const int *c = counts[m == nm ? MAXG : m];
      fprintf(out, "%-14s %7d %7d %7d %7d %11d %7d\n", m == nm ? "all" : methods[m].name, c[2],
              c[1], c[3], c[0], c[4], c[0] + c[1] + c[2] + c[3] + c[4]);
    }
  }
  pf_store_close(&st);
  return rc;
}

typedef struct {
  int n;
  double l2[2], tl[2]; /* running sums of value and square */
  /* trained coefficient j: tasks that trained it, sums of the final value and of its relative
   * error (value and square) */
  int nc[PF_STORE_MAX_COEF];
  double cv[PF_STORE_MAX_COEF][2], ce[PF_STORE_MAX_COEF][2];
} cell;

/* Per problem column: its coefficients' names and true values (from its first done task). */
typedef struct {
  int ncoef;
  char names[PF_STORE_MAX_COEF][PF_STORE_NAMES_LEN + 1];
  double truth[PF_STORE_MAX_COEF];
} coef_desc;

/* Split a comma-separated name list into cd (at most PF_STORE_MAX_COEF names). */
static void split_names(const pf_store_task *d, coef_desc *cd) {
  cd->ncoef = d->ncoef;
  const char *p = d->coef_names ? d->coef_names : "";
  for (int j = 0; j < d->ncoef && j < PF_STORE_MAX_COEF; j++) {
    size_t n = strcspn(p, ",");
    if (n > PF_STORE_NAMES_LEN) n = PF_STORE_NAMES_LEN;
    memcpy(cd->names[j], p, n);
    cd->names[j][n] = '\0';
    p += n + (p[n] == ',');
    cd->truth[j] = d->coef_true[j];
  }
}

static void mean_std(int n, const double s[2], double *mean, double *std) {
  *mean = n ? s[0] / n : NAN;
  double var = n ? s[1] / n - *mean * *mean : NAN;
  *std = n ? sqrt(var > 0 ? var : 0) : NAN;
}

/* The trained coefficients of one mode: per (problem, trained coefficient) two columns, the final
 * learned value and its relative error |c - c_true| / |c_true|, mean ± std over seeds (n). */
static void print_coef_table(FILE *out, int tex, const char *mode, cell (*cells)[MAXP],
                             const name_t *methods, int nm, const name_t *pdes, int np,
                             const coef_desc *cdesc) {
  int cols[MAXP * PF_STORE_MAX_COEF][2], nc = 0; /* (problem, coefficient) with a trained task */
  for (int p = 0; p < np; p++)
    for (int j = 0; j < cdesc[p].ncoef; j++) {
      int any = 0;
      for (int m = 0; m < nm; m++) any |= cells[m][p].nc[j];
      if (any) cols[nc][0] = p, cols[nc][1] = j, nc++;
    }
  if (!nc) return;
  if (tex) {
    fprintf(out,
            "%% %s mode, trained coefficients: final value and relative error "
            "$|c - c_{true}| / |c_{true}|$, mean $\\pm$ std over seeds (n)\n\\begin{tabular}{l",
            mode);
    for (int k = 0; k < 2 * nc; k++) fprintf(out, "c");
    fprintf(out, "}\n\\hline\nmethod");
    for (int k = 0; k < nc; k++) {
      const coef_desc *cd = &cdesc[cols[k][0]];
      fprintf(out, " & %s %s (true %.4g) & rel.\\ error", pdes[cols[k][0]].name,
              cd->names[cols[k][1]], cd->truth[cols[k][1]]);
    }
    fprintf(out, " \\\\\n\\hline\n");
  } else {
    fprintf(out,
            "\n**%s mode: trained coefficients, final value and relative error |c - c_true| / "
            "|c_true|, mean ± std over seeds (n)**\n\n| method |",
            mode);
    for (int k = 0; k < nc; k++) {
      const coef_desc *cd = &cdesc[cols[k][0]];
      fprintf(out, " %s %s (true %.4g) | rel. error |", pdes[cols[k][0]].name,
              cd->names[cols[k][1]], cd->truth[cols[k][1]]);
    }
    fprintf(out, "\n|---|");
    for (int k = 0; k < 2 * nc; k++) fprintf(out, "---|");
    fprintf(out, "\n");
  }
  for (int m = 0; m < nm; m++) {
    fprintf(out, tex ? "%s" : "| %s |", methods[m].name);
    for (int k = 0; k < nc; k++) {
      const cell *c = &cells[m][cols[k][0]];
      const int j = cols[k][1];
      for (int q = 0; q < 2; q++) {
        double mean, std;
        mean_std(c->nc[j], q ? c->ce[j] : c->cv[j], &mean, &std);
        if (!c->nc[j])
          fprintf(out, tex ? " & --" : " – |");
        else if (tex)
          fprintf(out, " & $%.3e \\pm %.1e$ (%d)", mean, std, c->nc[j]);
        else
          fprintf(out, " %.3e ± %.1e (%d) |", mean, std, c->nc[j]);
      }
    }
    fprintf(out, tex ? " \\\\\n" : "\n");
  }
  if (tex) fprintf(out, "\\hline\n\\end{tabular}\n\n");
}

int pf_report(const pf_ctx *ctx, const char *path, pf_report_format fmt, FILE *out) {
  pf_store *st = NULL;
  PF_CALL(pf_store_open(ctx->comm, path, 0, &st));
  const int T = pf_store_ntasks(st);
  name_t pdes[MAXP], methods[MAXG], modes[2] = {{"add"}, {"replace"}};
  int np = 0, nm = 0;
  static cell cells[2][MAXG][MAXP]; /* mode, method, pde */
  static coef_desc cdesc[MAXP];
  memset(cells, 0, sizeof cells);
  memset(cdesc, 0, sizeof cdesc);
  double *rows = NULL, *crows = NULL;
  int any_trained = 0;
  int rc = PF_OK, skipped = 0;
  for (int i = 0; i < T && !rc; i++) {
    pf_store_task d;
    pf_task_status s;
    char reason[PF_STORE_REASON_LEN];
    rc = pf_store_read_task(st, i, &d);
    if (!rc) rc = check_names(path, i, &d);
    if (!rc) rc = pf_store_read_status(st, i, &s, reason, sizeof reason);
    if (rc) break;
    if (s != PF_TASK_DONE) {
      skipped++;
      continue;
    }
    /* the problem column: the pde with its coefficients (a grid over them gives columns) */
    pf_config cfg;
    char err[PF_CONFIG_ERR_MAX] = "", problem[96];
    if (pf_task_config_from_text(d.canonical, &cfg, err, sizeof err)) {
      rc = pf_error(PF_ERR_IO, __FILE__, __LINE__, __func__,
                    "%s: dataset /tasks/config, task %d: not a valid task configuration (%s)", path,
                    i, err);
      break;
    }
    pf_task_problem_label(&cfg, problem, sizeof problem);
    int p = intern(pdes, &np, MAXP, problem), m = intern(methods, &nm, MAXG, d.method);
    const int mo = mode_index(d.mode);
    if (p < 0 || m < 0 || mo < 0) {
      rc = pf_error(PF_ERR_IO, __FILE__, __LINE__, __func__,
                    "%s: task %d: more than %d problems or %d methods, or an unknown mode", path, i,
                    MAXP, MAXG);
      break;
    }
    if (d.cycles < 1) { /* the store refuses such files; a done task has its cycles' metrics */
      rc = pf_error(PF_ERR_IO, __FILE__, __LINE__, __func__,
                    "%s: dataset /tasks/cycles, task %d: a done task with %d cycles", path, i,
                    d.cycles);
      break;
    }
    PF_FREE(&rows);
    rc = PF_CALLOC((size_t)d.cycles * 8, &rows);
    if (!rc) rc = pf_store_read_metrics(st, i, rows);
    if (rc) break;
    const double *last = rows + (size_t)(d.cycles - 1) * 8;
    cell *c = &cells[mo][m][p];
    c->n++;
    c->l2[0] += last[2], c->l2[1] += last[2] * last[2];
    c->tl[0] += last[3], c->tl[1] += last[3] * last[3];
    /* the trained coefficients' final values (the last cycle's row of /coefficients) */
    int trains = 0;
    for (int j = 0; j < d.ncoef; j++) trains |= d.trainable[j];
    if (!trains) continue;
    if (!cdesc[p].ncoef) split_names(&d, &cdesc[p]);
    PF_FREE(&crows);
    rc = PF_CALLOC((size_t)d.cycles * (size_t)d.ncoef, &crows);
    if (!rc) rc = pf_store_read_coef(st, i, crows);
    if (rc) break;
    const double *cl = crows + (size_t)(d.cycles - 1) * (size_t)d.ncoef;
    for (int j = 0; j < d.ncoef && j < cdesc[p].ncoef; j++) {
      if (!d.trainable[j]) continue;
      const double v = cl[j], e = fabs(v - d.coef_true[j]) / fabs(d.coef_true[j]);
      c->nc[j]++;
      c->cv[j][0] += v, c->cv[j][1] += v * v;
      c->ce[j][0] += e, c->ce[j][1] += e * e;
      any_trained = 1;
    }
  }
  PF_FREE(&rows);
  PF_FREE(&crows);
  pf_store_close(&st);
  PF_CALL(rc);

  if (fmt == PF_REPORT_CSV) {
    /* with trained coefficients: one row per trained coefficient of a cell (the coefficient
     * columns empty for cells that train none) */
    fprintf(out, "pde,method,mode,seeds,l2_mean,l2_std,test_loss_mean,test_loss_std%s\n",
            any_trained ? ",coef,coef_true,coef_seeds,coef_mean,coef_std,coef_relerr_mean,"
                          "coef_relerr_std"
                        : "");
    for (int mo = 0; mo < 2; mo++)
      for (int p = 0; p < np; p++)
        for (int m = 0; m < nm; m++) {
          const cell *c = &cells[mo][m][p];
          if (!c->n) continue;
          double a, b, e, f;
          mean_std(c->n, c->l2, &a, &b);
          mean_std(c->n, c->tl, &e, &f);
          int rows_out = 0;
          for (int j = 0; j < cdesc[p].ncoef; j++) {
            if (!c->nc[j]) continue;
            double vm, vs, em, es;
            mean_std(c->nc[j], c->cv[j], &vm, &vs);
            mean_std(c->nc[j], c->ce[j], &em, &es);
            fprintf(out, "%s,%s,%s,%d,%.6e,%.6e,%.6e,%.6e,%s,%.6e,%d,%.6e,%.6e,%.6e,%.6e\n",
                    pdes[p].name, methods[m].name, modes[mo].name, c->n, a, b, e, f,
                    cdesc[p].names[j], cdesc[p].truth[j], c->nc[j], vm, vs, em, es);
            rows_out++;
          }
          if (!rows_out)
            fprintf(out, "%s,%s,%s,%d,%.6e,%.6e,%.6e,%.6e%s\n", pdes[p].name, methods[m].name,
                    modes[mo].name, c->n, a, b, e, f, any_trained ? ",,,,,,," : "");
        }
    return PF_OK;
  }
  const int tex = fmt == PF_REPORT_LATEX;
  for (int mo = 0; mo < 2; mo++) {
    int any = 0;
    for (int m = 0; m < nm; m++)
      for (int p = 0; p < np; p++) any |= cells[mo][m][p].n;
    if (!any) continue;
    for (int q = 0; q < 2; q++) { /* q = 0: L2 relative error, 1: test loss */
      const char *what = q ? "test loss" : "L2 relative error";
      if (tex) {
        fprintf(out, "%% %s mode, final %s, mean $\\pm$ std over seeds (n)\n", modes[mo].name,
                what);
        fprintf(out, "\\begin{tabular}{l");
        for (int p = 0; p < np; p++) fprintf(out, "c");
        fprintf(out, "}\n\\hline\nmethod");
        for (int p = 0; p < np; p++) fprintf(out, " & %s", pdes[p].name);
        fprintf(out, " \\\\\n\\hline\n");
      } else {
        fprintf(out, "\n**%s mode: final %s, mean ± std over seeds (n)**\n\n| method |",
                modes[mo].name, what);
        for (int p = 0; p < np; p++) fprintf(out, " %s |", pdes[p].name);
        fprintf(out, "\n|---|");
        for (int p = 0; p < np; p++) fprintf(out, "---|");
        fprintf(out, "\n");
      }
      for (int m = 0; m < nm; m++) {
        fprintf(out, tex ? "%s" : "| %s |", methods[m].name);
        for (int p = 0; p < np; p++) {
          const cell *c = &cells[mo][m][p];
          double mean, std;
          mean_std(c->n, q ? c->tl : c->l2, &mean, &std);
          if (!c->n)
            fprintf(out, tex ? " & --" : " – |");
          else if (tex)
            fprintf(out, " & $%.2e \\pm %.1e$ (%d)", mean, std, c->n);
          else
            fprintf(out, " %.2e ± %.1e (%d) |", mean, std, c->n);
        }
        fprintf(out, tex ? " \\\\\n" : "\n");
      }
      if (tex) fprintf(out, "\\hline\n\\end{tabular}\n\n");
    }
    if (any_trained)
      print_coef_table(out, tex, modes[mo].name, cells[mo], methods, nm, pdes, np, cdesc);
  }
  if (skipped)
    fprintf(
        out,
        "\n%d task%s not done (pending, running, interrupted or failed) are not in the table.\n",
        skipped, skipped == 1 ? "" : "s");
  return PF_OK;
}
