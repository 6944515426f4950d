/* Private state of the group scorer (include/pinnfluence/group.h) shared by group_score.c (the
 * scorer, the round protocol, the pointwise methods) and group_influence.c (grad_dot and
 * pinnfluence rounds: shared Z embeddings and the distributed factors). */
#ifndef PF_SAMPLE_GROUP_IMPL_H
#define PF_SAMPLE_GROUP_IMPL_H

#include "../pde/pde_impl.h"
#include "pinnfluence/group.h"

/* How a method's round is split. */
typedef enum {
  PF_GROUP_NONE = 0,  /* static: no round */
  PF_GROUP_RANDOM,    /* scores from the stream, by pool slice */
  PF_GROUP_POINTWISE, /* method->score on each pool slice (rar, out_grad, loss_grad) */
  PF_GROUP_INFLUENCE  /* grad_dot, pinnfluence */
} pf_group_kind;

/* block_krylov runs arnoldi's protocol (rank 0 iterates, every Hessian-vector product split
 * among the ranks by Z blocks), one direction of each block at a time. */
typedef enum {
  PF_GROUP_ARNOLDI = 0,
  PF_GROUP_EXACT,
  PF_GROUP_GAUSS_NEWTON,
  PF_GROUP_BLOCK_KRYLOV
} pf_group_backend;

/* Commands rank 0 broadcasts: a round header {cmd, cycle} and, inside an arnoldi factor, the
 * last slot of each direction (HVP, or STOP when the iteration is over). */
enum { PF_GROUP_CMD_STOP = 0, PF_GROUP_CMD_ROUND = 1, PF_GROUP_CMD_HVP = 2 };

struct pf_group_scorer {
  MPI_Comm comm; /* duplicate of the group communicator */
  int rank, size;
  int released; /* the STOP header has been sent (rank 0) or received (others) */
  pf_task_spec spec;
  pf_influence_params ip; /* spec->influence with backend pointing at spec.influence_backend */
  pf_group_kind kind;
  pf_group_backend backend;
  pf_influence_method imethod;
  pf_mlp *net;
  pf_engine *eng;
  size_t d, K;       /* input coordinates, residual components of the problem */
  size_t P, B, unit; /* parameters, engine block, slice unit */
  size_t npool, nz;  /* pool size, |Z| */
  size_t p0, pn;     /* this rank's pool slice */
  size_t z0, zn;     /* this rank's Z slice */
  size_t nzb, zbn;   /* engine blocks of Z, of this rank's Z slice (they start at z0 / B) */
  size_t j0, jn;     /* exact: this rank's rows of the Hessian */
  int *pcnt, *pdsp;  /* (size) pool slices of all ranks (points) */
  int *zcnt, *zdsp;  /* (size) Z slices (points: rows of EZ, K rows each of the Jacobian) */
  int *bcnt, *bdsp;  /* (size) Z blocks (rows of the HVP terms) */
  int *jcnt, *jdsp;  /* (size) Hessian rows */
  MPI_Datatype rowP; /* P contiguous doubles */
  MPI_Datatype rowD; /* d contiguous doubles: one point */
  MPI_Datatype rowJ; /* gauss_newton: K P contiguous doubles, the Jacobian rows of one point */
  double *theta;     /* (P) this round's parameters (broadcast) */
  double *X;         /* (pn, d) this rank's pool slice */
  double *sc;        /* (pn) its scores */
  double *ZX;        /* (zn, d) this rank's Z slice; exact: (nz, d) all of Z */
  double *work;      /* pointwise: the method's scratch; influence: pf_influence_embed_work */
  size_t work_len;
  double *R;             /* (P, ip.rank) the factor (pinnfluence) */
  double *EZ;            /* (nz, kcap) embeddings of Z, kcap = P (grad_dot) or ip.rank */
  double *EC;            /* (B, kcap) embeddings of one block of candidates */
  double *M;             /* (min(B, PF_INFLUENCE_SCORE_BLOCK), nz) score GEMM block */
  double *part;          /* arnoldi: HVP terms per Z block, rank 0 (nzb, P), others (zbn, P) */
  double *v;             /* arnoldi: (P + 1) the direction of the current HVP, then the command */
  const pf_points *Zhvp; /* arnoldi: this rank's Z slice during a factor */
  /* trainable coefficients (spec.ntrained > 0): the scorer's own copy of the problem, whose
   * coefficients each round sets from the values broadcast after theta (theta + P) */
  pf_pde tp;
  pf_pde_ctx tctx;
  pf_terms *terms; /* rank 0: fixed target sets of the composite loss (owned, on net and
                      spec.pde's transform; pf_group_scorer_set_terms), NULL: none */
};

/* An MPI call inside a function with `int rc` and a `done:` label. */
#define GROUP_MPI(...)                                                                             \
  do {                                                                                             \
    int g_mrc_ = (__VA_ARGS__);                                                                    \
    if (g_mrc_ != MPI_SUCCESS) {                                                                   \
      rc = pf_error_mpi(g_mrc_, __FILE__, __LINE__, __func__);                                     \
      goto done;                                                                                   \
    }                                                                                              \
  } while (0)

/* Collective on gs->comm: the largest error code of the ranks' rc (0 if every rank is fine); a
 * rank whose own rc was 0 reports that another rank failed. */
int pf_group_agree(const pf_group_scorer *gs, int rc);

/* Collective on gs->comm: the grad_dot / pinnfluence part of a round (theta already broadcast,
 * this rank's pool slice in gs->X): fills gs->sc and the phase times of st. Returns this
 * rank's code; every collective step inside is preceded by an agreement, so on return all ranks
 * have made the same calls (the caller agrees on the code). */
int pf_group_influence_round(pf_group_scorer *gs, int cycle, pf_influence_stats *st);

#endif
