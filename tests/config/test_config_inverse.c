/* The keys of soft constraints, data and trainable coefficients in the canonical text: absent at
 * their defaults (older configurations keep their text and hash), present and parsed back to the
 * same text otherwise; a data file's hash in the text, checked against the file when it is there
 * and trusted when it is not (a store read elsewhere); constraints as a sweep axis. */
#include "pf_test.h"
#include "pinnfluence/config.h"
#include "pinnfluence/core.h"
#include "pinnfluence/nn.h"
#include "pinnfluence/pde.h"

#include <math.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *problem =
    "problem = { name = \"burgers_ci\"; inputs = [\"x\", \"t\"]; domain = ([-1.0, 1.0], [0.0, "
    "1.0]); outputs = [\"u\"]; coefficients = { nu = \"0.01/pi\"; }; residuals = [\"u_t + u*u_x "
    "- nu*u_xx\"]; constraints = ({ A = \"-sin(pi*x)\"; B = \"(1 - x^2)*t\"; }); grid = "
    "\"burgers\"; };\n";

/* task 0 of text (with nset overrides): canonical text into buf; returns the parse code */
static int canon(const char *text, int nset, const char *const *set, char *buf, size_t len,
                 char *err, size_t errlen, int *ntasks) {
  pf_sweep *sw = NULL;
  int rc = pf_sweep_create_from_string("inverse.cfg", text, nset, set, &sw, err, errlen);
  pf_config cfg;
  if (!rc) rc = pf_sweep_task(sw, 0, &cfg);
  if (!rc) rc = pf_config_canonical(&cfg, buf, len);
  if (!rc && ntasks) *ntasks = pf_sweep_ntasks(sw);
  pf_sweep_destroy(&sw);
  return rc;
}

/* configs/problems/kovasznay.cfg: its canonical text parses back to itself, the closed form
 * (with derivatives written out here by hand) makes every residual vanish, and the soft
 * conditions' targets on each face are the closed form there. */
#define PI_ 3.14159265358979323846
static void kovasznay(const char *dir) {
  char path[512], err[PF_CONFIG_ERR_MAX], a[PF_CONFIG_CANONICAL_MAX], b[PF_CONFIG_CANONICAL_MAX];
  snprintf(path, sizeof path, "%s/problems/kovasznay.cfg", dir);
  pf_sweep *sw = NULL;
  pf_config cfg;
  PF_TEST_OK(pf_sweep_create(path, 0, NULL, &sw, err, sizeof err));
  if (!sw) {
    fprintf(stderr, "%s\n", err);
    return;
  }
  PF_TEST_OK(pf_sweep_task(sw, 0, &cfg));
  pf_sweep_destroy(&sw);
  PF_TEST_OK(pf_config_canonical(&cfg, a, sizeof a));
  PF_TEST_OK(canon(a, 0, NULL, b, sizeof b, err, sizeof err, NULL));
  PF_TEST_EXPECT(!strcmp(a, b), "kovasznay: the canonical text parses back to itself");
  const pf_pde *p = pf_pde_find("kovasznay");
  PF_TEST_EXPECT(p && p->ops.m == 3 && p->ops.k == 3 && p->ncond == 12,
                 "kovasznay: 3 outputs, 3 "
                 "residuals, 12 soft conditions");
  if (!p) return;
  const double Re = 20, lam = Re / 2 - sqrt(Re * Re / 4 + 4 * PI_ * PI_), k2 = 2 * PI_;
  enum { N = 7 };
  double X[2 * N], q[PF_MAX_READ * N], r[3 * N], y[N];
  for (int i = 0; i < N; i++) X[2 * i] = -0.5 + 1.5 * i / (N - 1.0), X[2 * i + 1] = 1.3 - 0.29 * i;
  const int d = 2, iv = 0, ix = pf_jet_index(d, 0, -1), iy = pf_jet_index(d, 1, -1),
            ixx = pf_jet_index(d, 0, 0), iyy = pf_jet_index(d, 1, 1);
  for (int e = 0; e < p->ops.nread; e++)
    for (int i = 0; i < N; i++) {
      const double x = X[2 * i], yy = X[2 * i + 1], E = exp(lam * x), c = cos(k2 * yy),
                   s = sin(k2 * yy);
      const int o = p->ops.read[e].out, j = p->ops.read[e].jet;
      double val = NAN;
      if (o == 0)
        val = j == iv    ? 1 - E * c
              : j == ix  ? -lam * E * c
              : j == iy  ? k2 * E * s
              : j == ixx ? -lam * lam * E * c
              : j == iyy ? k2 * k2 * E * c
                         : NAN;
      else if (o == 1)
        val = j == iv    ? lam / k2 * E * s
              : j == ix  ? lam * lam / k2 * E * s
              : j == iy  ? lam * E * c
              : j == ixx ? lam * lam * lam / k2 * E * s
              : j == iyy ? -lam * k2 * E * s
                         : NAN;
      else
        val = j == iv ? (1 - E * E) / 2 : j == ix ? -lam * E * E : j == iy ? 0.0 : NAN;
      q[(size_t)e * N + (size_t)i] = val;
    }
  p->ops.residual(p->ops.ctx, N, X, q, r, NULL, NULL);
  double worst = 0;
  for (int i = 0; i < 3 * N; i++) worst = fmax(worst, fabs(r[i]));
  PF_TEST_EXPECT(worst < 1e-12, "kovasznay: the closed form's residual %g", worst);
  /* the targets on every face: the closed form there */
  for (int c = 0; c < p->ncond; c++) {
    double F[2 * N], u[3 * N];
    for (int i = 0; i < N; i++) {
      F[2 * i] = X[2 * i], F[2 * i + 1] = X[2 * i + 1];
      F[2 * i + p->cond[c].input] =
          p->cond[c].side ? p->hi[p->cond[c].input] : p->lo[p->cond[c].input];
    }
    p->cond_target(p->ops.ctx, c, N, F, y);
    p->exact(pf_pde_coefficients(p), N, F, u);
    for (int i = 0; i < N; i++)
      PF_TEST_CLOSE(y[i], u[3 * i + p->cond[c].out], 1e-14, 1e-14, "kovasznay condition target");
  }
}

int main(int argc, char **argv) {
  char a[PF_CONFIG_CANONICAL_MAX], b[PF_CONFIG_CANONICAL_MAX], err[PF_CONFIG_ERR_MAX];
  char text[8192];
  /* 1. at the defaults none of the new keys appears */
  PF_TEST_OK(canon("pde = \"burgers\";\nconstraints = \"hard\";\nboundary = { points = 64; "
                   "weight = 1.0; };\ndata = { reference = 0; noise = 0.0; seed = 0; weight = "
                   "1.0; };\n",
                   0, NULL, a, sizeof a, err, sizeof err, NULL));
  PF_TEST_OK(canon("pde = \"burgers\";\n", 0, NULL, b, sizeof b, err, sizeof err, NULL));
  PF_TEST_EXPECT(!strcmp(a, b), "explicit defaults give the text without them");
  PF_TEST_EXPECT(!strstr(b, "constraints") && !strstr(b, "boundary") && !strstr(b, "data") &&
                     !strstr(b, "trainable"),
                 "no new key in a default text:\n%s", b);
  /* 2. set: in the text, and the text parses back to itself */
  snprintf(text, sizeof text,
           "%sconstraints = \"soft\";\nboundary = { points = 32; weight = 0.5; };\n"
           "data = { reference = 50; noise = 0.02; seed = 4; weight = 3.0; outputs = [\"u\"]; };\n"
           "trainable = { nu = \"5*0.01/pi\"; };\n",
           problem);
  PF_TEST_OK(canon(text, 0, NULL, a, sizeof a, err, sizeof err, NULL));
  PF_TEST_EXPECT(strstr(a, "constraints = \"soft\";") && strstr(a, "points = 32;") &&
                     strstr(a, "reference = 50;") && strstr(a, "outputs = [\"u\"];") &&
                     strstr(a, "trainable = { nu = 0.015915494309189534; };"),
                 "the keys in the text:\n%s", a);
  PF_TEST_OK(canon(a, 0, NULL, b, sizeof b, err, sizeof err, NULL));
  PF_TEST_EXPECT(!strcmp(a, b), "the text parses back to itself:\n%s\n---\n%s", a, b);
  /* overrides reach the same keys (a bare word is one output name) */
  const char *set[] = {"data.outputs=u", "boundary.points=33"};
  PF_TEST_OK(canon(text, 2, set, b, sizeof b, err, sizeof err, NULL));
  PF_TEST_EXPECT(strstr(b, "points = 33;") && strstr(b, "outputs = [\"u\"];"), "overrides:\n%s", b);
  /* 3. a sweep over constraints */
  int nt = 0;
  PF_TEST_OK(canon("pde = \"wave\";\nconstraints = [\"hard\", \"soft\"];\n", 0, NULL, a, sizeof a,
                   err, sizeof err, &nt));
  PF_TEST_EXPECT(nt == 2, "constraints = [hard, soft] is two tasks (%d)", nt);
  /* 4. a data file: its hash in the text; another content, another hash; the text alone parses
   * without the file; a changed file is refused */
  const char *path = "test_config_inverse_obs.csv";
  FILE *f = fopen(path, "w");
  fprintf(f, "x,t,u\n0.1,0.2,0.3\n-0.5,0.9,0.1\n");
  fclose(f);
  snprintf(text, sizeof text, "%sdata = { file = \"%s\"; weight = 2.0; };\n", problem, path);
  PF_TEST_OK(canon(text, 0, NULL, a, sizeof a, err, sizeof err, NULL));
  const char *h = strstr(a, "file_hash = \"");
  PF_TEST_EXPECT(h && strlen(h) > 30 && h[13 + 16] == '"', "a 16-digit hash in the text:\n%s", a);
  PF_TEST_OK(canon(a, 0, NULL, b, sizeof b, err, sizeof err, NULL));
  PF_TEST_EXPECT(!strcmp(a, b), "the text with the hash parses back to itself");
  f = fopen(path, "w");
  fprintf(f, "x,t,u\n0.1,0.2,0.3\n-0.5,0.9,0.2\n");
  fclose(f);
  PF_TEST_OK(canon(text, 0, NULL, b, sizeof b, err, sizeof err, NULL));
  PF_TEST_EXPECT(strcmp(a, b), "another content, another hash");
  PF_TEST_EXPECT(canon(a, 0, NULL, b, sizeof b, err, sizeof err, NULL) == PF_ERR_CONFIG &&
                     strstr(err, "data.file_hash") && strstr(err, "it changed"),
                 "a changed file is refused: %s", err);
  remove(path);
  PF_TEST_OK(canon(a, 0, NULL, b, sizeof b, err, sizeof err, NULL));
  PF_TEST_EXPECT(!strcmp(a, b), "without the file the stored text still parses (predict)");
  if (argc > 1) kovasznay(argv[1]);
  return pf_test_report("test_config_inverse");
}
