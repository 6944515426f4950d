/* The registry of problems, keyed by the configuration string. */
#include "pinnfluence/pde.h"

#include <stdio.h>
#include <string.h>

static const pf_pde *const registry[] = {&pf_pde_diffusion, &pf_pde_burgers, &pf_pde_allen_cahn,
                                         &pf_pde_wave, &pf_pde_drift_diffusion};
#define NREG ((int)(sizeof registry / sizeof registry[0]))

const pf_pde *pf_pde_find(const char *name) {
  for (int i = 0; i < NREG; i++)
    if (!strcmp(registry[i]->name, name)) return registry[i];
  return NULL;
}

int pf_pde_count(void) {
  return NREG;
}

const pf_pde *pf_pde_at(int i) {
  return i >= 0 && i < NREG ? registry[i] : NULL;
}

void pf_pde_names(char *buf, size_t len) {
  size_t used = 0;
  buf[0] = '\0';
  for (int i = 0; i < NREG && used < len; i++) {
    int k = snprintf(buf + used, len - used, i ? ", %s" : "%s", registry[i]->name);
    if (k < 0) break;
    used += (size_t)k;
  }
}
