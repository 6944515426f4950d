/* A lexical pre-scan of libconfig text, for what libconfig 1.5 gets wrong or reports badly:
 *  - `@include` of a directory makes libconfig's flex scanner print "input in flex scanner failed"
 *    and call exit(); every include target is checked (recursively) before libconfig opens it;
 *  - integers without an L suffix are read into a 32-bit int and wrap silently (4294967297 reads
 *    as 1, 99999999999999999999 as -1), with an L suffix they saturate at 64 bits; every integer
 *    literal is checked against the range libconfig can hold;
 *  - a key set twice in one group is "duplicate setting name" without the name; the scan
 *    remembers where each key was set.
 * The scan follows libconfig 1.5's lexer (scanner.l): comments `#`, `//` and C style, strings
 * with backslash escapes, names [A-Za-z*][-A-Za-z0-9_*]*, `@include "file"` at the start of a line
 * (the path as given, relative to the working directory, as libconfig opens it), integer, int64
 * (L or LL suffix), hex and float literals. Its view of groups and lists only names keys in
 * messages; libconfig still parses the text and reports syntax errors. */
#include "config_impl.h"

#include "pinnfluence/core.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_INCLUDE_DEPTH 10 /* libconfig 1.5's limit */
#define MAX_FRAMES        64
#define NAME_MAX_LEN      64
#define PATH_MAX_SCAN     4096

typedef struct {
  char name[NAME_MAX_LEN];
  char where[PF_CFG_WHERE_MAX]; /* file */
  int line;
} name_at;

typedef struct {
  char prefix[PF_SCAN_PATH_MAX]; /* dotted path of the group ("" at the root), or of a list */
  int is_list;
  char current[NAME_MAX_LEN]; /* the setting being defined in this group */
  name_at *names;             /* (nnames) keys set in this group, for duplicates */
  int nnames, cap;
} frame;

typedef struct {
  frame st[MAX_FRAMES];
  int depth; /* frames in use; deeper nesting is not tracked (libconfig still parses it) */
  char last_name[NAME_MAX_LEN];
  int last_was_name;
  const char *file; /* for messages */
  int line;
  int with_lines; /* 0: `file` is an override ("--set ..."), no line numbers */
  const char *base_path;
  pf_scan_result *res;
  char *err;
  size_t errlen;
} scanner;

int pf_config_read_text(const char *path, char **text, char *msg, size_t len) {
  *text = NULL;
  char *buf = NULL;
  size_t n = 0;
  if (pf_read_file(path, PF_CONFIG_FILE_MAX, &buf, &n, msg, len)) {
    if (!strncmp(msg, "larger than", 11)) {
      const size_t used = strlen(msg);
      snprintf(msg + used, len - used, ", no config file");
    }
    return 1;
  }
  if (strlen(buf) != n) {
    free(buf);
    snprintf(msg, len, "it holds a NUL byte, so it is no text file");
    return 1;
  }
  *text = buf;
  return 0;
}

static void here(const scanner *sc, char *buf, size_t len) {
  if (sc->with_lines)
    snprintf(buf, len, "%s:%d", sc->file, sc->line);
  else
    snprintf(buf, len, "%s", sc->file);
}

/* The innermost tracked frame, or NULL beyond MAX_FRAMES. */
static frame *top(scanner *sc) {
  return sc->depth >= 1 && sc->depth <= MAX_FRAMES ? &sc->st[sc->depth - 1] : NULL;
}

/* The dotted path of the value being read, for messages. */
static void value_path(scanner *sc, char *buf, size_t len) {
  buf[0] = '\0';
  const frame *f = top(sc);
  if (f) {
    if (!f->is_list && f->current[0])
      snprintf(buf, len, "%s%s%s", f->prefix, f->prefix[0] ? "." : "", f->current);
    else
      snprintf(buf, len, "%s", f->prefix);
  }
  if (!buf[0] && sc->base_path) snprintf(buf, len, "%s", sc->base_path);
}

static int push(scanner *sc, int is_list) {
  if (sc->depth >= MAX_FRAMES) {
    sc->depth++; /* counted, not tracked */
    return PF_OK;
  }
  char path[PF_SCAN_PATH_MAX];
  value_path(sc, path, sizeof path);
  frame *f = &sc->st[sc->depth++];
  memset(f, 0, sizeof *f);
  snprintf(f->prefix, sizeof f->prefix, "%s", path);
  f->is_list = is_list;
  return PF_OK;
}

static void pop(scanner *sc) {
  if (sc->depth <= 1) return; /* unbalanced: a syntax error libconfig reports */
  if (sc->depth <= MAX_FRAMES) free(sc->st[sc->depth - 1].names);
  sc->depth--;
}

/* `name =` or `name :` in the current group. */
static int define(scanner *sc, const char *name) {
  frame *f = top(sc);
  if (!f || f->is_list) return PF_OK; /* a syntax error libconfig reports */
  pf_scan_result *r = sc->res;
  for (int i = 0; i < f->nnames && !r->dup; i++) {
    if (strcmp(f->names[i].name, name)) continue;
    r->dup = 1;
    here(sc, r->dup_where, sizeof r->dup_where);
    snprintf(r->dup_path, sizeof r->dup_path, "%s%s%s", f->prefix, f->prefix[0] ? "." : "", name);
    if (!strcmp(f->names[i].where, sc->file))
      snprintf(r->dup_first, sizeof r->dup_first, "line %d", f->names[i].line);
    else
      snprintf(r->dup_first, sizeof r->dup_first, "%.170s:%d", f->names[i].where, f->names[i].line);
  }
  if (f->nnames == f->cap) {
    int ncap = f->cap ? 2 * f->cap : 16;
    name_at *nn = realloc(f->names, (size_t)ncap * sizeof *nn);
    PF_CHECK(nn, PF_ERR_MEM, "cannot allocate the key list of the scan");
    f->names = nn, f->cap = ncap;
  }
  name_at *na = &f->names[f->nnames++];
  snprintf(na->name, sizeof na->name, "%s", name);
  snprintf(na->where, sizeof na->where, "%s", sc->file);
  na->line = sc->line;
  snprintf(f->current, sizeof f->current, "%s", name);
  return PF_OK;
}

/* An integer literal [start, end): record it if libconfig cannot hold it. */
static void check_integer(scanner *sc, const char *start, const char *end, int hex, int is64,
                          int overflow, unsigned long long mag, int negative) {
  pf_scan_result *r = sc->res;
  if (r->bad_int) return;
  /* what libconfig 1.5 keeps: (int)strtoll / (int)strtoull, or the 64-bit value */
  const unsigned long long lim32 = negative ? 2147483648ULL : 2147483647ULL;
  const unsigned long long lim64 = negative ? 9223372036854775808ULL : 9223372036854775807ULL;
  const int bad = overflow || mag > (is64 ? lim64 : lim32);
  if (!bad) return;
  r->bad_int = 1;
  r->bad_is64 = is64;
  here(sc, r->bad_where, sizeof r->bad_where);
  value_path(sc, r->bad_path, sizeof r->bad_path);
  size_t n = (size_t)(end - start);
  if (n > sizeof r->bad_text - 1) n = sizeof r->bad_text - 1;
  memcpy(r->bad_text, start, n);
  r->bad_text[n] = '\0';
  r->bad_wraps = 0;
  if (!is64) {
    char tmp[64];
    snprintf(tmp, sizeof tmp, "%s", r->bad_text);
    errno = 0;
    long long v = hex ? (long long)strtoull(tmp, NULL, 16) : strtoll(tmp, NULL, 10);
    r->bad_wrapped = (long long)(int32_t)(uint32_t)(unsigned long long)v;
    r->bad_wraps = 1;
  }
}

/* A number starting at p; returns the first character after it. */
static const char *number(scanner *sc, const char *p) {
  const char *start = p;
  int negative = 0;
  if (*p == '+' || *p == '-') negative = *p++ == '-';
  unsigned long long mag = 0;
  int overflow = 0, hex = 0, is64 = 0;
  if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && isxdigit((unsigned char)p[2])) {
    hex = 1;
    for (p += 2; isxdigit((unsigned char)*p); p++) {
      const int d = isdigit((unsigned char)*p) ? *p - '0' : tolower((unsigned char)*p) - 'a' + 10;
      if (mag > (ULLONG_MAX - (unsigned)d) / 16) overflow = 1;
      mag = mag * 16 + (unsigned)d;
    }
  } else {
    for (; isdigit((unsigned char)*p); p++) {
      const int d = *p - '0';
      if (mag > (ULLONG_MAX - (unsigned)d) / 10) overflow = 1;
      mag = mag * 10 + (unsigned)d;
    }
    const int exp = (*p == 'e' || *p == 'E') &&
                    (isdigit((unsigned char)p[1]) ||
                     ((p[1] == '+' || p[1] == '-') && isdigit((unsigned char)p[2])));
    if (*p == '.' || exp) { /* a float: not our concern */
      if (*p == '.')
        for (p++; isdigit((unsigned char)*p); p++) {
        }
      if ((*p == 'e' || *p == 'E') &&
          (isdigit((unsigned char)p[1]) ||
           ((p[1] == '+' || p[1] == '-') && isdigit((unsigned char)p[2])))) {
        p += 2;
        while (isdigit((unsigned char)*p)) p++;
      }
      return p;
    }
  }
  if (*p == 'L') {
    is64 = 1;
    if (*++p == 'L') p++;
  }
  check_integer(sc, start, p, hex, is64, overflow, mag, negative);
  return p;
}

static int scan_text(scanner *sc, const char *text, int include_depth);

/* `@include "target"`: the target must be a readable regular file; then scan it in place. */
static int include(scanner *sc, const char *target, int include_depth) {
  char where[PF_CFG_WHERE_MAX], msg[384], *text = NULL;
  here(sc, where, sizeof where);
  if (include_depth >= MAX_INCLUDE_DEPTH)
    return pf_config_fail(sc->err, sc->errlen,
                          "%s: @include \"%s\": includes nested more than %d deep (does a file "
                          "include itself?)",
                          where, target, MAX_INCLUDE_DEPTH);
  struct stat sb;
  if (stat(target, &sb) == 0 && !S_ISDIR(sb.st_mode) && !S_ISREG(sb.st_mode))
    return pf_config_fail(sc->err, sc->errlen,
                          "%s: @include \"%s\": not a regular file; allowed: a config file (the "
                          "path is relative to the working directory)",
                          where, target);
  if (pf_config_read_text(target, &text, msg, sizeof msg))
    return pf_config_fail(sc->err, sc->errlen,
                          "%s: @include \"%s\": cannot read it: %s; allowed: a readable config "
                          "file (the path is relative to the working directory)",
                          where, target, msg);
  const char *file = sc->file;
  const int line = sc->line, with_lines = sc->with_lines;
  char *name = strdup(target);
  if (!name) {
    free(text);
    PF_RAISE(PF_ERR_MEM, "cannot copy an include name");
  }
  sc->file = name, sc->line = 1, sc->with_lines = 1;
  int rc = scan_text(sc, text, include_depth + 1);
  sc->file = file, sc->line = line, sc->with_lines = with_lines;
  free(name);
  free(text);
  return rc;
}

static int scan_text(scanner *sc, const char *text, int include_depth) {
  int line_start = 1;
  for (const char *p = text; *p;) {
    const char c = *p;
    if (c == '\n') {
      sc->line++, line_start = 1, p++;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
      if (c != ' ' && c != '\t') line_start = 0;
      p++;
      continue;
    }
    const int at_start = line_start;
    line_start = 0;
    if (c == '#' || (c == '/' && p[1] == '/')) {
      while (*p && *p != '\n') p++;
      continue;
    }
    if (c == '/' && p[1] == '*') {
      for (p += 2; *p && !(p[0] == '*' && p[1] == '/'); p++)
        if (*p == '\n') sc->line++;
      if (*p) p += 2;
      continue;
    }
    const int prev_name = sc->last_was_name;
    sc->last_was_name = 0;
    if (c == '@' && at_start && !strncmp(p, "@include", 8) && (p[8] == ' ' || p[8] == '\t')) {
      const char *q = p + 8;
      while (*q == ' ' || *q == '\t') q++;
      if (*q == '"') {
        char target[PATH_MAX_SCAN];
        size_t n = 0;
        for (q++; *q && *q != '"'; q++) {
          if (q[0] == '\\' && (q[1] == '\\' || q[1] == '"')) q++;
          if (*q == '\n') sc->line++;
          if (n + 1 < sizeof target) target[n++] = *q;
        }
        target[n] = '\0';
        if (*q == '"') {
          const int irc = include(sc, target, include_depth);
          if (irc) return irc; /* a user error: no traceback */
          p = q + 1;
          continue;
        }
        p = q; /* unterminated: libconfig reports it */
        continue;
      }
    }
    if (c == '"') {
      for (p++; *p && *p != '"'; p++) {
        if (p[0] == '\\' && p[1]) p++;
        if (*p == '\n') sc->line++;
      }
      if (*p) p++;
      continue;
    }
    if (isalpha((unsigned char)c) || c == '*') {
      size_t n = 0;
      const char *q = p;
      while (isalnum((unsigned char)*q) || *q == '-' || *q == '_' || *q == '*') {
        if (n + 1 < sizeof sc->last_name) sc->last_name[n++] = *q;
        q++;
      }
      sc->last_name[n] = '\0';
      sc->last_was_name = 1;
      p = q;
      continue;
    }
    if (isdigit((unsigned char)c) ||
        ((c == '+' || c == '-' || c == '.') &&
         (isdigit((unsigned char)p[1]) || (p[1] == '.' && isdigit((unsigned char)p[2]))))) {
      p = number(sc, p);
      continue;
    }
    switch (c) {
    case '=':
    case ':':
      if (prev_name) PF_CALL(define(sc, sc->last_name));
      break;
    case '{':
      PF_CALL(push(sc, 0));
      break;
    case '[':
    case '(':
      PF_CALL(push(sc, 1));
      break;
    case '}':
    case ']':
    case ')':
      pop(sc);
      break;
    case ';':
    case ',':
      if (top(sc) && !top(sc)->is_list) top(sc)->current[0] = '\0';
      break;
    default:
      break;
    }
    p++;
  }
  return PF_OK;
}

int pf_config_scan(const char *name, int with_lines, const char *text, const char *base_path,
                   pf_scan_result *res, char *err, size_t errlen) {
  memset(res, 0, sizeof *res);
  scanner *sc = calloc(1, sizeof *sc);
  PF_CHECK(sc, PF_ERR_MEM, "cannot allocate the scanner");
  sc->file = name;
  sc->line = 1;
  sc->with_lines = with_lines;
  sc->base_path = base_path;
  sc->res = res;
  sc->err = err;
  sc->errlen = errlen;
  sc->depth = 1; /* the root group */
  int rc = scan_text(sc, text, 0);
  for (int d = 0; d < sc->depth && d < MAX_FRAMES; d++) free(sc->st[d].names);
  free(sc);
  return rc;
}
