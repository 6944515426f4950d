/* pinnfluence merge: the shards of one sweep (`run --shard i/n`, e.g. the elements of a SLURM job
 * array, each a store of the whole sweep holding its own tasks' results) into one store that
 * equals the unsharded run's outside /timing and the root attributes, with each shard's
 * provenance kept in the root attribute "merged_from". */
#include "pinnfluence/report.h"
#include "pinnfluence/store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Copy the file at from to to (which must not exist unless overwrite). */
static int copy_file(const char *from, const char *to, int overwrite) {
  FILE *in = fopen(from, "rb");
  PF_CHECK(in != NULL, PF_ERR_IO, "%s: cannot open: %s", from, strerror(errno));
  FILE *out = fopen(to, overwrite ? "wb" : "wbx");
  if (!out) {
    int e = errno;
    fclose(in);
    if (e == EEXIST)
      PF_RAISE(PF_ERR_ARG, "%s exists; use --overwrite to replace it, or another name", to);
    PF_RAISE(PF_ERR_IO, "%s: cannot create: %s", to, strerror(e));
  }
  char buf[1 << 16];
  size_t n;
  int rc = PF_OK;
  while ((n = fread(buf, 1, sizeof buf, in)) > 0)
    if (fwrite(buf, 1, n, out) != n) {
      rc = pf_error(PF_ERR_IO, __FILE__, __LINE__, __func__, "%s: write failed: %s", to,
                    strerror(errno));
      break;
    }
  if (!rc && ferror(in))
    rc = pf_error(PF_ERR_IO, __FILE__, __LINE__, __func__, "%s: read failed", from);
  fclose(in);
  if (fclose(out) && !rc)
    rc = pf_error(PF_ERR_IO, __FILE__, __LINE__, __func__, "%s: close failed: %s", to,
                  strerror(errno));
  return rc;
}

/* How far a task got in a shard: 3 finished (done or failed), 2 interrupted or left running
 * (its checkpoint goes on in a resume of the merged store), 1 pending. */
static int progress(pf_task_status s) {
  return s == PF_TASK_DONE || s == PF_TASK_FAILED ? 3 : s == PF_TASK_PENDING ? 1 : 2;
}

int pf_merge(const pf_ctx *ctx, const char *out, int nshards, const char *const *shards,
             int overwrite, FILE *log) {
  PF_CHECK(nshards >= 1, PF_ERR_ARG, "no shards to merge");
  pf_store **sh = NULL;
  int *src = NULL, *best = NULL, *count = NULL;
  char *canon0 = NULL, *prov = NULL, *text = NULL;
  pf_store *dst = NULL;
  size_t tlen = 0, tcap = 0;
  int rc = PF_CALLOC(nshards, &sh);
  if (!rc) rc = PF_CALLOC(nshards, &count);
  for (int k = 0; k < nshards && !rc; k++) {
    for (int j = 0; j < k && !rc; j++)
      if (!strcmp(shards[j], shards[k]))
        rc = pf_error(PF_ERR_ARG, __FILE__, __LINE__, __func__, "%s is given twice", shards[k]);
    char lock[4096];
    snprintf(lock, sizeof lock, "%s.lock", shards[k]);
    if (!rc && access(lock, F_OK) == 0)
      rc = pf_error(PF_ERR_IO, __FILE__, __LINE__, __func__,
                    "%s is in use by a run (%s exists): merge the shards after their runs end",
                    shards[k], lock);
    if (!rc && !strcmp(shards[k], out))
      rc = pf_error(PF_ERR_ARG, __FILE__, __LINE__, __func__,
                    "the output %s is also a shard; write the merged store to a new file", out);
    if (!rc) rc = pf_store_open(ctx->comm, shards[k], 0, &sh[k]);
  }
  const int T = rc ? 0 : pf_store_ntasks(sh[0]);
  if (!rc) rc = pf_store_read_sweep_canonical(sh[0], &canon0);
  /* every shard holds the same sweep with the same task layout */
  pf_store_task *desc = NULL;
  if (!rc) rc = PF_CALLOC(T, &desc);
  for (int i = 0; i < T && !rc; i++) rc = pf_store_read_task(sh[0], i, &desc[i]);
  for (int k = 1; k < nshards && !rc; k++) {
    char *c = NULL;
    rc = pf_store_read_sweep_canonical(sh[k], &c);
    if (!rc && (pf_store_ntasks(sh[k]) != T || strcmp(c, canon0)))
      rc = pf_error(PF_ERR_CONFIG, __FILE__, __LINE__, __func__,
                    "%s and %s hold different sweeps (compare `h5dump -d /sweep/canonical` of "
                    "both): only the shards of one sweep (run --shard i/n) merge",
                    shards[0], shards[k]);
    free(c);
    if (!rc) rc = pf_store_check_tasks(sh[k], T, desc);
  }
  /* each task from the shard where it got furthest (the first such shard) */
  if (!rc) rc = PF_CALLOC(T, &src);
  if (!rc) rc = PF_CALLOC(T, &best);
  int conflicts = 0;
  for (int k = 0; k < nshards && !rc; k++)
    for (int i = 0; i < T && !rc; i++) {
      pf_task_status s;
      rc = pf_store_read_status(sh[k], i, &s, NULL, 0);
      const int p = rc ? 0 : progress(s);
      if (p == 3 && best[i] == 3) conflicts++;
      if (p > best[i]) best[i] = p, src[i] = k;
    }
  if (!rc && conflicts && log)
    fprintf(log,
            "pinnfluence merge: warning: %d task%s finished in more than one shard; the first "
            "shard's result is kept\n",
            conflicts, conflicts == 1 ? "" : "s");
  /* provenance: each shard's root attributes and how many tasks it gave */
  for (int i = 0; i < T && !rc; i++)
    if (best[i] == 3) count[src[i]]++;
  for (int k = 0; k < nshards && !rc; k++) {
    rc = pf_store_provenance_text(sh[k], &prov);
    const size_t need = strlen(prov) + strlen(shards[k]) + 96;
    if (!rc && tlen + need > tcap) {
      tcap = 2 * (tlen + need);
      char *t = realloc(text, tcap);
      if (!t) rc = pf_error(PF_ERR_MEM, __FILE__, __LINE__, __func__, "out of memory");
      text = t ? t : text;
    }
    if (!rc)
      tlen += (size_t)snprintf(text + tlen, tcap - tlen, "shard %d: %s (%d finished tasks)\n%s", k,
                               shards[k], count[k], prov);
    PF_FREE(&prov);
  }
  /* the merged store: a copy of the first shard, then the other shards' tasks */
  if (!rc) rc = copy_file(shards[0], out, overwrite);
  if (!rc) rc = pf_store_open(ctx->comm, out, 1, &dst);
  int copied = 0, finished = 0;
  for (int i = 0; i < T && !rc; i++) {
    finished += best[i] == 3;
    if (src[i] == 0) continue;
    rc = pf_store_copy_task(dst, sh[src[i]], i);
    copied++;
  }
  if (!rc) rc = pf_store_write_root_text(dst, "merged_from", text ? text : "");
  int crc = pf_store_close(&dst);
  if (!rc) rc = crc;
  for (int k = 0; k < nshards && sh; k++) (void)pf_store_close(&sh[k]);
  if (!rc && log)
    fprintf(log, "pinnfluence merge: %d shard%s, %d of %d tasks finished, into %s\n", nshards,
            nshards == 1 ? "" : "s", finished, T, out);
  (void)copied;
  PF_FREE(&sh);
  PF_FREE(&src);
  PF_FREE(&best);
  PF_FREE(&count);
  PF_FREE(&desc);
  free(canon0);
  free(text);
  if (rc) return pf_trace(rc, __FILE__, __LINE__, __func__);
  return PF_OK;
}
