/* The keys of soft constraints, data and trainable coefficients in the canonical text: absent at
 * their defaults (older configurations keep their text and hash), present and parsed back to the
 * same text otherwise; a data file's hash in the text, checked against the file when it is there
 * and trusted when it is not (a store read elsewhere); constraints as a sweep axis. */
#include "pf_test.h"
#include "pinnfluence/config.h"
#include "pinnfluence/core.h"

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

int main(void) {
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
  return pf_test_report("test_config_inverse");
}
