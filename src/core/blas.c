/* OpenBLAS threads and kernel choice.
 *
 * Debian's OpenBLAS 0.3.21 (DYNAMIC_ARCH) picks its kernels from the CPU model at load time and
 * falls back to the generic "Prescott" (SSE3) kernels on models it does not know, such as the
 * virtualised Sapphire Rapids CPUs of our build machines: dgemm is then 4-5x slower than with the
 * SkylakeX kernels the CPU can run. The choice is made before main() runs, so the only remedy is
 * OPENBLAS_CORETYPE in the environment; pf_blas_select_core re-executes the program once with it
 * set when the user has not chosen a core and OpenBLAS fell back although the CPU has AVX2/AVX-512.
 * pf_blas_pin_core does the same for the kernel a run pins (run.blas_core): kernels differ in the
 * order of their floating-point operations, so the same configuration gives the same bits only on
 * the same kernel set, whatever the node type.
 */
#include "pinnfluence/core.h"

#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

void pf_blas_set_threads(int n) {
  openblas_set_num_threads(n > 0 ? n : 1);
}

const char *pf_blas_config(void) {
  return openblas_get_config();
}

const char *pf_blas_core(void) {
  return openblas_get_corename();
}

/* The best OpenBLAS core this CPU runs, or NULL if OpenBLAS's own choice is as good. */
static const char *preferred_core(void) {
#if defined(__x86_64__) && defined(__GNUC__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl"))
    return "SkylakeX";
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "Haswell";
#endif
  return NULL;
}

void pf_blas_pin_core(const char *core, char **argv) {
  if (!core || !core[0] || !strcmp(core, "native")) {
    pf_blas_select_core(argv);
    return;
  }
  const char *now = openblas_get_corename();
  if (now && !strcasecmp(now, core)) return;
  if (getenv("PF_BLAS_PIN_REEXEC")) return; /* tried once: OpenBLAS did not take it */
  if (setenv("OPENBLAS_CORETYPE", core, 1) || setenv("PF_BLAS_PIN_REEXEC", "1", 1)) return;
  execv("/proc/self/exe", argv);
  fprintf(stderr, "pinnfluence: warning: cannot re-execute with OPENBLAS_CORETYPE=%s\n", core);
}

void pf_blas_select_core(char **argv) {
  if (getenv("OPENBLAS_CORETYPE") || getenv("PF_BLAS_REEXEC")) return;
  const char *core = openblas_get_corename();
  /* Only the generic fallbacks are overridden; a core OpenBLAS recognised is left alone. */
  if (!core || (strcasecmp(core, "Prescott") && strcasecmp(core, "Core2") &&
                strcasecmp(core, "Nehalem") && strcasecmp(core, "Sandybridge")))
    return;
  const char *want = preferred_core();
  if (!want || !strcasecmp(core, want)) return;
  if (setenv("OPENBLAS_CORETYPE", want, 1) || setenv("PF_BLAS_REEXEC", "1", 1)) return;
  execv("/proc/self/exe", argv);
  /* exec failed: carry on with the slower kernels */
  unsetenv("OPENBLAS_CORETYPE");
  fprintf(stderr,
          "pinnfluence: warning: OpenBLAS uses its generic %s kernels on this CPU; set "
          "OPENBLAS_CORETYPE=%s for 4-5x faster dgemm\n",
          core, want);
}
