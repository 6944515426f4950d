/* The vectorisable tanh of the engine against the C library's tanh: relative error within a few
 * ulp over small, moderate and saturated arguments; odd symmetry; NaN propagates. */
#include "nn/vmath.h"
#include "pf_test.h"

int main(void) {
  double worst = 0, worst_z = 0;
  for (int i = -400000; i <= 400000; i++) {
    double z = i * 7.5e-5; /* [-30, 30] */
    double ref = tanh(z), got = pf_vtanh(z);
    double err = ref != 0 ? fabs(got - ref) / fabs(ref) : fabs(got);
    if (err > worst) worst = err, worst_z = z;
    if (got != -pf_vtanh(-z)) PF_TEST_EXPECT(0, "tanh not odd at %g", z);
  }
  for (int k = -1070; k < 0; k++) { /* tiny arguments: tanh z = z (1 - z^2/3 ...) */
    double z = ldexp(1.37, k);
    double ref = tanh(z), got = pf_vtanh(z);
    double err = fabs(got - ref) / fabs(ref);
    if (err > worst) worst = err, worst_z = z;
  }
  PF_TEST_EXPECT(worst <= 5e-16, "max relative error %.3g at z = %.17g", worst, worst_z);
  PF_TEST_EXPECT(pf_vtanh(1e300) == 1.0 && pf_vtanh(-INFINITY) == -1.0, "saturation");
  PF_TEST_EXPECT(isnan(pf_vtanh(NAN)), "NaN must propagate");
  printf("pf_vtanh: max relative error %.3g at z = %.6g\n", worst, worst_z);
  return pf_test_report("test_tanh");
}
