/* Sweeps: the axes (keys given as lists) in canonical key order, the Cartesian product of their
 * values with the last axis varying fastest, and the materialisation of one task as a fully
 * resolved pf_config. */
#include "config_impl.h"

#include "pinnfluence/core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int pf_sweep_destroy(pf_sweep **sweep) {
  if (!sweep || !*sweep) return PF_OK;
  pf_sweep *sw = *sweep;
  if (sw->keys)
    for (int i = 0; i < pf_nkeys; i++) free(sw->keys[i].vals);
  free(sw->keys);
  free(sw->axis_key);
  free(sw);
  *sweep = NULL;
  return PF_OK;
}

const char *pf_sweep_name(const pf_sweep *sw) {
  return sw ? sw->name : "";
}

int pf_sweep_ntasks(const pf_sweep *sw) {
  return sw ? sw->ntasks : 0;
}

int pf_sweep_naxes(const pf_sweep *sw) {
  return sw ? sw->naxes : 0;
}

int pf_sweep_axis(const pf_sweep *sw, int a, const char **key, int *len) {
  PF_CHECK(sw && a >= 0 && a < sw->naxes, PF_ERR_ARG, "pf_sweep_axis: no axis %d", a);
  if (key) *key = pf_keys[sw->axis_key[a]].path;
  if (len) *len = sw->keys[sw->axis_key[a]].nvals;
  return PF_OK;
}

/* Index into each key's values for task i (0 for keys that are not axes). */
static void task_coords(const pf_sweep *sw, int i, int *coord) {
  for (int k = 0; k < pf_nkeys; k++) coord[k] = 0;
  int rem = i;
  for (int a = sw->naxes - 1; a >= 0; a--) {
    int k = sw->axis_key[a], n = sw->keys[k].nvals;
    coord[k] = rem % n;
    rem /= n;
  }
}

int pf_sweep_task(const pf_sweep *sw, int i, pf_config *cfg) {
  PF_CHECK(sw && cfg, PF_ERR_ARG, "pf_sweep_task: null argument");
  PF_CHECK(i >= 0 && i < sw->ntasks, PF_ERR_ARG, "pf_sweep_task: task %d of %d", i, sw->ntasks);
  int coord[96], isset[96];
  PF_CHECK(pf_nkeys <= 96, PF_ERR_INTERNAL, "more keys than the coordinate buffer holds");
  task_coords(sw, i, coord);
  memset(cfg, 0, sizeof *cfg);
  for (int k = 0; k < pf_nkeys; k++) {
    const pf_sweep_key *sk = &sw->keys[k];
    isset[k] = sk->nvals > 0;
    if (isset[k]) {
      pf_key_put(&pf_keys[k], &sk->vals[coord[k]], cfg);
    } else if (pf_keys[k].def_kind == PF_DEF_FIXED) {
      pf_cfg_value v;
      pf_key_default(&pf_keys[k], &v);
      pf_key_put(&pf_keys[k], &v, cfg);
    }
  }
  PF_CALL(pf_config_resolve_defaults(cfg, isset));
  cfg->trainable.n = sw->ntrainable;
  for (int j = 0; j < sw->ntrainable; j++) {
    memcpy(cfg->trainable.name[j], sw->tname[j], sizeof cfg->trainable.name[j]);
    cfg->trainable.value[j] = sw->tvalue[j];
  }
  return PF_OK;
}

int pf_sweep_task_label(const pf_sweep *sw, int i, char *buf, size_t len) {
  PF_CHECK(sw && buf && len > 0, PF_ERR_ARG, "pf_sweep_task_label: null argument");
  PF_CHECK(i >= 0 && i < sw->ntasks, PF_ERR_ARG, "pf_sweep_task_label: task %d of %d", i,
           sw->ntasks);
  int coord[96];
  PF_CHECK(pf_nkeys <= 96, PF_ERR_INTERNAL, "more keys than the coordinate buffer holds");
  task_coords(sw, i, coord);
  pf_sbuf sb = {.buf = buf, .cap = len, .fixed = 1};
  buf[0] = '\0';
  for (int a = 0; a < sw->naxes; a++) {
    int k = sw->axis_key[a];
    const pf_cfg_value *v = &sw->keys[k].vals[coord[k]];
    pf_sbuf_printf(&sb, "%s%s=", a ? " " : "", pf_keys[k].path);
    if (pf_keys[k].type == PF_KEY_STRING) {
      pf_sbuf_printf(&sb, "%s", v->s); /* unquoted: labels are for people */
    } else if (pf_keys[k].type == PF_KEY_INTLIST) {
      for (int j = 0; j < v->n; j++) pf_sbuf_printf(&sb, "%s%d", j ? "x" : "", v->l[j]);
    } else {
      pf_sbuf_value(&sb, &pf_keys[k], v);
    }
  }
  return PF_OK; /* a truncated label is still a useful label */
}

int pf_sweep_finalize(pf_sweep *sw, char *err, size_t errlen) {
  PF_CALL(PF_CALLOC(pf_nkeys, &sw->axis_key));
  sw->naxes = 0;
  long long n = 1;
  for (int k = 0; k < pf_nkeys; k++) {
    if (sw->keys[k].nvals < 2) continue;
    sw->axis_key[sw->naxes++] = k;
    n *= sw->keys[k].nvals;
    if (n > PF_SWEEP_MAX_TASKS) {
      return pf_config_fail(err, errlen,
                            "%s: %s: the sweep has more than %d tasks (the product of the list "
                            "lengths up to this key); allowed: at most %d",
                            sw->keys[k].where, pf_keys[k].path, PF_SWEEP_MAX_TASKS,
                            PF_SWEEP_MAX_TASKS);
    }
  }
  sw->ntasks = (int)n;

  /* Rules between keys, checked on every task before any work starts. */
  for (int i = 0; i < sw->ntasks; i++) {
    pf_config cfg;
    char msg[384], label[256];
    int blame = 0;
    PF_CALL(pf_sweep_task(sw, i, &cfg));
    int which = 0;
    if (pf_config_check_trainable(&cfg, &which, msg, sizeof msg)) {
      PF_CALL(pf_sweep_task_label(sw, i, label, sizeof label));
      return pf_config_fail(err, errlen, "%s: trainable.%s: %s%s%s%s", sw->twhere[which],
                            sw->tname[which], msg, sw->ntasks > 1 ? " (task " : "",
                            sw->ntasks > 1 ? label : "", sw->ntasks > 1 ? ")" : "");
    }
    if (!pf_config_check_cross(&cfg, &blame, msg, sizeof msg)) continue;
    /* Point at a place the user wrote: the blamed key, else the first set key it involves. */
    int at = blame;
    if (!sw->keys[at].nvals) at = pf_key_find("sample.pool");
    PF_CALL(pf_sweep_task_label(sw, i, label, sizeof label));
    const char *where = sw->keys[at].nvals ? sw->keys[at].where : sw->name;
    if (sw->ntasks > 1)
      return pf_config_fail(err, errlen, "%s: %s: %s (task %d: %s)", where, pf_keys[at].path, msg,
                            i, label);
    return pf_config_fail(err, errlen, "%s: %s: %s", where, pf_keys[at].path, msg);
  }
  return PF_OK;
}
