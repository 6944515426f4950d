/* Shared pieces of the optim module: names of the stop reasons. */
#include "pinnfluence/optim.h"

const char *pf_optim_stop_name(pf_optim_stop reason) {
  switch (reason) {
  case PF_OPTIM_STOP_ITERATIONS:
    return "iterations";
  case PF_OPTIM_STOP_CONVERGED:
    return "converged";
  case PF_OPTIM_STOP_LINE_SEARCH:
    return "line_search";
  case PF_OPTIM_STOP_NONFINITE:
    return "nonfinite";
  case PF_OPTIM_STOP_REQUESTED:
    return "requested";
  }
  return "unknown";
}
