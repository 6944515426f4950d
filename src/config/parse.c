/* Reading a sweep: libconfig (the only file of pinnfluence that includes it) parses the text,
 * `--set key=value` overrides are parsed the same way and grafted onto the tree, and one pass
 * over the tree in file order checks every key, type, value and list and collects the values
 * into a pf_sweep. User errors become PF_ERR_CONFIG with a "FILE:LINE: KEY: problem; allowed"
 * message in the caller's buffer; nothing is printed for them. */
#include "config_impl.h"

#include "pinnfluence/core.h"
#include "pinnfluence/expr.h"
#include "pinnfluence/observations.h"
#include "pinnfluence/pde.h"

#include <errno.h>
#include <libconfig.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

/* Propagate a user error without printing a traceback line (PF_CALL would print one). */
#define TRY(...)                                                                                   \
  do {                                                                                             \
    int try_rc_ = (__VA_ARGS__);                                                                   \
    if (try_rc_) return try_rc_;                                                                   \
  } while (0)

typedef struct {
  config_t lc;
  const char *name; /* the file name for messages */
  char *err;
  size_t errlen;
  char **hooks; /* (nhooks) copies of the override arguments, the hooks of grafted settings */
  int nhooks;
  pf_sweep *sw;
  pf_scan_result scan; /* the pre-scan of the text (scan.c) */
  int problem;         /* a problem = { ... } group was read */
} pstate;

/* ------------------------------------------------------------------ messages */

/* "file:line" of a setting, or "--set ARG" when it (or a parent) came from an override. */
static void where_of(const pstate *ps, const config_setting_t *s, char *buf, size_t len) {
  for (const config_setting_t *p = s; p; p = config_setting_parent(p)) {
    const char *hook = (const char *)p->hook;
    if (hook) {
      snprintf(buf, len, "--set %s", hook);
      return;
    }
  }
  const char *file = config_setting_source_file(s);
  snprintf(buf, len, "%s:%u", file ? file : ps->name, config_setting_source_line(s));
}

/* What a setting is, for "got ..." in messages. */
static void describe(const config_setting_t *s, char *buf, size_t len) {
  char num[40];
  const char *str;
  switch (config_setting_type(s)) {
  case CONFIG_TYPE_INT:
    snprintf(buf, len, "the integer %d", config_setting_get_int(s));
    break;
  case CONFIG_TYPE_INT64:
    snprintf(buf, len, "the integer %lld", config_setting_get_int64(s));
    break;
  case CONFIG_TYPE_FLOAT:
    pf_format_double(config_setting_get_float(s), num, sizeof num);
    snprintf(buf, len, "the float %s", num);
    break;
  case CONFIG_TYPE_STRING:
    str = config_setting_get_string(s);
    snprintf(buf, len, "the string \"%.64s\"", str ? str : "");
    break;
  case CONFIG_TYPE_BOOL:
    snprintf(buf, len, "the boolean %s", config_setting_get_bool(s) ? "true" : "false");
    break;
  case CONFIG_TYPE_ARRAY:
    snprintf(buf, len, "an array [...]");
    break;
  case CONFIG_TYPE_LIST:
    snprintf(buf, len, "a list (...)");
    break;
  case CONFIG_TYPE_GROUP:
    snprintf(buf, len, "a group {...}");
    break;
  default:
    snprintf(buf, len, "a value of unknown type");
    break;
  }
}

static int fail_at(pstate *ps, const config_setting_t *s, const char *path, const char *msg) {
  char where[PF_CFG_WHERE_MAX];
  where_of(ps, s, where, sizeof where);
  return pf_config_fail(ps->err, ps->errlen, "%s: %s: %s", where, path, msg);
}

static int type_error(pstate *ps, const config_setting_t *s, const char *path, const pf_key *k,
                      int top) {
  char allowed[256], got[128], msg[512];
  pf_key_allowed(k, allowed, sizeof allowed);
  describe(s, got, sizeof got);
  const char *sweep = "";
  if (top && k->sweepable)
    sweep = k->type == PF_KEY_INTLIST ? " (or a list of such arrays, for a sweep)"
                                      : " (or a list of them, for a sweep)";
  snprintf(msg, sizeof msg, "expected %s%s, got %s", allowed, sweep, got);
  return fail_at(ps, s, path, msg);
}

/* Levenshtein distance of two short names, for "did you mean". */
static int edit_distance(const char *a, const char *b) {
  int la = (int)strlen(a), lb = (int)strlen(b);
  if (la > 63 || lb > 63) return 99;
  int d[64][64];
  for (int i = 0; i <= la; i++) d[i][0] = i;
  for (int j = 0; j <= lb; j++) d[0][j] = j;
  for (int i = 1; i <= la; i++)
    for (int j = 1; j <= lb; j++) {
      int best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
      if (d[i - 1][j] + 1 < best) best = d[i - 1][j] + 1;
      if (d[i][j - 1] + 1 < best) best = d[i][j - 1] + 1;
      d[i][j] = best;
    }
  return d[la][lb];
}

/* "unknown key; did you mean X? (G has: ...)" for name in group (NULL: top level). */
static void unknown_text(const char *group, const char *name, char *buf, size_t len) {
  char path[160];
  snprintf(path, sizeof path, "%s%s%s", group ? group : "", group ? "." : "", name);
  const char *best = NULL;
  int bestd = 99, limit = strlen(name) >= 4 ? 2 : 1;
  for (int i = 0; i < pf_nkeys; i++) {
    int d1 = edit_distance(path, pf_keys[i].path), d2 = edit_distance(name, pf_keys[i].name);
    int d = d1 < d2 ? d1 : d2;
    if (d < bestd) bestd = d, best = pf_keys[i].path;
  }
  pf_sbuf sb = {.buf = buf, .cap = len, .fixed = 1};
  buf[0] = '\0';
  pf_sbuf_printf(&sb, "unknown key");
  if (best && bestd <= limit) pf_sbuf_printf(&sb, "; did you mean %s?", best);
  /* The names allowed where the unknown one stood. */
  if (group)
    pf_sbuf_printf(&sb, " (%s has:", group);
  else
    pf_sbuf_printf(&sb, " (allowed at the top level:");
  const char *last = NULL;
  int first = 1;
  for (int i = 0; i < pf_nkeys; i++) {
    const pf_key *k = &pf_keys[i];
    const char *item = NULL;
    if (group) {
      if (k->group && !strcmp(k->group, group)) item = k->name;
    } else {
      item = k->group ? k->group : k->name;
      if (k->group && strchr(k->group, '.')) item = NULL; /* validate.retrain: within validate */
      if (item && last && !strcmp(last, item)) item = NULL;
      if (item) last = item;
    }
    if (item) pf_sbuf_printf(&sb, "%s %s", first ? "" : ",", item), first = 0;
  }
  if (!group) pf_sbuf_printf(&sb, ", problem, trainable"); /* the groups parse.c reads itself */
  pf_sbuf_printf(&sb, ")");
}

static int unknown_key(pstate *ps, const config_setting_t *s, const char *group, const char *name) {
  char msg[512], path[160];
  unknown_text(group, name, msg, sizeof msg);
  snprintf(path, sizeof path, "%s%s%s", group ? group : "", group ? "." : "", name);
  return fail_at(ps, s, path, msg);
}

/* An integer literal libconfig would wrap (no L suffix) or saturate (L suffix). */
static int bad_integer(pstate *ps, const pf_scan_result *r) {
  char allowed[256];
  const int ki = r->bad_path[0] ? pf_key_find(r->bad_path) : -1;
  if (ki >= 0)
    pf_key_allowed(&pf_keys[ki], allowed, sizeof allowed);
  else
    snprintf(allowed, sizeof allowed, "an integer in -2147483648 .. 2147483647");
  const char *path = r->bad_path[0] ? r->bad_path : "(value)";
  if (r->bad_is64)
    return pf_config_fail(ps->err, ps->errlen, "%s: %s: %s does not fit in 64 bits; allowed: %s",
                          r->bad_where, path, r->bad_text, allowed);
  return pf_config_fail(ps->err, ps->errlen,
                        "%s: %s: %s does not fit in the 32-bit integers libconfig reads (it would "
                        "silently become %lld); allowed: %s",
                        r->bad_where, path, r->bad_text, r->bad_wrapped, allowed);
}

/* ------------------------------------------------------------------ values */

static int parse_scalar(pstate *ps, const pf_key *k, const config_setting_t *s, const char *path,
                        int top, pf_cfg_value *v) {
  char msg[512];
  int t = config_setting_type(s);
  memset(v, 0, sizeof *v);
  switch (k->type) {
  case PF_KEY_INT:
    if (t == CONFIG_TYPE_INT)
      v->i = config_setting_get_int(s);
    else if (t == CONFIG_TYPE_INT64)
      v->i = config_setting_get_int64(s);
    else
      return type_error(ps, s, path, k, top);
    break;
  case PF_KEY_FLOAT: /* integers are welcome where a float is expected */
    if (t == CONFIG_TYPE_INT)
      v->f = (double)config_setting_get_int(s);
    else if (t == CONFIG_TYPE_INT64)
      v->f = (double)config_setting_get_int64(s);
    else if (t == CONFIG_TYPE_FLOAT)
      v->f = config_setting_get_float(s);
    else
      return type_error(ps, s, path, k, top);
    if (v->f == 0.0) v->f = 0.0; /* -0.0 and 0.0 are one value, with one canonical text */
    break;
  case PF_KEY_BOOL:
    if (t != CONFIG_TYPE_BOOL) return type_error(ps, s, path, k, top);
    v->i = config_setting_get_bool(s);
    break;
  case PF_KEY_STRING: {
    if (t != CONFIG_TYPE_STRING) return type_error(ps, s, path, k, top);
    const char *str = config_setting_get_string(s);
    if (!str) return type_error(ps, s, path, k, top);
    if (!pf_key_string_allowed(k, str)) {
      char allowed[256];
      pf_key_allowed(k, allowed, sizeof allowed);
      snprintf(msg, sizeof msg, "\"%.64s\" is not %s", str, allowed);
      return fail_at(ps, s, path, msg);
    }
    snprintf(v->s, sizeof v->s, "%s", str); /* every allowed name fits */
    break;
  }
  case PF_KEY_INTLIST:
    return type_error(ps, s, path, k, top);
  }
  if (pf_key_check_value(k, v, msg, sizeof msg)) return fail_at(ps, s, path, msg);
  return PF_OK;
}

/* One network: an array (or list) of layer widths. */
static int parse_intlist(pstate *ps, const pf_key *k, const config_setting_t *s, const char *path,
                         int top, pf_cfg_value *v) {
  char msg[512], allowed[256], epath[256];
  memset(v, 0, sizeof *v);
  if (!config_setting_is_array(s) && !config_setting_is_list(s))
    return type_error(ps, s, path, k, top);
  int n = config_setting_length(s);
  pf_key_allowed(k, allowed, sizeof allowed);
  if (n == 0) {
    snprintf(msg, sizeof msg, "empty list; allowed: %s", allowed);
    return fail_at(ps, s, path, msg);
  }
  if (n > PF_CONFIG_MAX_HIDDEN) {
    snprintf(msg, sizeof msg, "%d layers are too many; allowed: %s", n, allowed);
    return fail_at(ps, s, path, msg);
  }
  v->n = n;
  for (int j = 0; j < n; j++) {
    const config_setting_t *e = config_setting_get_elem(s, (unsigned)j);
    PF_CHECK(e, PF_ERR_INTERNAL, "libconfig: no element %d of %s", j, path);
    snprintf(epath, sizeof epath, "%s[%d]", path, j);
    long long w;
    if (config_setting_type(e) == CONFIG_TYPE_INT)
      w = config_setting_get_int(e);
    else if (config_setting_type(e) == CONFIG_TYPE_INT64)
      w = config_setting_get_int64(e);
    else {
      char got[128];
      describe(e, got, sizeof got);
      snprintf(msg, sizeof msg, "expected a layer width, an integer in %lld .. %lld, got %s",
               k->imin, k->imax, got);
      return fail_at(ps, e, epath, msg);
    }
    if (w < k->imin || w > k->imax) {
      snprintf(msg, sizeof msg,
               "layer width %lld is out of range; allowed: an integer in %lld .. "
               "%lld",
               w, k->imin, k->imax);
      return fail_at(ps, e, epath, msg);
    }
    v->l[j] = (int)w;
  }
  return PF_OK;
}

static int cmp_value(const void *a, const void *b) {
  return memcmp(a, b, sizeof(pf_cfg_value));
}

/* Reject a list that names one value twice: the tasks would repeat. Values are zero-filled
 * before parsing, so equal values are equal bytes. */
static int check_duplicates(pstate *ps, const pf_key *k, const config_setting_t *s,
                            const pf_sweep_key *sk) {
  pf_cfg_value *copy = malloc((size_t)sk->nvals * sizeof *copy);
  PF_CHECK(copy, PF_ERR_MEM, "cannot allocate %d values", sk->nvals);
  memcpy(copy, sk->vals, (size_t)sk->nvals * sizeof *copy);
  qsort(copy, (size_t)sk->nvals, sizeof *copy, cmp_value);
  for (int j = 1; j < sk->nvals; j++) {
    if (memcmp(&copy[j - 1], &copy[j], sizeof *copy)) continue;
    char text[256], msg[512];
    pf_sbuf sb = {.buf = text, .cap = sizeof text, .fixed = 1};
    text[0] = '\0';
    pf_sbuf_value(&sb, k, &copy[j]);
    free(copy);
    snprintf(msg, sizeof msg,
             "the value %s appears more than once in the list; allowed: distinct values (each "
             "task would run twice)",
             text);
    return fail_at(ps, s, k->path, msg);
  }
  free(copy);
  return PF_OK;
}

/* A list of names (data.outputs = ["u", "v"]; one string is one name), held as "u,v". */
static int parse_names(pstate *ps, const pf_key *k, const config_setting_t *s, pf_sweep_key *sk) {
  char msg[512];
  const int list = config_setting_is_array(s) || config_setting_is_list(s);
  const int n = list ? config_setting_length(s) : 1;
  if (n < 1 || n > 4)
    return fail_at(ps, s, k->path, "an empty list; allowed: 1 to 4 output names, e.g. [\"u\"]");
  pf_cfg_value *v = calloc(1, sizeof *v);
  PF_CHECK(v, PF_ERR_MEM, "cannot allocate a value");
  sk->vals = v;
  sk->nvals = 1;
  size_t used = 0;
  for (int j = 0; j < n; j++) {
    const config_setting_t *e = list ? config_setting_get_elem(s, (unsigned)j) : s;
    const char *str =
        e && config_setting_type(e) == CONFIG_TYPE_STRING ? config_setting_get_string(e) : NULL;
    if (!str || !*str || strchr(str, ',') || strlen(str) > 31) {
      char got[128];
      describe(e ? e : s, got, sizeof got);
      snprintf(msg, sizeof msg, "expected output names, e.g. [\"u\", \"v\"], got %s", got);
      return fail_at(ps, e ? e : s, k->path, msg);
    }
    if (used + strlen(str) + 2 > pf_key_slen(k))
      return fail_at(ps, s, k->path, "the names are too long together; allowed: 31 characters");
    used += (size_t)snprintf(v->s + used, sizeof v->s - used, "%s%s", j ? "," : "", str);
  }
  return PF_OK;
}

/* Key ki given by setting s: one value, or a list making a sweep axis. */
static int parse_key(pstate *ps, int ki, const config_setting_t *s) {
  const pf_key *k = &pf_keys[ki];
  pf_sweep_key *sk = &ps->sw->keys[ki];
  char msg[512], epath[192];
  free(sk->vals);
  sk->vals = NULL;
  sk->nvals = 0;
  where_of(ps, s, sk->where, sizeof sk->where);
  if (k->names) return parse_names(ps, k, s, sk);

  /* A list of values, except that one network.hidden is itself an array. */
  int is_sweep = k->type == PF_KEY_INTLIST
                     ? config_setting_is_list(s)
                     : config_setting_is_array(s) || config_setting_is_list(s);
  int n = is_sweep ? config_setting_length(s) : 1;
  if (is_sweep) {
    if (!k->sweepable) {
      char allowed[256];
      pf_key_allowed(k, allowed, sizeof allowed);
      snprintf(msg, sizeof msg,
               "cannot be a list: it applies to the whole run, not to one task; allowed: %s",
               allowed);
      return fail_at(ps, s, k->path, msg);
    }
    if (n == 0) {
      snprintf(msg, sizeof msg, "empty list; allowed: at least one value");
      return fail_at(ps, s, k->path, msg);
    }
    if (n > PF_SWEEP_MAX_TASKS) {
      snprintf(msg, sizeof msg, "a list of %d values; allowed: at most %d", n, PF_SWEEP_MAX_TASKS);
      return fail_at(ps, s, k->path, msg);
    }
    if (k->type == PF_KEY_INTLIST) {
      const config_setting_t *e0 = config_setting_get_elem(s, 0);
      PF_CHECK(e0, PF_ERR_INTERNAL, "libconfig: no element 0 of %s", k->path);
      if (config_setting_is_scalar(e0))
        return fail_at(ps, s, k->path,
                       "a list ( ... ) of numbers is ambiguous here; allowed: one network as an "
                       "array [32, 32, 32], or a sweep as a list of arrays ([32, 32], [64, 64])");
    }
  }
  pf_cfg_value *vals = calloc((size_t)n, sizeof *vals);
  PF_CHECK(vals, PF_ERR_MEM, "cannot allocate %d values", n);
  sk->vals = vals;
  sk->nvals = n;
  for (int j = 0; j < n; j++) {
    const config_setting_t *e = s;
    const char *path = k->path;
    if (is_sweep) {
      e = config_setting_get_elem(s, (unsigned)j);
      PF_CHECK(e, PF_ERR_INTERNAL, "libconfig: no element %d of %s", j, k->path);
      snprintf(epath, sizeof epath, "%s[%d]", k->path, j);
      path = epath;
    }
    if (k->type == PF_KEY_INTLIST)
      TRY(parse_intlist(ps, k, e, path, !is_sweep, &vals[j]));
    else
      TRY(parse_scalar(ps, k, e, path, !is_sweep, &vals[j]));
  }
  if (n > 1) TRY(check_duplicates(ps, k, s, sk));
  return PF_OK;
}

/* The members of group s, whose dotted path is `path` ("train", "validate.retrain"); a member
 * that is itself a group of the table (validate.retrain) is walked in turn. */
static int walk_group(pstate *ps, const config_setting_t *s, const char *path) {
  int m = config_setting_length(s);
  for (int j = 0; j < m; j++) {
    const config_setting_t *c = config_setting_get_elem(s, (unsigned)j);
    PF_CHECK(c && config_setting_name(c), PF_ERR_INTERNAL, "libconfig: bad member %d of %s", j,
             path);
    int kj = pf_key_find_in(path, config_setting_name(c));
    if (kj < 0) {
      char sub[128];
      snprintf(sub, sizeof sub, "%s.%s", path, config_setting_name(c));
      if (pf_key_is_group(sub) && config_setting_is_group(c)) {
        TRY(walk_group(ps, c, sub));
        continue;
      }
      return unknown_key(ps, c, path, config_setting_name(c));
    }
    TRY(parse_key(ps, kj, c));
  }
  return PF_OK;
}

/* ------------------------------------------------------------------ problem = { ... } */

/* What the problem group's members are (README "Problems in the configuration"). */
static const char *const problem_members[] = {
    "name",        "inputs",    "domain", "outputs", "coefficients",   "residuals", "weights",
    "constraints", "reference", "grid",   "hidden",  "initial_points", NULL};

#define PROBLEM_STR_MAX 2048 /* a formula */

/* Storage for the strings and "where" texts of one problem spec. */
typedef struct {
  pf_pde_spec spec;
  char where[192][PF_CFG_WHERE_MAX + 128];
  int nwhere;
} problem_build;

static const char *where_key(pstate *ps, problem_build *pb, const config_setting_t *s,
                             const char *key) {
  char w[PF_CFG_WHERE_MAX];
  where_of(ps, s, w, sizeof w);
  if (pb->nwhere == 192) return "problem";
  char *out = pb->where[pb->nwhere++];
  snprintf(out, PF_CFG_WHERE_MAX + 128, "%s: problem.%.96s", w, key);
  return out;
}

static int pfail(pstate *ps, const config_setting_t *s, const char *key, const char *fmt,
                 const char *a) {
  char path[128], msg[512];
  snprintf(path, sizeof path, "problem%s%s", key ? "." : "", key ? key : "");
  snprintf(msg, sizeof msg, fmt, a);
  return fail_at(ps, s, path, msg);
}

/* A string member, or element. */
static int pstring(pstate *ps, const config_setting_t *s, const char *key, const char **out) {
  const char *v = config_setting_type(s) == CONFIG_TYPE_STRING ? config_setting_get_string(s) : 0;
  if (!v) {
    char got[128];
    describe(s, got, sizeof got);
    return pfail(ps, s, key, "expected a string, got %s", got);
  }
  if (strlen(v) >= PROBLEM_STR_MAX) return pfail(ps, s, key, "longer than %s characters", "2047");
  *out = v;
  return PF_OK;
}

static int pnumber(pstate *ps, const config_setting_t *s, const char *key, double *out) {
  const int t = config_setting_type(s);
  if (t == CONFIG_TYPE_STRING) {
    int col;
    char msg[256], m2[400];
    const char *text = config_setting_get_string(s);
    if (pf_expr_constant(text ? text : "", out, &col, msg, sizeof msg)) {
      snprintf(m2, sizeof m2, "column %d of \"%.64s\": %s", col, text ? text : "", msg);
      return pfail(ps, s, key, "%s", m2);
    }
  } else if (t == CONFIG_TYPE_FLOAT)
    *out = config_setting_get_float(s);
  else if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64)
    *out = (double)config_setting_get_int64(s);
  else {
    char got[128];
    describe(s, got, sizeof got);
    return pfail(ps, s, key, "expected a number or a constant formula \"0.01/pi\", got %s", got);
  }
  return PF_OK;
}

/* The elements of an array or list (or a single value, as one element when one_ok). */
static int pelems(pstate *ps, const config_setting_t *s, const char *key, int one_ok, int max,
                  const config_setting_t **el, int *n) {
  if (one_ok && config_setting_is_scalar(s)) {
    el[0] = s;
    *n = 1;
    return PF_OK;
  }
  if (!config_setting_is_array(s) && !config_setting_is_list(s)) {
    char got[128];
    describe(s, got, sizeof got);
    return pfail(ps, s, key, "expected a list [ ... ], got %s", got);
  }
  *n = config_setting_length(s);
  if (*n < 1 || *n > max) {
    char lim[64];
    snprintf(lim, sizeof lim, "%d entries; allowed: 1 .. %d", *n, max);
    return pfail(ps, s, key, "%s", lim);
  }
  for (int i = 0; i < *n; i++) el[i] = config_setting_get_elem(s, (unsigned)i);
  return PF_OK;
}

/* constraints[o] = { soft = ( { face = "x=lo"; value = "0"; derivative = "t"; }, ... ); }: output
 * o is unconstrained (A = 0, B = 1) and these are its conditions (checked by pf_pde_define). */
static int parse_soft(pstate *ps, problem_build *pb, const config_setting_t *g, int o) {
  pf_pde_spec *sp = &pb->spec;
  char key[128];
  snprintf(key, sizeof key, "constraints[%d].soft", o);
  const config_setting_t *soft = config_setting_get_member(g, "soft");
  if (config_setting_length(g) != 1)
    return pfail(ps, g, key, "%s",
                 "a soft constraint has the one key soft (not A or B as well); allowed: { soft "
                 "= ( { face = \"x=lo\"; value = \"...\"; }, ... ); }");
  const config_setting_t *el[PF_PDE_MAX_COND];
  int n;
  TRY(pelems(ps, soft, key, 0, PF_PDE_MAX_COND, el, &n));
  sp->soft[o] = 1;
  sp->soft_where[o] = where_key(ps, pb, soft, key);
  sp->A[o] = (pf_pde_formula){"0", sp->soft_where[o]};
  sp->B[o] = (pf_pde_formula){"1", sp->soft_where[o]};
  for (int c = 0; c < n; c++) {
    char ck[160];
    snprintf(ck, sizeof ck, "%s[%d]", key, c);
    if (!config_setting_is_group(el[c]))
      return pfail(ps, el[c], ck, "%s",
                   "expected a condition { face = \"x=lo\"; value = \"...\"; } (derivative = "
                   "\"x\" optional)");
    if (sp->ncond == PF_PDE_MAX_COND)
      return pfail(ps, el[c], ck, "more than %s soft conditions in the problem", "32");
    const int j = sp->ncond++;
    sp->cond[j].out = o;
    const int nm = config_setting_length(el[c]);
    for (int i = 0; i < nm; i++) {
      const config_setting_t *e = config_setting_get_elem(el[c], (unsigned)i);
      const char *name = config_setting_name(e);
      char ek[200];
      snprintf(ek, sizeof ek, "%s.%s", ck, name);
      if (!strcmp(name, "face")) {
        TRY(pstring(ps, e, ek, &sp->cond[j].face));
        sp->cond[j].face_where = where_key(ps, pb, e, ek);
      } else if (!strcmp(name, "value")) {
        TRY(pstring(ps, e, ek, &sp->cond[j].value.text));
        sp->cond[j].value.where = where_key(ps, pb, e, ek);
      } else if (!strcmp(name, "derivative")) {
        TRY(pstring(ps, e, ek, &sp->cond[j].derivative));
        sp->cond[j].derivative_where = where_key(ps, pb, e, ek);
      } else {
        return pfail(ps, e, ek, "%s", "unknown key; allowed: face, value, derivative");
      }
    }
    if (!sp->cond[j].face) return pfail(ps, el[c], ck, "%s", "missing face = \"x=lo\"");
    if (!sp->cond[j].value.text)
      return pfail(ps, el[c], ck, "%s", "missing value = \"...\" (the target, a formula)");
  }
  return PF_OK;
}

static int parse_problem(pstate *ps, const config_setting_t *g) {
  if (!config_setting_is_group(g)) {
    char got[128];
    describe(g, got, sizeof got);
    return pfail(ps, g, NULL, "expected a group { inputs = ...; residuals = ...; ... }, got %s",
                 got);
  }
  const int ki = pf_key_find("pde");
  if (ps->sw->keys[ki].nvals > 0)
    return pfail(ps, g, NULL, "%s",
                 "both pde and problem are set; allowed: one of them (pde names a built-in "
                 "problem, problem defines one)");
  problem_build *pb = calloc(1, sizeof *pb);
  PF_CHECK(pb, PF_ERR_MEM, "cannot allocate a problem");
  pf_pde_spec *sp = &pb->spec;
  sp->where_name = where_key(ps, pb, g, "name");
  sp->nhidden = 3;
  sp->hidden[0] = sp->hidden[1] = sp->hidden[2] = 32;
  sp->initial_points = 1000;
  for (int j = 0; j < PF_MAX_RES; j++) sp->weight[j] = 1;
  const config_setting_t *el[64];
  int n, rc = PF_OK, nweights = -1, have[16] = {0};
  const config_setting_t *constraints = NULL, *domain = NULL;
  char key[96];
  const int nm = config_setting_length(g);
  for (int i = 0; !rc && i < nm; i++) {
    const config_setting_t *c = config_setting_get_elem(g, (unsigned)i);
    const char *name = config_setting_name(c);
    int mi = -1;
    for (int j = 0; problem_members[j]; j++)
      if (!strcmp(name, problem_members[j])) mi = j;
    if (mi < 0) {
      char msg[512];
      snprintf(msg, sizeof msg,
               "unknown key \"%s\"; allowed: name, inputs, domain, outputs, "
               "coefficients, residuals, weights, constraints, reference, grid, hidden, "
               "initial_points",
               name);
      rc = pfail(ps, c, NULL, "%s", msg);
      break;
    }
    have[mi] = 1;
    if (!strcmp(name, "name")) {
      rc = pstring(ps, c, name, &sp->name);
    } else if (!strcmp(name, "inputs")) {
      rc = pelems(ps, c, name, 0, PF_MAX_DIM, el, &sp->d);
      for (int j = 0; !rc && j < sp->d; j++) rc = pstring(ps, el[j], name, &sp->inputs[j]);
    } else if (!strcmp(name, "domain")) {
      domain = c;
    } else if (!strcmp(name, "outputs")) {
      rc = pelems(ps, c, name, 0, PF_MAX_OUT, el, &sp->m);
      for (int j = 0; !rc && j < sp->m; j++) rc = pstring(ps, el[j], name, &sp->outputs[j]);
    } else if (!strcmp(name, "coefficients")) {
      if (!config_setting_is_group(c)) {
        rc = pfail(ps, c, name, "%s", "expected a group { name = value; ... }");
        break;
      }
      sp->ncoef = config_setting_length(c);
      if (sp->ncoef > PF_PDE_MAX_COEF) {
        rc = pfail(ps, c, name, "more than %s coefficients", "4");
        break;
      }
      for (int j = 0; !rc && j < sp->ncoef; j++) {
        const config_setting_t *e = config_setting_get_elem(c, (unsigned)j);
        sp->coef[j] = config_setting_name(e);
        snprintf(key, sizeof key, "coefficients.%s", sp->coef[j]);
        rc = pnumber(ps, e, key, &sp->coef_value[j]);
      }
    } else if (!strcmp(name, "residuals")) {
      rc = pelems(ps, c, name, 1, PF_MAX_RES, el, &sp->k);
      for (int j = 0; !rc && j < sp->k; j++) {
        snprintf(key, sizeof key, "residuals[%d]", j);
        rc = pstring(ps, el[j], key, &sp->residual[j].text);
        sp->residual[j].where = where_key(ps, pb, el[j], key);
      }
    } else if (!strcmp(name, "weights")) {
      rc = pelems(ps, c, name, 1, PF_MAX_RES, el, &nweights);
      for (int j = 0; !rc && j < nweights; j++) rc = pnumber(ps, el[j], name, &sp->weight[j]);
    } else if (!strcmp(name, "constraints")) {
      constraints = c;
    } else if (!strcmp(name, "reference")) {
      rc = pelems(ps, c, name, 1, PF_MAX_OUT, el, &n);
      for (int j = 0; !rc && j < n; j++) {
        snprintf(key, sizeof key, "reference[%d]", j);
        rc = pstring(ps, el[j], key, &sp->reference[j].text);
        sp->reference[j].where = where_key(ps, pb, el[j], key);
      }
    } else if (!strcmp(name, "grid")) {
      rc = pstring(ps, c, name, &sp->grid);
    } else if (!strcmp(name, "hidden")) {
      rc = pelems(ps, c, name, 0, PF_PDE_MAX_HIDDEN, el, &sp->nhidden);
      for (int j = 0; !rc && j < sp->nhidden; j++) {
        if (config_setting_type(el[j]) != CONFIG_TYPE_INT || config_setting_get_int(el[j]) < 1 ||
            config_setting_get_int(el[j]) > 4096)
          rc = pfail(ps, el[j], name, "%s", "expected widths 1 .. 4096");
        else
          sp->hidden[j] = config_setting_get_int(el[j]);
      }
    } else if (!strcmp(name, "initial_points")) {
      if (config_setting_type(c) != CONFIG_TYPE_INT || config_setting_get_int(c) < 1)
        rc = pfail(ps, c, name, "%s", "expected a positive integer");
      else
        sp->initial_points = config_setting_get_int(c);
    }
  }
  static const char *const required[] = {"name",    "inputs",    "domain",
                                         "outputs", "residuals", "constraints"};
  for (int r = 0; !rc && r < 6; r++) {
    int j = 0;
    while (strcmp(problem_members[j], required[r])) j++;
    if (!have[j]) rc = pfail(ps, g, NULL, "missing key \"%s\"", required[r]);
  }
  if (!rc) {
    rc = pelems(ps, domain, "domain", 0, PF_MAX_DIM, el, &n);
    if (!rc && n != sp->d)
      rc = pfail(ps, domain, "domain", "%s", "one [lo, hi] per input, in the order of inputs");
    for (int j = 0; !rc && j < n; j++) {
      const config_setting_t *lh[2];
      int two;
      rc = pelems(ps, el[j], "domain", 0, 2, lh, &two);
      if (!rc && two != 2) rc = pfail(ps, el[j], "domain", "%s", "expected [lo, hi]");
      if (!rc) rc = pnumber(ps, lh[0], "domain", &sp->lo[j]);
      if (!rc) rc = pnumber(ps, lh[1], "domain", &sp->hi[j]);
    }
  }
  if (!rc && nweights >= 0 && nweights != sp->k)
    rc = pfail(ps, g, "weights", "%s", "one weight per residual");
  if (!rc) {
    /* one group per output (a single group for one output) */
    if (config_setting_is_group(constraints)) {
      el[0] = constraints;
      n = 1;
    } else {
      rc = pelems(ps, constraints, "constraints", 0, PF_MAX_OUT, el, &n);
    }
    if (!rc && n != sp->m)
      rc = pfail(ps, constraints, "constraints", "%s",
                 "one { A = \"...\"; B = \"...\"; } or { soft = (...); } per output, in the "
                 "order of outputs");
    for (int o = 0; !rc && o < n; o++) {
      if (config_setting_is_group(el[o]) && config_setting_get_member(el[o], "soft")) {
        rc = parse_soft(ps, pb, el[o], o);
        continue;
      }
      for (int ab = 0; !rc && ab < 2; ab++) {
        const char *nmab = ab ? "B" : "A";
        const config_setting_t *f =
            config_setting_is_group(el[o]) ? config_setting_get_member(el[o], nmab) : NULL;
        snprintf(key, sizeof key, "constraints[%d].%s", o, nmab);
        if (!f) {
          rc = pfail(ps, el[o], key, "%s",
                     "missing; each constraint is { A = \"...\"; B = \"...\"; }");
          break;
        }
        pf_pde_formula *pf = ab ? &sp->B[o] : &sp->A[o];
        rc = pstring(ps, f, key, &pf->text);
        pf->where = where_key(ps, pb, f, key);
      }
      if (!rc && config_setting_length(el[o]) != 2)
        rc = pfail(ps, el[o], "constraints", "%s", "a constraint has exactly the keys A and B");
    }
  }
  const pf_pde *pde = NULL;
  if (!rc) {
    rc = pf_pde_define(sp, &pde, ps->err, ps->errlen);
    if (rc && rc != PF_ERR_CONFIG) rc = pf_trace(rc, __FILE__, __LINE__, __func__);
  }
  if (!rc) {
    pf_sweep_key *sk = &ps->sw->keys[ki];
    sk->vals = calloc(1, sizeof *sk->vals);
    if (!sk->vals) rc = PF_ERR_MEM;
    if (!rc) {
      sk->nvals = 1;
      snprintf(sk->vals[0].s, sizeof sk->vals[0].s, "%s", pde->name);
      where_of(ps, g, sk->where, sizeof sk->where);
      ps->problem = 1;
    }
  }
  free(pb);
  return rc;
}

/* trainable = { name = initial guess; ... }: coefficients of the problem learned with theta (the
 * problem's own value stays the truth: reference and data). Checked against the problem of every
 * task in pf_sweep_finalize. */
static int parse_trainable(pstate *ps, const config_setting_t *g) {
  char msg[512], path[96];
  if (!config_setting_is_group(g)) {
    char got[128];
    describe(g, got, sizeof got);
    snprintf(msg, sizeof msg,
             "expected a group { nu = \"5*0.01/pi\"; } (coefficient = initial guess), got %s", got);
    return fail_at(ps, g, "trainable", msg);
  }
  const int n = config_setting_length(g);
  if (n < 1 || n > PF_CONFIG_MAX_TRAINABLE) {
    snprintf(msg, sizeof msg, "%d coefficients; allowed: 1 .. %d", n, PF_CONFIG_MAX_TRAINABLE);
    return fail_at(ps, g, "trainable", msg);
  }
  pf_sweep *sw = ps->sw;
  sw->ntrainable = n;
  for (int j = 0; j < n; j++) {
    const config_setting_t *e = config_setting_get_elem(g, (unsigned)j);
    PF_CHECK(e && config_setting_name(e), PF_ERR_INTERNAL, "libconfig: bad member of trainable");
    const char *name = config_setting_name(e);
    snprintf(path, sizeof path, "trainable.%.60s", name);
    if (strlen(name) >= PF_CONFIG_NAME_MAX)
      return fail_at(ps, e, path, "no coefficient has so long a name");
    snprintf(sw->tname[j], sizeof sw->tname[j], "%s", name);
    where_of(ps, e, sw->twhere[j], sizeof sw->twhere[j]);
    const int t = config_setting_type(e);
    double v = NAN;
    if (t == CONFIG_TYPE_STRING) {
      int col;
      char m[256];
      const char *text = config_setting_get_string(e);
      if (pf_expr_constant(text ? text : "", &v, &col, m, sizeof m)) {
        snprintf(msg, sizeof msg, "column %d of \"%.64s\": %s", col, text ? text : "", m);
        return fail_at(ps, e, path, msg);
      }
    } else if (t == CONFIG_TYPE_FLOAT) {
      v = config_setting_get_float(e);
    } else if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64) {
      v = (double)config_setting_get_int64(e);
    } else {
      char got[128];
      describe(e, got, sizeof got);
      snprintf(msg, sizeof msg,
               "expected the initial guess, a number or a constant formula \"5*0.01/pi\", got %s",
               got);
      return fail_at(ps, e, path, msg);
    }
    if (!isfinite(v)) {
      snprintf(msg, sizeof msg, "the initial guess %g is not finite; allowed: a finite number", v);
      return fail_at(ps, e, path, msg);
    }
    sw->tvalue[j] = v == 0.0 ? 0.0 : v;
  }
  return PF_OK;
}

/* data.file: read it (the task reads it again), the XXH64 of its raw bytes into data.file_hash
 * (so a task's canonical text describes the data), and its observations (CSV or HDF5,
 * pf_observations_parse) checked against every task's problem. A text
 * from a store names the hash: then the file may be absent (predict), but a present file must
 * still have that hash. */
static int data_file(pstate *ps) {
  pf_sweep *sw = ps->sw;
  const int kf = pf_key_find("data.file"), kh = pf_key_find("data.file_hash");
  const pf_sweep_key *f = &sw->keys[kf];
  pf_sweep_key *h = &sw->keys[kh];
  const int has_file = f->nvals == 1 && f->vals[0].s[0];
  const int has_hash = h->nvals == 1 && h->vals[0].s[0];
  if (!has_file) {
    if (has_hash)
      return pf_config_fail(ps->err, ps->errlen,
                            "%s: data.file_hash: set without data.file; allowed: only with "
                            "data.file (pinnfluence writes it)",
                            h->where);
    return PF_OK;
  }
  char *bytes = NULL, why[256], hex[PF_CONFIG_HASH_HEX];
  size_t len = 0;
  if (pf_observations_load(f->vals[0].s, &bytes, &len, why, sizeof why)) {
    if (has_hash) return PF_OK;
    return pf_config_fail(ps->err, ps->errlen,
                          "%s: data.file: cannot read \"%s\": %s; allowed: a readable CSV file "
                          "(a header naming the inputs and observed outputs, then one row per "
                          "observation) or HDF5 file (datasets X and Y)",
                          f->where, f->vals[0].s, why);
  }
  /* the raw bytes (an HDF5 file holds NUL bytes) */
  snprintf(hex, sizeof hex, "%016llx", (unsigned long long)XXH64(bytes, len, 0));
  int rc = PF_OK;
  if (has_hash && strcmp(hex, h->vals[0].s))
    rc = pf_config_fail(ps->err, ps->errlen,
                        "%s: data.file_hash: \"%s\" but the file %s has XXH64 %s (it changed "
                        "since this configuration was written); allowed: the file's own hash",
                        h->where, h->vals[0].s, f->vals[0].s, hex);
  if (!rc && !has_hash) {
    free(h->vals);
    h->vals = calloc(1, sizeof *h->vals);
    if (!h->vals) rc = PF_ERR_MEM;
    if (!rc) {
      h->nvals = 1;
      snprintf(h->vals[0].s, sizeof h->vals[0].s, "%s", hex);
      memcpy(h->where, f->where, sizeof h->where);
    }
  }
  /* the observations against every problem of the sweep */
  const pf_sweep_key *kp = &sw->keys[pf_key_find("pde")];
  for (int j = 0; !rc && j < (kp->nvals ? kp->nvals : 1); j++) {
    const pf_pde *p = pf_pde_find(kp->nvals ? kp->vals[j].s : "burgers");
    pf_observations obs = {0};
    char msg[600];
    if (p && pf_observations_parse(p, f->vals[0].s, bytes, len, &obs, msg, sizeof msg))
      rc = pf_config_fail(ps->err, ps->errlen, "%s: data.file: %s", f->where, msg);
    pf_observations_free(&obs);
  }
  free(bytes);
  return rc;
}

/* One pass over the tree in file order, so the first error reported is the first in the file. */
static int walk(pstate *ps) {
  const config_setting_t *root = config_root_setting(&ps->lc);
  PF_CHECK(root, PF_ERR_INTERNAL, "libconfig: no root setting");
  int n = config_setting_length(root);
  for (int i = 0; i < n; i++) {
    const config_setting_t *s = config_setting_get_elem(root, (unsigned)i);
    PF_CHECK(s, PF_ERR_INTERNAL, "libconfig: no element %d of the root", i);
    const char *name = config_setting_name(s);
    PF_CHECK(name, PF_ERR_INTERNAL, "libconfig: unnamed top-level setting");
    if (!strcmp(name, "problem")) {
      TRY(parse_problem(ps, s));
      continue;
    }
    if (!strcmp(name, "trainable")) {
      TRY(parse_trainable(ps, s));
      continue;
    }
    int ki = pf_key_find_in(NULL, name);
    if (ki >= 0) {
      if (ps->problem && !strcmp(name, "pde"))
        return fail_at(ps, s, "pde",
                       "both pde and problem are set; allowed: one of them (pde names a built-in "
                       "problem, problem defines one)");
      TRY(parse_key(ps, ki, s));
      continue;
    }
    if (!pf_key_is_group(name)) return unknown_key(ps, s, NULL, name);
    if (!config_setting_is_group(s)) {
      char got[128], msg[512];
      describe(s, got, sizeof got);
      snprintf(msg, sizeof msg, "expected a group { key = value; ... }, got %s", got);
      return fail_at(ps, s, name, msg);
    }
    TRY(walk_group(ps, s, name));
  }
  return PF_OK;
}

/* ------------------------------------------------------------------ overrides */

/* Deep copy of src as a new member `name` of parent (name ignored in lists and arrays); every new
 * setting carries `hook` (the override text) so messages can name the override. */
static int copy_setting(config_setting_t *parent, const char *name, const config_setting_t *src,
                        void *hook) {
  int type = config_setting_type(src);
  config_setting_t *dst = config_setting_add(parent, name, type);
  PF_CHECK(dst, PF_ERR_INTERNAL, "libconfig: cannot add setting %s", name ? name : "(element)");
  int ok = CONFIG_TRUE;
  switch (type) {
  case CONFIG_TYPE_INT:
    ok = config_setting_set_int(dst, config_setting_get_int(src));
    break;
  case CONFIG_TYPE_INT64:
    ok = config_setting_set_int64(dst, config_setting_get_int64(src));
    break;
  case CONFIG_TYPE_FLOAT:
    ok = config_setting_set_float(dst, config_setting_get_float(src));
    break;
  case CONFIG_TYPE_BOOL:
    ok = config_setting_set_bool(dst, config_setting_get_bool(src));
    break;
  case CONFIG_TYPE_STRING: {
    const char *str = config_setting_get_string(src);
    ok = str && config_setting_set_string(dst, str);
    break;
  }
  case CONFIG_TYPE_GROUP:
  case CONFIG_TYPE_LIST:
  case CONFIG_TYPE_ARRAY: {
    int n = config_setting_length(src);
    for (int j = 0; j < n; j++) {
      const config_setting_t *e = config_setting_get_elem(src, (unsigned)j);
      PF_CHECK(e, PF_ERR_INTERNAL, "libconfig: no element %d", j);
      PF_CALL(copy_setting(dst, config_setting_name(e), e, hook));
    }
    break;
  }
  default:
    PF_RAISE(PF_ERR_INTERNAL, "libconfig: setting of unknown type %d", type);
  }
  PF_CHECK(ok == CONFIG_TRUE, PF_ERR_INTERNAL, "libconfig: cannot set the value of %s",
           name ? name : "(element)");
  config_setting_set_hook(dst, hook);
  return PF_OK;
}

static void trim(char *s) {
  size_t n = strlen(s), a = 0;
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) s[--n] = '\0';
  while (s[a] == ' ' || s[a] == '\t') a++;
  memmove(s, s + a, n - a + 1);
}

/* A word that is no libconfig value but clearly meant as a string (`--set sample.method=rar`). */
static int is_bare_word(const char *v) {
  if (!*v) return 0;
  for (const char *p = v; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
          *p == '_' || *p == '-' || *p == '.' || *p == '+'))
      return 0;
  return 1;
}

static int override_fail(pstate *ps, const char *arg, const char *fmt, const char *a1,
                         const char *a2) {
  char msg[512];
  snprintf(msg, sizeof msg, fmt, a1, a2);
  return pf_config_fail(ps->err, ps->errlen, "--set %s: %s", arg, msg);
}

/* --set trainable.<name>=value: the initial guess of one trainable coefficient (a member of the
 * top-level trainable group, created when the file has none; parse_trainable checks it). */
static int override_trainable(pstate *ps, const char *arg, char *hook, const char *name,
                              const char *value, config_t *scratch) {
  if (!*value) return override_fail(ps, arg, "trainable.%s: empty value%s", name, "");
  const size_t tl = strlen(value) + 16;
  char *text = malloc(tl);
  PF_CHECK(text, PF_ERR_MEM, "cannot allocate %zu bytes", tl);
  snprintf(text, tl, "v = %s;", value);
  const int ok = config_read_string(scratch, text);
  free(text);
  if (ok != CONFIG_TRUE)
    return override_fail(ps, arg,
                         "trainable.%s: not a libconfig value; allowed: a number or a constant "
                         "formula in quotes, e.g. --set 'trainable.nu=\"5*0.01/pi\"'%s",
                         name, "");
  const config_setting_t *v = config_setting_get_member(config_root_setting(scratch), "v");
  PF_CHECK(v, PF_ERR_INTERNAL, "libconfig: no value in the override");
  config_setting_t *root = config_root_setting(&ps->lc);
  config_setting_t *g = config_setting_get_member(root, "trainable");
  if (!g) {
    g = config_setting_add(root, "trainable", CONFIG_TYPE_GROUP);
    PF_CHECK(g, PF_ERR_INTERNAL, "libconfig: cannot add the group trainable");
  } else if (!config_setting_is_group(g)) {
    return override_fail(ps, arg, "trainable is not a group in the file%s%s", "", "");
  }
  if (config_setting_get_member(g, name))
    PF_CHECK(config_setting_remove(g, name) == CONFIG_TRUE, PF_ERR_INTERNAL,
             "libconfig: cannot remove trainable.%s", name);
  if (!config_setting_add(g, name, CONFIG_TYPE_INT)) /* libconfig checks the name */
    return override_fail(ps, arg, "trainable.%s: not a valid name%s", name, "");
  PF_CHECK(config_setting_remove(g, name) == CONFIG_TRUE, PF_ERR_INTERNAL,
           "libconfig: cannot remove trainable.%s", name);
  PF_CALL(copy_setting(g, name, v, hook));
  return PF_OK;
}

/* Parse "key=value" into a scratch config and graft the value at the key's place. */
static int apply_override_parsed(pstate *ps, const char *arg, char *hook, const char *key,
                                 const char *value, config_t *scratch) {
  char msg[512];
  int ki = pf_key_find(key);
  if (ki < 0 && !strncmp(key, "trainable.", 10) && key[10])
    return override_trainable(ps, arg, hook, key + 10, value, scratch);
  if (ki < 0) {
    if (pf_key_is_group(key))
      return override_fail(
          ps, arg, "%s is a group; allowed: one key of it at a time, e.g. --set %s.<key>=...", key,
          key);
    const char *dot = strchr(key, '.');
    char group[128] = "";
    const char *name = key;
    if (dot && (size_t)(dot - key) < sizeof group) {
      memcpy(group, key, (size_t)(dot - key));
      group[dot - key] = '\0';
      if (pf_key_is_group(group)) name = dot + 1;
    }
    unknown_text(name != key ? group : NULL, name, msg, sizeof msg);
    return pf_config_fail(ps->err, ps->errlen, "--set %s: %s: %s", arg, key, msg);
  }
  if (!*value) return override_fail(ps, arg, "%s: empty value%s", key, "");

  /* integers libconfig would wrap, and @include targets it cannot read (it would exit) */
  char where[PF_CFG_WHERE_MAX];
  pf_scan_result scan;
  snprintf(where, sizeof where, "--set %s", arg);
  TRY(pf_config_scan(where, 0, value, pf_keys[ki].path, &scan, ps->err, ps->errlen));
  if (scan.bad_int) return bad_integer(ps, &scan);

  /* libconfig syntax first; a bare word that is not valid syntax is taken as a string. */
  size_t tl = strlen(value) + 16;
  char *text = malloc(tl);
  PF_CHECK(text, PF_ERR_MEM, "cannot allocate %zu bytes", tl);
  snprintf(text, tl, "v = %s;", value);
  int ok = config_read_string(scratch, text);
  if (ok != CONFIG_TRUE && is_bare_word(value)) {
    config_destroy(scratch);
    config_init(scratch);
    snprintf(text, tl, "v = \"%s\";", value);
    ok = config_read_string(scratch, text);
  }
  free(text);
  if (ok != CONFIG_TRUE) {
    const char *et = config_error_text(scratch);
    return override_fail(ps, arg, "%s: not a libconfig value (libconfig: %s)", key,
                         et ? et : "parse error");
  }
  const config_setting_t *sroot = config_root_setting(scratch);
  const config_setting_t *v = config_setting_get_member(sroot, "v");
  if (!v || config_setting_length(sroot) != 1)
    return override_fail(ps, arg, "%s: expected one value%s", key, "");

  /* The parent: the root or the key's group, created when the file lacks it. */
  const pf_key *k = &pf_keys[ki];
  config_setting_t *parent = config_root_setting(&ps->lc);
  PF_CHECK(parent, PF_ERR_INTERNAL, "libconfig: no root setting");
  /* each component of the group's dotted path (validate.retrain: validate, then retrain) */
  for (const char *gp = k->group; gp && *gp;) {
    const char *dot = strchr(gp, '.');
    char gname[64];
    const size_t gl = dot ? (size_t)(dot - gp) : strlen(gp);
    PF_CHECK(gl < sizeof gname, PF_ERR_INTERNAL, "group name too long: %s", k->group);
    memcpy(gname, gp, gl);
    gname[gl] = '\0';
    config_setting_t *g = config_setting_get_member(parent, gname);
    if (!g) {
      g = config_setting_add(parent, gname, CONFIG_TYPE_GROUP);
      PF_CHECK(g, PF_ERR_INTERNAL, "libconfig: cannot add group %s", k->group);
    } else if (!config_setting_is_group(g)) {
      char got[128];
      describe(g, got, sizeof got);
      snprintf(msg, sizeof msg, "expected a group { key = value; ... }, got %s", got);
      return fail_at(ps, g, k->group, msg);
    }
    parent = g;
    gp = dot ? dot + 1 : NULL;
  }
  if (config_setting_get_member(parent, k->name))
    PF_CHECK(config_setting_remove(parent, k->name) == CONFIG_TRUE, PF_ERR_INTERNAL,
             "libconfig: cannot remove %s", k->path);
  PF_CALL(copy_setting(parent, k->name, v, hook));
  return PF_OK;
}

static int apply_override(pstate *ps, const char *arg) {
  PF_CHECK(arg, PF_ERR_ARG, "null override");
  char **hooks = realloc(ps->hooks, (size_t)(ps->nhooks + 1) * sizeof *hooks);
  PF_CHECK(hooks, PF_ERR_MEM, "cannot allocate the override list");
  ps->hooks = hooks;
  char *hook = strdup(arg);
  PF_CHECK(hook, PF_ERR_MEM, "cannot copy the override");
  ps->hooks[ps->nhooks++] = hook;

  const char *eq = strchr(arg, '=');
  if (!eq)
    return pf_config_fail(ps->err, ps->errlen,
                          "--set %s: expected key=value (e.g. --set train.cycles=2)", arg);
  char *key = strndup(arg, (size_t)(eq - arg)), *value = strdup(eq + 1);
  if (!key || !value) {
    free(key);
    free(value);
    PF_RAISE(PF_ERR_MEM, "cannot copy the override");
  }
  trim(key);
  trim(value);
  config_t scratch;
  config_init(&scratch);
  int rc = apply_override_parsed(ps, arg, hook, key, value, &scratch);
  config_destroy(&scratch);
  free(key);
  free(value);
  return rc;
}

/* ------------------------------------------------------------------ entry points */

static int build(pstate *ps, int nset, const char *const *set, pf_sweep **sweep) {
  PF_CHECK(nset >= 0 && (nset == 0 || set), PF_ERR_ARG, "bad override list");
  if (ps->scan.bad_int) return bad_integer(ps, &ps->scan);
  for (int i = 0; i < nset; i++) TRY(apply_override(ps, set[i]));
  pf_sweep *sw = calloc(1, sizeof *sw);
  PF_CHECK(sw, PF_ERR_MEM, "cannot allocate the sweep");
  ps->sw = sw;
  snprintf(sw->name, sizeof sw->name, "%s", ps->name);
  sw->keys = calloc((size_t)pf_nkeys, sizeof *sw->keys);
  PF_CHECK(sw->keys, PF_ERR_MEM, "cannot allocate the sweep keys");
  TRY(walk(ps));
  TRY(data_file(ps));
  /* Every key has a default, so an empty file would start a long default run (100 cycles of
   * burgers): more likely the wrong file than the intent. */
  int nset_keys = 0;
  for (int k = 0; k < pf_nkeys; k++) nset_keys += sw->keys[k].nvals > 0;
  if (!nset_keys)
    return pf_config_fail(ps->err, ps->errlen,
                          "%s: the configuration sets no keys (the file is empty or holds only "
                          "comments), so every key would take its default; allowed: at least "
                          "pde, e.g. pde = \"burgers\"; (pinnfluence run --help-config lists the "
                          "keys)",
                          ps->name);
  TRY(pf_sweep_finalize(sw, ps->err, ps->errlen));
  *sweep = sw;
  ps->sw = NULL;
  return PF_OK;
}

static void finish(pstate *ps, int rc) {
  config_destroy(&ps->lc);
  for (int i = 0; i < ps->nhooks; i++) free(ps->hooks[i]);
  free(ps->hooks);
  pf_sweep_destroy(&ps->sw);
  /* Errors that are not the user's were printed with a traceback; still leave a message. */
  if (rc && rc != PF_ERR_CONFIG && ps->err && ps->errlen)
    snprintf(ps->err, ps->errlen, "%s: %s (see the messages above)", ps->name, pf_error_string(rc));
}

static int read_error(pstate *ps) {
  const char *file = config_error_file(&ps->lc), *text = config_error_text(&ps->lc);
  /* libconfig names no key; the pre-scan knows it and where it was first set */
  const pf_scan_result *r = &ps->scan;
  if (text && !strcmp(text, "duplicate setting name") && r->dup)
    return pf_config_fail(ps->err, ps->errlen,
                          "%s: %s: duplicate key (first set at %s); allowed: each key once (a "
                          "list [a, b] sweeps over values)",
                          r->dup_where, r->dup_path, r->dup_first);
  return pf_config_fail(ps->err, ps->errlen, "%s:%d: libconfig: %s", file ? file : ps->name,
                        config_error_line(&ps->lc), text ? text : "parse error");
}

/* Pre-scan the text (include targets, integer literals, duplicate keys), let libconfig parse it,
 * then build the sweep. */
static int parse_text(pstate *ps, const char *text, int nset, const char *const *set,
                      pf_sweep **sweep) {
  TRY(pf_config_scan(ps->name, 1, text, NULL, &ps->scan, ps->err, ps->errlen));
  if (config_read_string(&ps->lc, text) != CONFIG_TRUE) return read_error(ps);
  return build(ps, nset, set, sweep);
}

int pf_sweep_create(const char *path, int nset, const char *const *set, pf_sweep **sweep, char *err,
                    size_t errlen) {
  PF_CHECK(path && sweep, PF_ERR_ARG, "pf_sweep_create: null argument");
  *sweep = NULL;
  if (err && errlen) err[0] = '\0';
  pstate ps = {.name = path, .err = err, .errlen = errlen};
  config_init(&ps.lc);
  /* read once here (libconfig would read the file again, and exit on a directory) */
  char *text = NULL, why[256];
  int rc;
  if (pf_config_read_text(path, &text, why, sizeof why))
    rc = pf_config_fail(err, errlen, "%s: cannot read the config file: %s", path, why);
  else
    rc = parse_text(&ps, text, nset, set, sweep);
  free(text);
  finish(&ps, rc);
  return rc;
}

int pf_sweep_create_from_string(const char *name, const char *text, int nset,
                                const char *const *set, pf_sweep **sweep, char *err,
                                size_t errlen) {
  PF_CHECK(text && sweep, PF_ERR_ARG, "pf_sweep_create_from_string: null argument");
  *sweep = NULL;
  if (err && errlen) err[0] = '\0';
  pstate ps = {.name = name ? name : "<string>", .err = err, .errlen = errlen};
  config_init(&ps.lc);
  int rc = parse_text(&ps, text, nset, set, sweep);
  finish(&ps, rc);
  return rc;
}
