/* Score methods implemented in their own files, for the registry in methods.c. */
#ifndef PF_SAMPLE_IMPL_H
#define PF_SAMPLE_IMPL_H

#include "pinnfluence/sample.h"

size_t pf_loss_grad_work(const pf_pinn_ops *ops, size_t n, size_t P, int block);
int pf_loss_grad_score(pf_score_ctx *sc, const double *theta, const pf_points *pool,
                       double *scores);
int pf_grad_dot_score(pf_score_ctx *sc, const double *theta, const pf_points *pool, double *scores);
int pf_pinnfluence_score(pf_score_ctx *sc, const double *theta, const pf_points *pool,
                         double *scores);

#endif
