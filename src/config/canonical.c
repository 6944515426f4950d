/* Canonical text and hash of a task config and of a sweep. The text is libconfig syntax with every
 * key in table order and fixed number formatting, so equal configs give identical bytes and the
 * text parses back into the same config; the hash is XXH64 of those bytes (libxxhash: a
 * well-kept, fast, stable 64-bit hash with a fixed specification). */
#include "config_impl.h"

#include "pinnfluence/core.h"
#include "pinnfluence/pde.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

/* Keys that choose how a sweep is executed, not what it computes (results are bitwise identical
 * whatever their values): they are not part of a task's or a sweep's identity, so a sweep may be
 * resumed with another group size or thread count. run.blas_core does change the bits, but the
 * store records the kernel each task ran with and a resume is checked against that instead (so
 * that "native" and the same kernel pinned by name are one configuration). */
static int execution_only(const pf_key *k) {
  return !strcmp(k->path, "run.ranks_per_task") || !strcmp(k->path, "run.blas_threads") ||
         !strcmp(k->path, "run.blas_core") || !strcmp(k->path, "run.checkpoint_every") ||
         !strncmp(k->path, "validate.", 9); /* validate's own identity: pf_validate_canonical */
}

/* Open/close the group blocks around key i as the group changes. */
static void group_switch(pf_sbuf *sb, const char **cur, const pf_key *k) {
  const char *g = k->group;
  if (*cur && (!g || strcmp(*cur, g))) pf_sbuf_printf(sb, "};\n");
  if (g && (!*cur || strcmp(*cur, g))) pf_sbuf_printf(sb, "%s = {\n", g);
  *cur = g;
}

/* A coefficient is part of a task's text when its problem has it and it differs from the
 * problem's default (the paper's value): a task at the defaults has the text it had before
 * coefficients existed, and equal configurations still give equal bytes. */
static int coefficient_shown(const pf_key *k, const pf_config *cfg, const pf_cfg_value *v) {
  const pf_pde *p = pf_pde_find(cfg->pde);
  const int j = p ? pf_pde_coef_index(p, k->name) : -1;
  return j >= 0 && memcmp(&v->f, &pf_pde_coefficients(p)[j], sizeof v->f) != 0;
}

/* The whole text of a problem defined in the configuration, written in place of its pde key (the
 * text defines it again when read back: a store describes its problem completely), or NULL. */
static const char *defined_problem(const pf_key *k, const char *name) {
  if (strcmp(k->path, "pde")) return NULL;
  const pf_pde *p = pf_pde_find(name);
  return p ? p->text : NULL;
}

/* A quiet key (the keys of issue 11 and the block_krylov backend's influence.block_size and
 * block_iters) at its default: left out, so the text of every configuration written before them
 * is unchanged. */
static int quiet_default(const pf_key *k, const pf_cfg_value *v) {
  if (!k->quiet) return 0;
  pf_cfg_value d;
  pf_key_default(k, &d);
  switch (k->type) {
  case PF_KEY_INT:
  case PF_KEY_BOOL:
    return v->i == d.i;
  case PF_KEY_FLOAT:
    return !memcmp(&v->f, &d.f, sizeof d.f);
  case PF_KEY_STRING:
    return !strcmp(v->s, d.s);
  case PF_KEY_INTLIST:
    return 0;
  }
  return 0;
}

void pf_sbuf_trainable(pf_sbuf *sb, int n, const char (*name)[PF_CONFIG_NAME_MAX],
                       const double *value) {
  if (n <= 0) return;
  char num[40];
  pf_sbuf_printf(sb, "trainable = {");
  for (int j = 0; j < n; j++) {
    pf_format_double(value[j], num, sizeof num);
    pf_sbuf_printf(sb, " %s = %s;", name[j], num);
  }
  pf_sbuf_printf(sb, " };\n");
}

static void emit_config(pf_sbuf *sb, const pf_config *cfg) {
  const char *cur = NULL;
  for (int i = 0; i < pf_nkeys; i++) {
    const pf_key *k = &pf_keys[i];
    if (execution_only(k)) continue;
    pf_cfg_value v;
    pf_key_get(k, cfg, &v);
    if (k->def_kind == PF_DEF_COEF && !coefficient_shown(k, cfg, &v)) continue;
    if (quiet_default(k, &v)) continue;
    group_switch(sb, &cur, k);
    if (defined_problem(k, v.s)) {
      pf_sbuf_printf(sb, "%s", defined_problem(k, v.s));
      continue;
    }
    pf_sbuf_printf(sb, "%s%s = ", k->group ? "  " : "", k->name);
    pf_sbuf_value(sb, k, &v);
    pf_sbuf_printf(sb, ";\n");
  }
  if (cur) pf_sbuf_printf(sb, "};\n");
  pf_sbuf_trainable(sb, cfg->trainable.n, cfg->trainable.name, cfg->trainable.value);
}

int pf_config_canonical(const pf_config *cfg, char *buf, size_t len) {
  PF_CHECK(cfg && buf && len > 0, PF_ERR_ARG, "pf_config_canonical: null argument or empty buffer");
  /* Reject what would not print as one token: unterminated strings, impossible layer counts. */
  PF_CHECK(memchr(cfg->pde, '\0', sizeof cfg->pde) &&
               memchr(cfg->sample.method, '\0', sizeof cfg->sample.method) &&
               memchr(cfg->sample.mode, '\0', sizeof cfg->sample.mode) &&
               memchr(cfg->sample.strategy, '\0', sizeof cfg->sample.strategy) &&
               memchr(cfg->influence.backend, '\0', sizeof cfg->influence.backend),
           PF_ERR_ARG, "pf_config_canonical: a string field is not NUL-terminated");
  PF_CHECK(cfg->network.nhidden >= 0 && cfg->network.nhidden <= PF_CONFIG_MAX_HIDDEN, PF_ERR_ARG,
           "pf_config_canonical: network.nhidden = %d", cfg->network.nhidden);
  pf_sbuf sb = {.buf = buf, .cap = len, .fixed = 1};
  buf[0] = '\0';
  emit_config(&sb, cfg);
  PF_CHECK(!sb.overflow, PF_ERR_ARG, "pf_config_canonical: buffer of %zu bytes is too small", len);
  return PF_OK;
}

static void hash_out(const char *text, size_t n, uint64_t *hash, char hex[PF_CONFIG_HASH_HEX]) {
  uint64_t h = (uint64_t)XXH64(text, n, 0);
  if (hash) *hash = h;
  if (hex) snprintf(hex, PF_CONFIG_HASH_HEX, "%016llx", (unsigned long long)h);
}

int pf_config_hash(const pf_config *cfg, uint64_t *hash, char hex[PF_CONFIG_HASH_HEX]) {
  char text[PF_CONFIG_CANONICAL_MAX];
  PF_CALL(pf_config_canonical(cfg, text, sizeof text));
  hash_out(text, strlen(text), hash, hex);
  return PF_OK;
}

int pf_sweep_canonical(const pf_sweep *sw, char **text) {
  PF_CHECK(sw && text, PF_ERR_ARG, "pf_sweep_canonical: null argument");
  *text = NULL;
  pf_sbuf sb = {0};
  pf_sbuf_printf(&sb, "# pinnfluence sweep: %d task%s; axes (last varies fastest):", sw->ntasks,
                 sw->ntasks == 1 ? "" : "s");
  if (!sw->naxes) pf_sbuf_printf(&sb, " none");
  for (int a = 0; a < sw->naxes; a++)
    pf_sbuf_printf(&sb, "%s %s", a ? "," : "", pf_keys[sw->axis_key[a]].path);
  pf_sbuf_printf(&sb, "\n");
  const char *cur = NULL;
  for (int i = 0; i < pf_nkeys; i++) {
    const pf_key *k = &pf_keys[i];
    if (execution_only(k)) continue;
    const pf_sweep_key *sk = &sw->keys[i];
    const char *ind = k->group ? "  " : "";
    if (k->def_kind == PF_DEF_COEF && sk->nvals == 0) continue; /* the problem's default */
    if (k->quiet && sk->nvals == 0) continue;                   /* keys added later, unset */
    group_switch(&sb, &cur, k);
    if (sk->nvals == 1 && defined_problem(k, sk->vals[0].s)) {
      pf_sbuf_printf(&sb, "%s", defined_problem(k, sk->vals[0].s));
      continue;
    }
    if (sk->nvals == 0 && k->def_kind != PF_DEF_FIXED) {
      pf_sbuf_printf(&sb, "%s# %s: default per problem%s\n", ind, k->name,
                     k->def_kind == PF_DEF_PDE_MODE ? " and mode" : "");
      continue;
    }
    pf_sbuf_printf(&sb, "%s%s = ", ind, k->name);
    if (sk->nvals == 0) {
      pf_cfg_value v;
      pf_key_default(k, &v);
      pf_sbuf_value(&sb, k, &v);
    } else if (sk->nvals == 1) {
      pf_sbuf_value(&sb, k, &sk->vals[0]);
    } else {
      /* Arrays hold scalars of one type; a sweep of int lists must be a list of arrays. */
      int list = k->type == PF_KEY_INTLIST;
      pf_sbuf_printf(&sb, "%s", list ? "(" : "[");
      for (int j = 0; j < sk->nvals; j++) {
        if (j) pf_sbuf_printf(&sb, ", ");
        pf_sbuf_value(&sb, k, &sk->vals[j]);
      }
      pf_sbuf_printf(&sb, "%s", list ? ")" : "]");
    }
    pf_sbuf_printf(&sb, ";\n");
  }
  if (cur) pf_sbuf_printf(&sb, "};\n");
  pf_sbuf_trainable(&sb, sw->ntrainable, sw->tname, sw->tvalue);
  if (sb.nomem || sb.overflow) {
    free(sb.buf);
    PF_RAISE(PF_ERR_MEM, "pf_sweep_canonical: cannot allocate the text");
  }
  *text = sb.buf;
  return PF_OK;
}

int pf_sweep_hash(const pf_sweep *sw, uint64_t *hash, char hex[PF_CONFIG_HASH_HEX]) {
  char *text = NULL;
  PF_CALL(pf_sweep_canonical(sw, &text));
  hash_out(text, strlen(text), hash, hex);
  free(text);
  return PF_OK;
}
