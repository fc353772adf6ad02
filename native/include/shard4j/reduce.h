/* Reductions. Axis reductions view x as (outer, n, inner) and write (outer, inner) in the dtype of x; whole-buffer
 * reductions write one fp32 value. All results are deterministic: the order of the additions is fixed by the sizes
 * alone (never by the thread count or the launch). CPU sum_axis accumulates in fp32, over 16 interleaved partial
 * sums combined in lane order when the reduced axis is innermost, in index order otherwise (CUDA: a fixed 256-thread
 * block tree, or index order); sum_squares accumulates fixed 4096-element blocks in double, then adds the block sums
 * in block order
 * (CUDA: a fixed grid of fixed-size partial sums in double, combined in a fixed tree). Max of NaN is NaN. */
#ifndef SHARD4J_REDUCE_H
#define SHARD4J_REDUCE_H

#include <stdint.h>
#include "shard4j/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* out[o, i] = sum_k x[o, k, i]. out is (outer, inner), x is (outer, n, inner). n == 0 gives 0. */
S4J_API int s4j_sum_axis_cpu(void* out, const void* x, int64_t outer, int64_t n, int64_t inner, int dtype);
S4J_API int s4j_sum_axis_cuda(void* out, const void* x, int64_t outer, int64_t n, int64_t inner, int dtype, void* stream);

/* out[o, i] = max_k x[o, k, i]. n must be >= 1. */
S4J_API int s4j_max_axis_cpu(void* out, const void* x, int64_t outer, int64_t n, int64_t inner, int dtype);
S4J_API int s4j_max_axis_cuda(void* out, const void* x, int64_t outer, int64_t n, int64_t inner, int dtype, void* stream);

/* *out = sum_i x[i]^2 as fp32 (accumulated in double). out is one float in the memory of the backend
 * (host for _cpu, device for _cuda). */
S4J_API int s4j_sum_squares_cpu(float* out, const void* x, int64_t n, int dtype);
S4J_API int s4j_sum_squares_cuda(float* out, const void* x, int64_t n, int dtype, void* stream);

/* *out = max_i x[i]; n must be >= 1. out as for sum_squares. */
S4J_API int s4j_max_all_cpu(float* out, const void* x, int64_t n, int dtype);
S4J_API int s4j_max_all_cuda(float* out, const void* x, int64_t n, int dtype, void* stream);

#ifdef __cplusplus
}
#endif
#endif
