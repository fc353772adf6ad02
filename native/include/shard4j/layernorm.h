/* Layer normalization over the last dimension C of N rows (llm.c's layernorm_forward / layernorm_backward).
 * x, out, dout, dx are (N, C) of `dtype`; weight, bias are (C) of `dtype`; mean, rstd are fp32 (N);
 * dweight, dbias are fp32 (C). */
#ifndef SHARD4J_LAYERNORM_H
#define SHARD4J_LAYERNORM_H

#include <stdint.h>
#include "shard4j/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* out = (x - mean) * rstd * weight + bias with rstd = 1 / sqrt(var + eps) (biased variance). mean and rstd
 * (nullable) receive the row statistics for the backward. */
S4J_API int s4j_layernorm_forward_cpu(void* out, float* mean, float* rstd, const void* x, const void* weight, const void* bias, int64_t N, int64_t C, float eps, int dtype);
S4J_API int s4j_layernorm_forward_cuda(void* out, float* mean, float* rstd, const void* x, const void* weight, const void* bias, int64_t N, int64_t C, float eps, int dtype, void* stream);

/* dx = rstd * (dout*w - mean_c(dout*w) - xhat * mean_c(dout*w*xhat)) (written, not accumulated);
 * dweight[c] += sum_r dout[r, c] * xhat[r, c]; dbias[c] += sum_r dout[r, c] (accumulated, in row order per column,
 * independent of the thread count). dweight and dbias may be null together (input gradient only). */
S4J_API int s4j_layernorm_backward_cpu(void* dx, float* dweight, float* dbias, const void* dout, const void* x, const void* weight, const float* mean, const float* rstd, int64_t N, int64_t C, int dtype);
S4J_API int s4j_layernorm_backward_cuda(void* dx, float* dweight, float* dbias, const void* dout, const void* x, const void* weight, const float* mean, const float* rstd, int64_t N, int64_t C, int dtype, void* stream);

#ifdef __cplusplus
}
#endif
#endif
