/* From a resolved configuration to what the task loop and the store need. */
#include "pinnfluence/config.h"
#include "pinnfluence/run.h"
#include "pinnfluence/sweep.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

int pf_task_problem(const pf_config *cfg, const pf_pde **pde) {
  const pf_pde *base = pf_pde_find(cfg->pde);
  PF_CHECK(base, PF_ERR_CONFIG, "pde: unknown problem \"%s\"", cfg->pde);
  /* the problem with the task's coefficients (the registry entry itself at the defaults) */
  double coef[PF_PDE_MAX_COEF];
  for (int j = 0; j < base->ncoef; j++) {
    coef[j] = pf_config_coefficient(cfg, base->coef[j].name);
    /* a coefficient of a problem written in the configuration without a coefficients.<name> key
     * keeps the value the problem gives it */
    if (isnan(coef[j]) && base->text) coef[j] = pf_pde_coefficients(base)[j];
  }
  PF_CALL(pf_pde_instance(base, coef, pde));
  /* constraints = "soft": every hard transform removed (u = N), as trained and as predicted */
  if (!strcmp(cfg->constraints, "soft")) PF_CALL(pf_pde_soft(*pde, pde));
  return PF_OK;
}

int pf_task_config_from_text(const char *text, pf_config *cfg, char *err, size_t errlen) {
  /* a canonical text never includes files; one from a damaged or crafted store must not either */
  if (strstr(text, "@include")) {
    snprintf(err, errlen, "it includes a file (@include), which a task's configuration never does");
    return PF_ERR_CONFIG;
  }
  pf_sweep *sw = NULL;
  int rc = pf_sweep_create_from_string("task configuration", text, 0, NULL, &sw, err, errlen);
  if (!rc && pf_sweep_ntasks(sw) != 1) {
    snprintf(err, errlen, "a sweep of %d tasks, not one task's configuration", pf_sweep_ntasks(sw));
    rc = PF_ERR_CONFIG;
  }
  if (!rc) rc = pf_sweep_task(sw, 0, cfg);
  pf_sweep_destroy(&sw);
  return rc;
}

void pf_task_problem_label(const pf_config *cfg, char *buf, size_t len) {
  size_t used = (size_t)snprintf(buf, len, "%s", cfg->pde);
  const pf_pde *p = pf_pde_find(cfg->pde);
  for (int j = 0; p && j < p->ncoef && used < len; j++) {
    const double v = pf_config_coefficient(cfg, p->coef[j].name);
    if (!isnan(v) && v != pf_pde_coefficients(p)[j]) /* NaN: no coefficients.<name> key */
      used += (size_t)snprintf(buf + used, len - used, " %s=%.6g", p->coef[j].name, v);
  }
}

void pf_task_problem_names(const pf_pde *p, pf_names_kind which, char sep, char *buf, size_t len) {
  const char *const *names = which == PF_NAMES_INPUTS    ? p->inputs
                             : which == PF_NAMES_OUTPUTS ? p->outputs
                                                         : p->components;
  const int n = which == PF_NAMES_INPUTS    ? p->ops.d
                : which == PF_NAMES_OUTPUTS ? p->ops.m
                                            : p->ops.k;
  const char seps[2] = {sep, '\0'};
  size_t used = 0;
  if (len) buf[0] = '\0';
  for (int j = 0; j < n && used < len; j++) {
    const int w =
        snprintf(buf + used, len - used, "%s%s", j ? seps : "", names[j] ? names[j] : "?");
    if (w < 0) break;
    used += (size_t)w;
  }
}

int pf_task_spec_from_config(const pf_config *cfg, pf_task_spec *s) {
  memset(s, 0, sizeof *s);
  PF_CALL(pf_task_problem(cfg, &s->pde));
  s->method = pf_score_method_find(cfg->sample.method);
  if (!s->method) {
    char names[256];
    pf_score_method_names(names, sizeof names);
    PF_RAISE(PF_ERR_CONFIG,
             "sample.method: \"%s\" is not implemented in this version yet; available: %s",
             cfg->sample.method, names);
  }
  s->nhidden = cfg->network.nhidden;
  for (int l = 0; l < s->nhidden; l++) s->hidden[l] = cfg->network.hidden[l];
  s->seed = (uint64_t)cfg->seed;
  s->initial_points = (size_t)cfg->points.initial;
  s->cycles = cfg->train.cycles;
  s->adam_iters = cfg->train.adam_iters;
  s->adam_lr = cfg->train.adam_lr;
  s->lbfgs_iters = cfg->train.lbfgs_iters;
  s->lbfgs_step = cfg->train.lbfgs_step;
  s->lbfgs_history = cfg->train.lbfgs_history;
  s->lbfgs_max_eval = cfg->train.lbfgs_max_eval;
  s->replace = !strcmp(cfg->sample.mode, "replace");
  s->top_k = !strcmp(cfg->sample.strategy, "top_k");
  s->pool = (size_t)cfg->sample.pool;
  s->per_cycle = (size_t)cfg->sample.per_cycle;
  s->k = cfg->sample.k;
  s->c = cfg->sample.c;
  s->holdout_points = (size_t)cfg->holdout.points;
  s->block = cfg->run.block;
  s->store_pool = cfg->run.store_pool_scores;
  s->checkpoint_every = cfg->run.checkpoint_every;
  snprintf(s->influence_backend, sizeof s->influence_backend, "%s", cfg->influence.backend);
  s->influence.backend = s->influence_backend; /* re-pointed by the task loop after copies */
  s->influence.test_points = (size_t)cfg->influence.test_points;
  s->influence.arnoldi_iters = cfg->influence.arnoldi_iters;
  s->influence.arnoldi_tol = cfg->influence.arnoldi_tol;
  s->influence.damping = cfg->influence.damping;
  s->influence.eig_tol = cfg->influence.eig_tol;
  s->influence.rank = cfg->influence.rank;
  s->influence.block_size = cfg->influence.block_size;
  s->influence.block_iters = cfg->influence.block_iters;
  PF_CALL(pf_influence_params_check(&s->influence));
  /* soft conditions, data, trainable coefficients */
  s->soft_points = (size_t)cfg->boundary.points;
  s->soft_weight = cfg->boundary.weight;
  s->data.reference = (size_t)cfg->data.reference;
  s->data.noise = cfg->data.noise;
  s->data.seed = (uint64_t)cfg->data.seed;
  s->data.weight = cfg->data.weight;
  for (const char *q = cfg->data.outputs; *q && s->data.nout < PF_MAX_OUT;) {
    const size_t l = strcspn(q, ",");
    for (int o = 0; o < s->pde->ops.m; o++)
      if (strlen(s->pde->outputs[o]) == l && !strncmp(s->pde->outputs[o], q, l))
        s->data.out[s->data.nout++] = o;
    q += l + (q[l] == ',');
  }
  snprintf(s->data.file, sizeof s->data.file, "%s", cfg->data.file);
  s->ntrained = cfg->trainable.n;
  memcpy(s->coef_init, pf_pde_coefficients(s->pde), (size_t)s->pde->ncoef * sizeof(double));
  for (int j = 0; j < s->ntrained; j++) {
    const int c = pf_pde_coef_index(s->pde, cfg->trainable.name[j]);
    PF_CHECK(c >= 0 && s->pde->residual_coef && !s->pde->coef_in_transform[c], PF_ERR_CONFIG,
             "trainable.%s: not a trainable coefficient of %s", cfg->trainable.name[j],
             s->pde->name);
    s->trained[j] = c;
    s->coef_init[c] = cfg->trainable.value[j];
  }
  /* ascending indices: x = [theta, c] in the problem's coefficient order */
  for (int a = 1; a < s->ntrained; a++)
    for (int b = a; b > 0 && s->trained[b - 1] > s->trained[b]; b--) {
      const int t = s->trained[b];
      s->trained[b] = s->trained[b - 1], s->trained[b - 1] = t;
    }
  return PF_OK;
}

int pf_store_task_from_config(const pf_config *cfg, const pf_task_spec *s, pf_task_layout *lay) {
  memset(lay, 0, sizeof *lay);
  PF_CALL(pf_config_canonical(cfg, lay->canonical, sizeof lay->canonical));
  char hex[PF_CONFIG_HASH_HEX];
  PF_CALL(pf_config_hash(cfg, &lay->desc.hash, hex));
  const pf_pde *pde = s->pde;
  lay->nlayers = s->nhidden + 1;
  lay->sizes[0] = pf_pde_dim(pde);
  for (int l = 0; l < s->nhidden; l++) lay->sizes[l + 1] = s->hidden[l];
  lay->sizes[lay->nlayers] = pf_pde_outputs(pde);
  size_t P = 0;
  for (int l = 0; l < lay->nlayers; l++)
    P += (size_t)(lay->sizes[l] + 1) * (size_t)lay->sizes[l + 1];
  pf_store_task *d = &lay->desc;
  d->canonical = lay->canonical;
  /* copies: cfg is usually a temporary */
  snprintf(lay->pde, sizeof lay->pde, "%s", cfg->pde);
  snprintf(lay->method, sizeof lay->method, "%s", cfg->sample.method);
  snprintf(lay->mode, sizeof lay->mode, "%s", cfg->sample.mode);
  d->pde = lay->pde;
  d->method = lay->method;
  d->mode = lay->mode;
  d->seed = cfg->seed;
  d->cycles = cfg->train.cycles;
  d->nlayers = lay->nlayers;
  d->sizes = lay->sizes;
  d->nparams = P;
  d->dim = pf_pde_dim(pde);
  pf_task_problem_names(pde, PF_NAMES_INPUTS, ',', lay->inputs, sizeof lay->inputs);
  pf_task_problem_names(pde, PF_NAMES_OUTPUTS, ',', lay->outputs, sizeof lay->outputs);
  pf_task_problem_names(pde, PF_NAMES_COMPONENTS, ',', lay->components, sizeof lay->components);
  d->inputs = lay->inputs;
  d->outputs = lay->outputs;
  d->components = lay->components;
  d->final_points = pf_task_final_points(s);
  d->drawn_per_cycle = pf_task_drawn_per_cycle(s);
  if (s->store_pool && s->method->resamples) {
    d->pool_points = s->pool;
    /* the influence set Z of the methods that use one */
    if (!strcmp(s->method->name, "grad_dot") || !strcmp(s->method->name, "pinnfluence"))
      d->z_points = s->influence.test_points;
  }
  return PF_OK;
}
