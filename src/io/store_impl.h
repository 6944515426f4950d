/* Private parts of the results store: the handle, the table of datasets, and the HDF5 helpers
 * shared by store.c (create, open, close, provenance) and store_io.c (raw-data reads and writes).
 * Only src/io includes this header (and hdf5.h). */
#ifndef PF_STORE_IMPL_H
#define PF_STORE_IMPL_H

#include "pinnfluence/core.h"
#include "pinnfluence/store.h"

#include <hdf5.h>

/* Every dataset of the layout in include/pinnfluence/store.h, in creation order. */
typedef enum {
  PF_DS_SWEEP_CONFIG = 0,
  PF_DS_SWEEP_CANONICAL,
  PF_DS_TASK_CONFIG,
  PF_DS_TASK_HASH,
  PF_DS_TASK_PDE,
  PF_DS_TASK_METHOD,
  PF_DS_TASK_MODE,
  PF_DS_TASK_SEED,
  PF_DS_TASK_CYCLES,
  PF_DS_TASK_STATUS,
  PF_DS_TASK_REASON,
  PF_DS_TASK_WALL,
  PF_DS_TASK_LAYERS,
  PF_DS_TASK_DIM,        /* (T) int32: input coordinates d of each task */
  PF_DS_TASK_INPUTS,     /* (T, PF_STORE_NAMES_LEN) char: "x,t", "x,y,t" */
  PF_DS_TASK_OUTPUTS,    /* (T, PF_STORE_NAMES_LEN) char: "u" */
  PF_DS_TASK_COMPONENTS, /* (T, PF_STORE_NAMES_LEN) char: "r" */
  PF_DS_TASK_COEF_NAMES, /* (T, PF_STORE_NAMES_LEN) char: "nu"; "" without coefficients */
  PF_DS_TASK_TRAINABLE,  /* (T, NC) int8: 1 where the task trains the coefficient */
  PF_DS_TASK_COEF_TRUE,  /* (T, NC) double: the problem's given values, NaN past its count */
  PF_DS_TASK_BLAS_CORE,  /* (T, PF_STORE_NAME_LEN) char: OpenBLAS kernel the task ran with */
  PF_DS_PARAM_OFFSET,    /* the ten (T) uint64 index datasets, in the order of pf_store_idx */
  PF_DS_PARAM_COUNT,
  PF_DS_FINAL_OFFSET,
  PF_DS_FINAL_COUNT,
  PF_DS_DRAWN_OFFSET,
  PF_DS_DRAWN_PER_CYCLE,
  PF_DS_POOL_OFFSET,
  PF_DS_POOL_COUNT,
  PF_DS_Z_OFFSET,
  PF_DS_Z_COUNT,
  PF_DS_METRICS,
  PF_DS_COEFS,  /* (T, C, NC) double: coefficient values after each cycle */
  PF_DS_TIMING, /* (T, C, 2) wall seconds of the cycles: not part of the reproducible results */
  PF_DS_PARAMS,
  PF_DS_POINTS_FINAL,
  PF_DS_POINTS_DRAWN,
  PF_DS_POOL_POINTS,
  PF_DS_POOL_SCORES,
  PF_DS_POOL_Z,
  PF_DS_POOL_PARAMS, /* parameters the last pool was scored with, same offsets as /params */
  PF_DS_CKPT_PARAMS, /* (2 sum P) double: slot s of a task at s sum P + its /params offset */
  PF_DS_CKPT_POINTS, /* (2 sum F, D) double: slot s at row s sum F + its /points/final row */
  PF_DS_CKPT_STATE,  /* (T, 2, 3) double: per slot cycles_done, ntrain, iterations */
  PF_DS_CKPT_SLOT,   /* (T) int32: 0 no checkpoint, 1 + the slot of the last complete one */
  PF_DS_CKPT_COEF,   /* (T, 2, NC) double: per slot the coefficient values (NaN: none trained) */
  PF_DS_COUNT
} pf_store_ds;

/* Columns of the per-task index (the uint64 datasets /tasks/param_offset ... /tasks/z_count). */
typedef enum {
  PF_IDX_PARAM_OFFSET = 0,
  PF_IDX_PARAM_COUNT,
  PF_IDX_FINAL_OFFSET,
  PF_IDX_FINAL_COUNT,
  PF_IDX_DRAWN_OFFSET,
  PF_IDX_DRAWN_PER_CYCLE,
  PF_IDX_POOL_OFFSET,
  PF_IDX_POOL_COUNT,
  PF_IDX_Z_OFFSET,
  PF_IDX_Z_COUNT,
  PF_IDX_COUNT
} pf_store_idx;

/* Element kinds; each has a fixed little-endian file type and a native memory type. */
typedef enum { PF_KIND_CHAR, PF_KIND_I32, PF_KIND_I64, PF_KIND_U64, PF_KIND_F64 } pf_store_kind;

typedef struct {
  const char *path;        /* absolute path in the file */
  pf_store_kind kind;      /* element type */
  int rank;                /* number of dimensions */
  const char *description; /* "description" attribute */
  const char *columns;     /* "columns" attribute or NULL */
  const char *units;       /* "units" attribute or NULL */
} pf_store_dsinfo;

extern const pf_store_dsinfo pf_store_datasets[PF_DS_COUNT];

#define PF_STORE_FORMAT "pinnfluence-results"
/* 2: /timing split from /metrics, /pool/params; 3: points (rows, D), /tasks/dim, /tasks/inputs,
 * /tasks/outputs, /tasks/components (the general problem description); 4: status 4 (interrupted),
 * /tasks/blas_core, /checkpoint (per-cycle checkpoints in two slots); 5: /coefficients,
 * /tasks/coef_names, /tasks/trainable, /tasks/coef_true, /checkpoint/coef (trained coefficients) */
#define PF_STORE_FORMAT_VERSION 5
#define PF_STORE_NAMES          3 /* pde, method, mode */
#define PF_STORE_LABELS         3 /* inputs, outputs, components (PF_STORE_NAMES_LEN each) */
#define PF_STORE_MAX_OUTPUTS    4 /* outputs and residual components (PF_MAX_OUT, PF_MAX_RES) */

struct pf_store {
  MPI_Comm comm; /* duplicated at create/open, freed at close */
  int rank, size;
  char *path;
  int writable;
  hid_t file, dxpl; /* dxpl: independent MPI-IO transfers */
  hid_t dset[PF_DS_COUNT];
  hid_t fspace[PF_DS_COUNT]; /* file dataspace of each dataset (selections are set per call) */
  int ntasks;
  size_t config_width; /* W of /tasks/config */
  int max_cycles;      /* C of /metrics */
  int max_dim;         /* D: columns of the point datasets (the largest task dim) */
  int max_coef;        /* NC: columns of the coefficient datasets (the largest ncoef, 0..4) */
  /* Task descriptions: written once at creation and never changed, so cached in memory. */
  uint64_t *hash;    /* (T) */
  int64_t *seed;     /* (T) */
  int32_t *cycles;   /* (T) */
  int32_t *layers;   /* (T, PF_STORE_MAX_LAYERS) */
  int32_t *dim;      /* (T) input coordinates */
  uint64_t *idx;     /* (T, PF_IDX_COUNT) */
  char *names;       /* (T, PF_STORE_NAMES, PF_STORE_NAME_LEN + 1), NUL-terminated */
  char *labels;      /* (T, PF_STORE_LABELS, PF_STORE_NAMES_LEN + 1), NUL-terminated */
  char *coef_names;  /* (T, PF_STORE_NAMES_LEN + 1), NUL-terminated */
  int *ncoef;        /* (T) derived from coef_names */
  int8_t *trainable; /* (T, PF_STORE_MAX_COEF) (the file's NC columns, 0 past them) */
  double *coef_true; /* (T, PF_STORE_MAX_COEF) (the file's NC columns, NaN past them) */
  int *nlayers;      /* (T) derived from layers */
  char **canonical;  /* (T) read on first use, NUL-terminated */
  char *lock;        /* rank 0 of a writable store: the lock file it holds (store_lock.c) */
  int sync_fd;       /* writable store: a descriptor of the file for fsync (checkpoints), or -1 */
};

/* Report an HDF5 failure as PF_ERR_IO: the formatted message (which should name the file and the
 * dataset), followed by the innermost message of HDF5's error stack, which is then cleared. */
int pf_store_h5_error(const char *file, int line, const char *func, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#define PF_H5_CHECK(cond, ...)                                                                     \
  do {                                                                                             \
    if (!(cond)) return pf_store_h5_error(__FILE__, __LINE__, __func__, __VA_ARGS__);              \
  } while (0)

/* Close an HDF5 handle on a path that may already have failed: a failure of the close becomes the
 * error only if rc holds none yet (the first error is the one worth reporting). */
#define PF_H5_CLOSE(rc, call, ...)                                                                 \
  do {                                                                                             \
    if ((call) < 0 && !(rc)) (rc) = pf_store_h5_error(__FILE__, __LINE__, __func__, __VA_ARGS__);  \
  } while (0)

/* Collective on comm. Agree on an error code: every rank returns the largest rc of all ranks.
 * Ranks that did not fail themselves return it silently (the failing rank printed the reason). */
int pf_store_agree(MPI_Comm comm, int rc);

/* HDF5 types of a kind (predefined types: never closed). */
hid_t pf_store_file_type(pf_store_kind kind);
hid_t pf_store_mem_type(pf_store_kind kind);

/* Not collective. Read (write = 0) or write (write = 1) the hyperslab start/count (rank of the
 * dataset entries each) of dataset ds from/to the contiguous buffer buf, with an independent
 * transfer. An empty selection does nothing. */
int pf_store_rw(pf_store *st, pf_store_ds ds, int write, const hsize_t *start, const hsize_t *count,
                void *buf);

/* Close every HDF5 handle of st (not collective unless the file is open: H5Fclose is collective
 * on the store's communicator). Returns PF_ERR_IO if any close failed. */
int pf_store_close_handles(pf_store *st);

/* Free the caches, the path and the communicator, then st itself; accepts NULL. Collective on the
 * store's communicator (MPI_Comm_free). */
int pf_store_free(pf_store **st);

/* Validation of a store being opened (store_check.c); each returns PF_ERR_IO with a message
 * naming the file, the dataset, the task and what was wrong. Not collective.
 * Check that the links leading to dataset ds are hard links, open it (*dset) and check its
 * storage (contiguous, no external files, no filters), type and rank; dims gets its shape. eof > 0
 * (the file's size): also that its storage is allocated in full inside the file. */
int pf_store_check_open_dataset(const char *file, hid_t f, pf_store_ds ds, hsize_t eof, hid_t *dset,
                                hsize_t dims[3]);
/* pf_store_check_open_dataset on every dataset of the layout, then pf_store_check_shapes. */
int pf_store_check_structure(const char *file, hid_t f, hsize_t eof);
/* The shapes that tie the datasets together (dims: the shape of each dataset). */
int pf_store_check_shapes(const char *file, const hsize_t dims[PF_DS_COUNT][3]);
/* The cached task descriptions (after they are read): names, cycles, layers, counts, offsets. */
int pf_store_check_descriptions(pf_store *st);
/* The number of names in a label (inputs, outputs or components: len bytes, e.g. "x,y,t"): names
 * of letters, digits and _, separated by single commas, NUL-padded after the end; -1 if the bytes
 * are not such a list (empty, a stray comma or character, no NUL padding). */
int pf_store_label_count(const char *label, size_t len);
/* Every /tasks/status in range and every /tasks/reason NUL-terminated (reads them). */
int pf_store_check_statuses(pf_store *st);

/* One run per store (store_lock.c). Not collective: rank 0 of a writable store calls them (then
 * pf_store_agree spreads the verdict). Take the lock file st->path + ".lock" (O_CREAT | O_EXCL)
 * into st->lock, taking over a stale one (holder on this host and gone) with a warning; PF_ERR_IO
 * naming the holder's host and pid if another run holds it. Release removes it (NULL: nothing);
 * pf_store_free releases it, so close and abandon do. */
int pf_store_lock_take(pf_store *st);
int pf_store_lock_release(pf_store *st);

/* Not collective (rank 0). Reserve bytes of disk space for the file at path before HDF5 creates
 * it (store_h5.c): create it empty (or truncate it: overwrite) and ask the file system for the
 * blocks (Linux fallocate, keeping the size 0, so a full file system or an exhausted quota is
 * reported before any HDF5 call, where a failed write can leave ranks in different collectives).
 * File systems without fallocate: nothing reserved, PF_OK. */
int pf_store_reserve(const char *path, int overwrite, uint64_t bytes);

/* Allocate the description caches for st->ntasks tasks and derive nlayers from layers (and ncoef
 * from coef_names). */
int pf_store_alloc_caches(pf_store *st);
void pf_store_derive_nlayers(pf_store *st);
/* The number of names in coef_names-like bytes: 0 for all NUL, else pf_store_label_count. */
int pf_store_coef_count(const char *label, size_t len);

#endif
