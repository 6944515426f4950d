/* `pinnfluence status` and `pinnfluence report`: counts by status, and the paper-style table of
 * final L2 relative errors and test losses (mean ± std over seeds) from a results file. */
#include "pinnfluence/report.h"
#include "pinnfluence/store.h"

#include <math.h>
#include <string.h>

#define MAXG 256 /* distinct problems, methods, modes */

typedef struct {
  char name[PF_STORE_NAME_LEN];
} name_t;

/* Index of s in the list, appended if new (in order of first appearance). */
static int intern(name_t *list, int *n, const char *s) {
  for (int i = 0; i < *n; i++)
    if (!strcmp(list[i].name, s)) return i;
  if (*n >= MAXG) return -1;
  snprintf(list[*n].name, sizeof list[*n].name, "%s", s);
  return (*n)++;
}

int pf_status(const pf_ctx *ctx, const char *path, FILE *out) {
  pf_store *st = NULL;
  PF_CALL(pf_store_open(ctx->comm, path, 0, &st));
  const int T = pf_store_ntasks(st);
  name_t methods[MAXG];
  int nm = 0, counts[MAXG + 1][4];
  memset(counts, 0, sizeof counts);
  char reason[PF_STORE_REASON_LEN];
  int rc = PF_OK;
  for (int i = 0; i < T && !rc; i++) {
    pf_store_task d;
    pf_task_status s;
    rc = pf_store_read_task(st, i, &d);
    if (!rc) rc = pf_store_read_status(st, i, &s, reason, sizeof reason);
    if (rc) break;
    int m = intern(methods, &nm, d.method);
    if ((int)s < 0 || (int)s > 3) s = PF_TASK_PENDING;
    counts[MAXG][s]++;
    if (m >= 0) counts[m][s]++;
    if (s == PF_TASK_FAILED)
      fprintf(out, "failed: task %d (%s %s %s seed %lld): %s\n", i, d.pde, d.method, d.mode,
              (long long)d.seed, reason);
  }
  if (!rc) {
    fprintf(out, "%-14s %7s %7s %7s %7s %7s\n", "method", "done", "running", "failed", "pending",
            "total");
    for (int m = 0; m <= nm; m++) {
      const int *c = counts[m == nm ? MAXG : m];
      fprintf(out, "%-14s %7d %7d %7d %7d %7d\n", m == nm ? "all" : methods[m].name, c[2], c[1],
              c[3], c[0], c[0] + c[1] + c[2] + c[3]);
    }
  }
  pf_store_close(&st);
  return rc;
}

typedef struct {
  int n;
  double l2[2], tl[2]; /* running sums of value and square */
} cell;

static void mean_std(int n, const double s[2], double *mean, double *std) {
  *mean = n ? s[0] / n : NAN;
  double var = n ? s[1] / n - *mean * *mean : NAN;
  *std = n ? sqrt(var > 0 ? var : 0) : NAN;
}

int pf_report(const pf_ctx *ctx, const char *path, pf_report_format fmt, FILE *out) {
  pf_store *st = NULL;
  PF_CALL(pf_store_open(ctx->comm, path, 0, &st));
  const int T = pf_store_ntasks(st);
  name_t pdes[MAXG], methods[MAXG], modes[2] = {{"add"}, {"replace"}};
  int np = 0, nm = 0, nmo = 2;
  static cell cells[2][MAXG][16]; /* mode, method, pde */
  memset(cells, 0, sizeof cells);
  double *rows = NULL;
  int rc = PF_OK, skipped = 0;
  for (int i = 0; i < T && !rc; i++) {
    pf_store_task d;
    pf_task_status s;
    char reason[PF_STORE_REASON_LEN];
    rc = pf_store_read_task(st, i, &d);
    if (!rc) rc = pf_store_read_status(st, i, &s, reason, sizeof reason);
    if (rc) break;
    if (s != PF_TASK_DONE) {
      skipped++;
      continue;
    }
    int p = intern(pdes, &np, d.pde), m = intern(methods, &nm, d.method);
    int mo = intern(modes, &nmo, d.mode);
    if (p < 0 || p >= 16 || m < 0 || mo < 0 || mo > 1) continue;
    PF_FREE(&rows);
    rc = PF_CALLOC((size_t)d.cycles * 8, &rows);
    if (!rc) rc = pf_store_read_metrics(st, i, rows);
    if (rc) break;
    const double *last = rows + (size_t)(d.cycles - 1) * 8;
    cell *c = &cells[mo][m][p];
    c->n++;
    c->l2[0] += last[2], c->l2[1] += last[2] * last[2];
    c->tl[0] += last[3], c->tl[1] += last[3] * last[3];
  }
  PF_FREE(&rows);
  pf_store_close(&st);
  PF_CALL(rc);

  if (fmt == PF_REPORT_CSV) {
    fprintf(out, "pde,method,mode,seeds,l2_mean,l2_std,test_loss_mean,test_loss_std\n");
    for (int mo = 0; mo < 2; mo++)
      for (int p = 0; p < np; p++)
        for (int m = 0; m < nm; m++) {
          const cell *c = &cells[mo][m][p];
          if (!c->n) continue;
          double a, b, e, f;
          mean_std(c->n, c->l2, &a, &b);
          mean_std(c->n, c->tl, &e, &f);
          fprintf(out, "%s,%s,%s,%d,%.6e,%.6e,%.6e,%.6e\n", pdes[p].name, methods[m].name,
                  modes[mo].name, c->n, a, b, e, f);
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
  }
  if (skipped)
    fprintf(out, "\n%d task%s not done (pending, running or failed) are not in the table.\n",
            skipped, skipped == 1 ? "" : "s");
  return PF_OK;
}
