/* Private to the config module: the key table that drives parsing, defaults, validation, the
 * canonical text and the help; the value type; the sweep structure; a small string builder. */
#ifndef PF_CONFIG_IMPL_H
#define PF_CONFIG_IMPL_H

#include "pinnfluence/config.h"

#include <stdarg.h>
#include <stddef.h>

typedef enum { PF_KEY_INT, PF_KEY_FLOAT, PF_KEY_STRING, PF_KEY_BOOL, PF_KEY_INTLIST } pf_key_type;

/* How a default is found. */
typedef enum {
  PF_DEF_FIXED,    /* the value in the table */
  PF_DEF_PDE,      /* from the problem (network.hidden, points.initial) */
  PF_DEF_PDE_MODE, /* from the problem and sample.mode (sample.per_cycle, k, c) */
  PF_DEF_COEF      /* coefficients.<name>: the problem's coefficient of that name (NaN in a task
                    * whose problem has none), range per problem (pf_pde_coef) */
} pf_def_kind;

typedef struct {
  const char *path;  /* dotted key, e.g. "train.cycles" */
  const char *group; /* "train", or NULL for a top-level key */
  const char *name;  /* "cycles" */
  pf_key_type type;
  size_t off;           /* offset of the field in pf_config */
  size_t off_n;         /* PF_KEY_INTLIST: offset of the element count */
  long long imin, imax; /* PF_KEY_INT, and each element of PF_KEY_INTLIST */
  double fmin, fmax;    /* PF_KEY_FLOAT: fmin < value (fmin_open) or fmin <= value; <= fmax */
  int fmin_open;
  const char *const *choices; /* PF_KEY_STRING: NULL-terminated; NULL means the pde registry
                                 (unless free_text) */
  size_t slen;                /* PF_KEY_STRING: size of the field (0: PF_CONFIG_NAME_MAX) */
  int free_text;              /* PF_KEY_STRING: any text (a file name, a hash) */
  int names;                  /* PF_KEY_STRING: a list of output names ["u", "v"], held as "u,v" */
  int quiet; /* left out of a task's canonical text at its default (keys added after the
                store's format was fixed: every older configuration keeps its hash) */
  pf_def_kind def_kind;
  long long idef; /* fixed defaults */
  double fdef;
  const char *sdef;
  int sweepable;
  const char *doc;
} pf_key;

extern const pf_key pf_keys[];
extern const int pf_nkeys;

/* One value of a key. */
typedef struct {
  long long i; /* PF_KEY_INT, PF_KEY_BOOL */
  double f;    /* PF_KEY_FLOAT */
  char s[PF_CONFIG_PATH_MAX];
  int n; /* PF_KEY_INTLIST */
  int l[PF_CONFIG_MAX_HIDDEN];
} pf_cfg_value;

#define PF_CFG_WHERE_MAX 192

/* The values a sweep holds for one key: none (the default applies), one, or an axis. */
typedef struct {
  int nvals;
  pf_cfg_value *vals;           /* (nvals) */
  char where[PF_CFG_WHERE_MAX]; /* "file:line" or "--set arg", for messages */
} pf_sweep_key;

struct pf_sweep {
  char name[PF_CFG_WHERE_MAX]; /* the file name as given */
  pf_sweep_key *keys;          /* (pf_nkeys) */
  int naxes;
  int *axis_key; /* (naxes) key index of each axis, increasing */
  int ntasks;
  /* trainable = { name = value; } (parse.c): not a sweep axis, the same for every task */
  int ntrainable;
  char tname[PF_CONFIG_MAX_TRAINABLE][PF_CONFIG_NAME_MAX];
  double tvalue[PF_CONFIG_MAX_TRAINABLE];
  char twhere[PF_CONFIG_MAX_TRAINABLE][PF_CFG_WHERE_MAX];
};

/* Count the axes and tasks and check the cross-key rules on every task (sweep.c). */
int pf_sweep_finalize(pf_sweep *sw, char *err, size_t errlen);

/* Index of the key with dotted path `path`, or -1. */
int pf_key_find(const char *path);
/* Index of the key `name` in `group` (NULL for top level), or -1. */
int pf_key_find_in(const char *group, const char *name);
/* Nonzero if `name` is a group of the table. */
int pf_key_is_group(const char *name);

/* Size of the string field of key k. */
static inline size_t pf_key_slen(const pf_key *k) {
  return k->slen ? k->slen : PF_CONFIG_NAME_MAX;
}

/* Read key k of cfg into v, and write v into cfg. */
void pf_key_get(const pf_key *k, const pf_config *cfg, pf_cfg_value *v);
void pf_key_put(const pf_key *k, const pf_cfg_value *v, pf_config *cfg);
/* The fixed default of key k (def_kind == PF_DEF_FIXED). */
void pf_key_default(const pf_key *k, pf_cfg_value *v);
/* Fill the keys whose default depends on the pde / mode and that are not marked as set
 * (isset == NULL: none is set); cfg->pde and cfg->sample.mode must be valid. */
int pf_config_resolve_defaults(pf_config *cfg, const int *isset);

/* Check a value against the key's range or choices; on failure write "VALUE is out of range;
 * allowed ..." style text (without the key) into msg and return nonzero. */
int pf_key_check_value(const pf_key *k, const pf_cfg_value *v, char *msg, size_t len);
/* Nonzero if s is an allowed value of the string key k. */
int pf_key_string_allowed(const pf_key *k, const char *s);
/* The cross-key rules; on failure the message (with key names) goes to msg and the index of the
 * key to blame to *blame. */
int pf_config_check_cross(const pf_config *cfg, int *blame, char *msg, size_t len);
/* The trainable coefficients against the task's problem (it has them, they can be trained); on
 * failure the message goes to msg and the index of the entry to *which. */
int pf_config_check_trainable(const pf_config *cfg, int *which, char *msg, size_t len);

/* Description of the allowed values of k, e.g. "an integer in 1 .. 100" or "one of add, replace".
 */
void pf_key_allowed(const pf_key *k, char *buf, size_t len);

/* ------------------------------------------------------------------ lexical pre-scan (scan.c) */
#define PF_SCAN_PATH_MAX   160
#define PF_CONFIG_FILE_MAX (16 << 20) /* larger files are no config files */

/* What the pre-scan of libconfig text found (the first of each kind). */
typedef struct {
  int bad_int;                      /* an integer literal libconfig would wrap or saturate */
  int bad_is64;                     /* it had an L suffix (64-bit) */
  int bad_wraps;                    /* bad_wrapped is what libconfig would read */
  long long bad_wrapped;            /* (no L suffix) the wrapped 32-bit value */
  char bad_where[PF_CFG_WHERE_MAX]; /* "file:line", or the override */
  char bad_path[PF_SCAN_PATH_MAX];  /* dotted key path, "" if unknown */
  char bad_text[64];                /* the literal as written */
  int dup;                          /* a key set twice in one group */
  char dup_where[PF_CFG_WHERE_MAX]; /* where the second one is */
  char dup_path[PF_SCAN_PATH_MAX];
  char dup_first[PF_CFG_WHERE_MAX]; /* "line 2", or "other.cfg:2" in another file */
} pf_scan_result;

/* Scan text (named `name` in messages; with_lines: append ":line") and every file it @includes.
 * An include target that is missing, unreadable, a directory or no regular file, or includes
 * nested more than 10 deep, is PF_ERR_CONFIG with "file:line: @include "target": problem" in err.
 * Integer literals libconfig cannot hold and keys set twice go to *res (not errors here: libconfig
 * parses first, so its syntax errors come first). base_path names values outside any setting
 * (the key of a --set value). */
int pf_config_scan(const char *name, int with_lines, const char *text, const char *base_path,
                   pf_scan_result *res, char *err, size_t errlen);

/* The whole file at path into *text (malloc'ed, NUL-terminated). On failure returns nonzero with
 * the reason in msg ("No such file or directory", "Is a directory", "larger than 16 MiB, no
 * config file", ...). */
int pf_config_read_text(const char *path, char **text, char *msg, size_t len);

/* ------------------------------------------------------------------ string builder */
typedef struct {
  char *buf;
  size_t len, cap;
  int fixed;    /* buf is the caller's: no growth */
  int overflow; /* a fixed buffer was too small */
  int nomem;
} pf_sbuf;

void pf_sbuf_printf(pf_sbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append the text form of value v of key k ("%.17g" floats with a decimal point, quoted
 * strings, [a, b] int lists, true/false). */
void pf_sbuf_value(pf_sbuf *sb, const pf_key *k, const pf_cfg_value *v);

/* `trainable = { nu = 0.01; };` (the values as %.17g floats), or nothing for n = 0. */
void pf_sbuf_trainable(pf_sbuf *sb, int n, const char (*name)[PF_CONFIG_NAME_MAX],
                       const double *value);

/* Format a double as %.17g with ".0" appended when the result has no '.', 'e', "inf" or "nan",
 * so libconfig reads it back as a float. */
void pf_format_double(double x, char *buf, size_t len);

/* Write the message into err (NUL-terminated) or, with err == NULL, print it via pf_error;
 * returns PF_ERR_CONFIG. */
int pf_config_fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
