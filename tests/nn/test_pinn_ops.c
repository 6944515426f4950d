/* The problem description's checks: pf_pinn_ops_check accepts the test problems and rejects each
 * invalid field with PF_ERR_ARG and a message naming it; pf_pinn_ops_channels counts the value,
 * every first derivative and the read pairs; pf_mlp_create takes 1..PF_MAX_DIM inputs and
 * 1..PF_MAX_OUT outputs; pf_engine_create rejects a network of the wrong shape; engines pick the
 * specialised path exactly for d = 2, one output, no mixed pair; point sets carry (n, d) and the
 * (m, nj, n) jets of A and B. */
#include "pf_test.h"
#include "pinnfluence/core.h"
#include "pinnfluence/nn.h"
#include "test_problems.h"

#include <stdlib.h>
#include <string.h>

/* ops must be rejected with PF_ERR_ARG and a message containing `field`. */
static void expect_bad(const pf_pinn_ops *ops, const char *field) {
  pf_error_clear();
  int rc = pf_pinn_ops_check(ops);
  PF_TEST_EXPECT(rc == PF_ERR_ARG, "%s: pf_pinn_ops_check returned %d, want PF_ERR_ARG", field, rc);
  PF_TEST_EXPECT(strstr(pf_error_last(), field) != NULL, "message \"%s\" does not name %s",
                 pf_error_last(), field);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  for (size_t i = 0; i < TP_NPROBLEMS; i++) PF_TEST_OK(pf_pinn_ops_check(&tp_problems[i].ops));
  PF_TEST_OK(pf_pinn_ops_check(&tp_mms.ops));
  PF_TEST_OK(pf_pinn_ops_check(&tp_poly1));
  PF_TEST_OK(pf_pinn_ops_check(&tp_poly4));
  PF_TEST_OK(pf_pinn_ops_check(&tp_identity_mixed_ops));

  pf_error_set_quiet(1);
  const pf_pinn_ops good = tp_mms.ops;
  pf_pinn_ops b;
  expect_bad(NULL, "NULL");
  b = good, b.d = 0, expect_bad(&b, "pf_pinn_ops.d");
  b = good, b.d = PF_MAX_DIM + 1, expect_bad(&b, "pf_pinn_ops.d");
  b = good, b.m = 0, expect_bad(&b, "pf_pinn_ops.m");
  b = good, b.m = PF_MAX_OUT + 1, expect_bad(&b, "pf_pinn_ops.m");
  b = good, b.k = 0, expect_bad(&b, "pf_pinn_ops.k");
  b = good, b.k = PF_MAX_RES + 1, expect_bad(&b, "pf_pinn_ops.k");
  b = good, b.nread = 0, expect_bad(&b, "pf_pinn_ops.nread");
  b = good, b.nread = PF_MAX_READ + 1, expect_bad(&b, "pf_pinn_ops.nread");
  b = good, b.read[4].out = 3, expect_bad(&b, "pf_pinn_ops.read[4].out");
  b = good, b.read[4].out = -1, expect_bad(&b, "pf_pinn_ops.read[4].out");
  b = good, b.read[2].jet = 10, expect_bad(&b, "pf_pinn_ops.read[2].jet");
  b = good, b.read[2].jet = -1, expect_bad(&b, "pf_pinn_ops.read[2].jet");
  b = good, b.read[7] = b.read[1], expect_bad(&b, "pf_pinn_ops.read[7] repeats read[1]");
  b = good, b.weight[1] = 0, expect_bad(&b, "pf_pinn_ops.weight[1]");
  b = good, b.weight[2] = -1, expect_bad(&b, "pf_pinn_ops.weight[2]");
  b = good, b.weight[0] = NAN, expect_bad(&b, "pf_pinn_ops.weight[0]");
  b = good, b.weight[0] = INFINITY, expect_bad(&b, "pf_pinn_ops.weight[0]");
  b = good, b.transform = NULL, expect_bad(&b, "pf_pinn_ops.transform");
  b = good, b.residual = NULL, expect_bad(&b, "pf_pinn_ops.residual");
  /* weights beyond k are not looked at */
  b = good, b.k = 2, b.weight[2] = -1;
  PF_TEST_OK(pf_pinn_ops_check(&b));

  /* channels: 1 + d + read pairs */
  PF_TEST_EXPECT(pf_pinn_ops_channels(&tp_problems[0].ops) == 4 &&
                     pf_pinn_ops_channels(&tp_problems[2].ops) == 5 &&
                     pf_pinn_ops_channels(&tp_problems[3].ops) == 4,
                 "paper-style channels: burgers 4, wave 5, diffusion 4");
  PF_TEST_EXPECT(pf_pinn_ops_channels(&tp_mms.ops) == 9, "manufactured: 9 channels, got %d",
                 pf_pinn_ops_channels(&tp_mms.ops));
  PF_TEST_EXPECT(pf_pinn_ops_channels(&tp_poly1) == 3 && pf_pinn_ops_channels(&tp_poly4) == 12,
                 "d = 1: 3 channels, d = 4: 12");
  b = good, b.nread = 2; /* u_t, u: no second derivative */
  PF_TEST_EXPECT(pf_pinn_ops_channels(&b) == 4, "first-order reads: 1 + d channels");
  b = good, b.d = 0;
  PF_TEST_EXPECT(pf_pinn_ops_channels(&b) == 0 && pf_pinn_ops_channels(NULL) == 0,
                 "invalid descriptions: 0 channels");

  /* MLP shapes */
  pf_mlp *net = NULL;
  const int s_in0[] = {0, 4, 1}, s_in5[] = {PF_MAX_DIM + 1, 4, 1}, s_out0[] = {2, 4, 0},
            s_out5[] = {2, 4, PF_MAX_OUT + 1}, s_ok[] = {PF_MAX_DIM, 4, PF_MAX_OUT},
            s_ok1[] = {1, 3, 1};
  PF_TEST_EXPECT(pf_mlp_create(2, s_in0, &net) == PF_ERR_ARG, "0 inputs accepted");
  PF_TEST_EXPECT(pf_mlp_create(2, s_in5, &net) == PF_ERR_ARG, "%d inputs accepted", PF_MAX_DIM + 1);
  PF_TEST_EXPECT(pf_mlp_create(2, s_out0, &net) == PF_ERR_ARG, "0 outputs accepted");
  PF_TEST_EXPECT(pf_mlp_create(2, s_out5, &net) == PF_ERR_ARG, "%d outputs accepted",
                 PF_MAX_OUT + 1);
  PF_TEST_OK(pf_mlp_create(2, s_ok, &net));
  PF_TEST_EXPECT(net && net->nparams == (size_t)(4 * 4 + 4 + 4 * 4 + 4), "4-4-4 parameters");
  pf_mlp_destroy(&net);
  PF_TEST_OK(pf_mlp_create(2, s_ok1, &net));
  pf_mlp_destroy(&net);

  /* engines: shape checks and the path */
  const int s2[] = {2, 6, 1}, s3[] = {3, 6, 3}, s22[] = {2, 6, 2};
  pf_mlp *n2 = NULL, *n3 = NULL, *n22 = NULL;
  pf_engine *e = NULL;
  PF_TEST_OK(pf_mlp_create(2, s2, &n2));
  PF_TEST_OK(pf_mlp_create(2, s3, &n3));
  PF_TEST_OK(pf_mlp_create(2, s22, &n22));
  pf_error_clear();
  PF_TEST_EXPECT(pf_engine_create(n2, &tp_mms.ops, 16, &e) == PF_ERR_ARG && !e,
                 "a 2-input network accepted for d = 3");
  PF_TEST_EXPECT(strstr(pf_error_last(), "inputs") != NULL, "message: %s", pf_error_last());
  b = good, b.m = 2, b.nread = 6; /* reads of outputs 0, 1 only */
  PF_TEST_EXPECT(pf_engine_create(n3, &b, 16, &e) == PF_ERR_ARG && !e,
                 "a 3-output network accepted for m = 2");
  b = good, b.d = 9;
  PF_TEST_EXPECT(pf_engine_create(n3, &b, 16, &e) == PF_ERR_ARG && !e, "invalid ops accepted");
  PF_TEST_EXPECT(pf_engine_create(n2, &tp_problems[0].ops, 0, &e) == PF_ERR_ARG && !e,
                 "block size 0 accepted");
  pf_error_set_quiet(0);

  for (size_t i = 0; i < TP_NPROBLEMS; i++) {
    PF_TEST_OK(pf_engine_create(n2, &tp_problems[i].ops, 16, &e));
    PF_TEST_EXPECT(pf_engine_specialised(e) == 1, "%s: specialised", tp_problems[i].name);
    PF_TEST_EXPECT(pf_engine_channels(e) == pf_pinn_ops_channels(&tp_problems[i].ops),
                   "%s: channels", tp_problems[i].name);
    const pf_pinn_ops *o = pf_engine_ops(e);
    PF_TEST_EXPECT(o != &tp_problems[i].ops && o->residual == tp_problems[i].ops.residual &&
                       o->nread == tp_problems[i].ops.nread &&
                       !memcmp(o->read, tp_problems[i].ops.read, sizeof o->read),
                   "%s: pf_engine_ops is a copy of the problem", tp_problems[i].name);
    PF_TEST_OK(pf_engine_force_general(e));
    PF_TEST_EXPECT(pf_engine_specialised(e) == 0, "%s: forced general", tp_problems[i].name);
    pf_engine_destroy(&e);
  }
  PF_TEST_OK(pf_engine_create(n2, &tp_identity_mixed_ops, 16, &e));
  PF_TEST_EXPECT(!pf_engine_specialised(e), "a mixed pair takes the general path");
  pf_engine_destroy(&e);
  PF_TEST_OK(pf_engine_create(n3, &tp_mms.ops, 16, &e));
  PF_TEST_EXPECT(!pf_engine_specialised(e), "d = 3 takes the general path");
  pf_engine_destroy(&e);
  /* d = 2, two outputs: general; d = 2, one output, k = 2: specialised */
  b = tp_problems[0].ops, b.m = 2;
  PF_TEST_OK(pf_engine_create(n22, &b, 16, &e));
  PF_TEST_EXPECT(!pf_engine_specialised(e), "two outputs take the general path");
  pf_engine_destroy(&e);
  b = tp_problems[0].ops, b.k = 2, b.weight[1] = 3;
  PF_TEST_OK(pf_engine_create(n2, &b, 16, &e));
  PF_TEST_EXPECT(pf_engine_specialised(e), "k = 2 with d = 2, m = 1 stays specialised");
  pf_engine_destroy(&e);
  PF_TEST_OK(pf_engine_destroy(&e)); /* NULL is fine */

  /* points: (n, d) copied, (m, nj, n) jets, n = 0 allowed */
  pf_points *pts = NULL;
  const double X[] = {0.1, 0.2, 0.3, -0.4, 0.5, 0.6};
  PF_TEST_OK(pf_points_create(&tp_mms.ops, 2, X, &pts));
  PF_TEST_EXPECT(pts && pts->n == 2 && pts->d == 3 && pts->m == 3 && pts->nj == 10 &&
                     !memcmp(pts->X, X, sizeof X) && pts->X != X,
                 "points: n, d, m, nj and a copy of X");
  double A[3 * 10 * 2], B[3 * 10 * 2];
  tp_mms_transform(NULL, 2, X, A, B);
  PF_TEST_EXPECT(!memcmp(pts->A, A, sizeof A) && !memcmp(pts->B, B, sizeof B),
                 "points: A and B from the transform");
  pf_points_destroy(&pts);
  PF_TEST_EXPECT(!pts, "destroy nulls the pointer");
  PF_TEST_OK(pf_points_create(&tp_mms.ops, 0, NULL, &pts));
  PF_TEST_EXPECT(pts && pts->n == 0, "an empty point set");
  pf_points_destroy(&pts);

  pf_mlp_destroy(&n2);
  pf_mlp_destroy(&n3);
  pf_mlp_destroy(&n22);
  int rc = pf_test_report("test_pinn_ops");
  MPI_Finalize();
  return rc;
}
