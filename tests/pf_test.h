/* Tiny test harness shared by the test mains: checks that count failures instead of aborting,
 * so one run reports every mismatch, and an MPI-aware exit status. */
#ifndef PF_TEST_H
#define PF_TEST_H

#include <math.h>
#include <stdio.h>

static int pf_test_failures = 0;

#define PF_TEST_EXPECT(cond, ...)                                                                  \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      pf_test_failures++;                                                                          \
      fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                                         \
      fprintf(stderr, __VA_ARGS__);                                                                \
      fprintf(stderr, "\n");                                                                       \
    }                                                                                              \
  } while (0)

/* |a - b| <= tol * max(|b|, floor): relative with an absolute floor. */
#define PF_TEST_CLOSE(a, b, tol, floor, what)                                                      \
  do {                                                                                             \
    double pf_a_ = (a), pf_b_ = (b);                                                               \
    double pf_s_ = fabs(pf_b_) > (floor) ? fabs(pf_b_) : (floor);                                  \
    PF_TEST_EXPECT(fabs(pf_a_ - pf_b_) <= (tol)*pf_s_, "%s: got %.17g, want %.17g (rel %.3g)",     \
                   (what), pf_a_, pf_b_, fabs(pf_a_ - pf_b_) / pf_s_);                             \
  } while (0)

#define PF_TEST_OK(call)                                                                           \
  do {                                                                                             \
    int pf_trc_ = (call);                                                                          \
    PF_TEST_EXPECT(pf_trc_ == 0, "%s returned %d", #call, pf_trc_);                                \
  } while (0)

static inline int pf_test_report(const char *name) {
  if (pf_test_failures)
    fprintf(stderr, "%s: %d failure(s)\n", name, pf_test_failures);
  else
    fprintf(stderr, "%s: ok\n", name);
  return pf_test_failures ? 1 : 0;
}

#endif
