/* Helpers shared by the problem files: index macros for the (PF_NCH, n) channel arrays. */
#ifndef PF_PDE_IMPL_H
#define PF_PDE_IMPL_H

#include "pinnfluence/pde.h"

#include <string.h>

#define PF_PI 3.14159265358979323846

/* channel c of point i in a (PF_NCH, n) array */
#define CH(arr, c) (arr)[(size_t)(c)*n + i]
/* second partial d2r/du_c du_d of point i */
#define CH2(arr, c, d) (arr)[((size_t)(c)*PF_NCH + (size_t)(d)) * n + i]

/* The four channels every problem but wave reads. */
#define PF_CH_STD (PF_JET(PF_CH_V) | PF_JET(PF_CH_X) | PF_JET(PF_CH_T) | PF_JET(PF_CH_XX))

#endif
