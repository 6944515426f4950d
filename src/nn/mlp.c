/* MLP architecture: parameter layout (PyTorch order: W_l row-major, then b_l, layer by layer) and
 * Glorot-normal initialisation from a counter-based normal stream. */
#include "pinnfluence/core.h"
#include "pinnfluence/nn.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

int pf_mlp_create(int nlayers, const int *sizes, pf_mlp **net) {
  PF_CHECK(nlayers >= 1, PF_ERR_ARG, "an MLP needs at least one weight layer, got %d", nlayers);
  PF_CHECK(sizes && net, PF_ERR_ARG, "an MLP needs its sizes and an output");
  PF_CHECK(sizes[0] >= 1 && sizes[0] <= PF_MAX_DIM, PF_ERR_ARG,
           "a PINN takes 1..%d inputs, got sizes[0] = %d", PF_MAX_DIM, sizes[0]);
  PF_CHECK(sizes[nlayers] >= 1 && sizes[nlayers] <= PF_MAX_OUT, PF_ERR_ARG,
           "a PINN has 1..%d outputs, got sizes[%d] = %d", PF_MAX_OUT, nlayers, sizes[nlayers]);
  for (int l = 1; l < nlayers; l++)
    PF_CHECK(sizes[l] >= 1 && sizes[l] <= 100000, PF_ERR_ARG,
             "hidden layer %d has width %d; allowed 1..100000", l, sizes[l]);
  pf_mlp *m = NULL;
  PF_CALL(PF_CALLOC(1, &m));
  m->nlayers = nlayers;
  PF_CALL(PF_CALLOC(nlayers + 1, &m->sizes));
  PF_CALL(PF_CALLOC(nlayers, &m->w_off));
  PF_CALL(PF_CALLOC(nlayers, &m->b_off));
  memcpy(m->sizes, sizes, (size_t)(nlayers + 1) * sizeof *sizes);
  size_t off = 0;
  for (int l = 0; l < nlayers; l++) {
    m->w_off[l] = off;
    off += (size_t)sizes[l + 1] * (size_t)sizes[l];
    m->b_off[l] = off;
    off += (size_t)sizes[l + 1];
  }
  m->nparams = off;
  *net = m;
  return PF_OK;
}

int pf_mlp_destroy(pf_mlp **net) {
  if (!net || !*net) return PF_OK;
  PF_FREE(&(*net)->sizes);
  PF_FREE(&(*net)->w_off);
  PF_FREE(&(*net)->b_off);
  PF_FREE(net);
  return PF_OK;
}

int pf_mlp_init_glorot(const pf_mlp *net, const pf_rng_stream *s, double *theta) {
  uint64_t pos = 0;
  memset(theta, 0, net->nparams * sizeof *theta);
  for (int l = 0; l < net->nlayers; l++) {
    size_t fan_in = (size_t)net->sizes[l], fan_out = (size_t)net->sizes[l + 1];
    size_t nw = fan_in * fan_out;
    double std = sqrt(2.0 / (double)(fan_in + fan_out));
    double *W = theta + net->w_off[l];
    pf_rng_normal(s, pos, nw, W);
    for (size_t i = 0; i < nw; i++) W[i] *= std;
    pos += nw;
  }
  return PF_OK;
}

void pf_mlp_describe(const pf_mlp *net, char *buf, size_t len) {
  size_t used = 0;
  buf[0] = '\0';
  for (int l = 0; l <= net->nlayers && used < len; l++) {
    int k = snprintf(buf + used, len - used, l ? "-%d" : "%d", net->sizes[l]);
    if (k < 0) break;
    used += (size_t)k;
  }
}
