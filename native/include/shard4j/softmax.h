/* Row-wise softmax over the last dimension. x, out, y, dy, dx are (rows, cols), all of `dtype`.
 * causal != 0 applies the attention mask for scores laid out as (..., T, T) with T == cols: row r sees columns
 * 0..(r mod cols) only, masked entries are written as 0. The forward is numerically stable (it subtracts the row
 * max). CPU: max, exp+sum and scale passes over an L1-resident row; CUDA: one warp per row with an online
 * (single-pass) max and rescaled sum merged by warp shuffles, then the write pass. */
#ifndef SHARD4J_SOFTMAX_H
#define SHARD4J_SOFTMAX_H

#include <stdint.h>
#include "shard4j/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* out = softmax(x) per row. out may alias x. */
S4J_API int s4j_softmax_forward_cpu(void* out, const void* x, int64_t rows, int64_t cols, int causal, int dtype);
S4J_API int s4j_softmax_forward_cuda(void* out, const void* x, int64_t rows, int64_t cols, int causal, int dtype, void* stream);

/* dx = y * (dy - sum_j(dy_j * y_j)) per row, with y the forward output (masked entries of y are 0, so the mask
 * needs no argument here). dx may alias dy. */
S4J_API int s4j_softmax_backward_cpu(void* dx, const void* y, const void* dy, int64_t rows, int64_t cols, int dtype);
S4J_API int s4j_softmax_backward_cuda(void* dx, const void* y, const void* dy, int64_t rows, int64_t cols, int dtype, void* stream);

#ifdef __cplusplus
}
#endif
#endif
