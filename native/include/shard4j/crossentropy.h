/* Cross-entropy over rows of logits (n rows x v classes) with int32 targets, via a stable log-softmax,
 * and the pieces of a vocab-parallel cross-entropy (Megatron): each shard holds columns [vocab_start, vocab_start+v).
 * Rows whose target equals ignore_index get loss 0 and gradient 0. Statistics (max, sums, losses) are f32;
 * logits and dlogits are f32 or bf16 (dtype). */
#ifndef SHARD4J_CROSSENTROPY_H
#define SHARD4J_CROSSENTROPY_H

#include <stdint.h>
#include "shard4j/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Forward: loss[r] = logsumexp(x[r, :]) - x[r, t[r]] and lse[r] = logsumexp(x[r, :]) (saved for backward).
 * Targets outside [0, v) other than ignore_index are an error (CPU: S4J_ERR_INVALID_ARGUMENT; CUDA: loss NaN). */
S4J_API int s4j_cross_entropy_forward_cpu(float* loss, float* lse, const void* logits, const int32_t* targets,
                                          int64_t n, int64_t v, int64_t ignore_index, int dtype);
S4J_API int s4j_cross_entropy_forward_cuda(float* loss, float* lse, const void* logits, const int32_t* targets,
                                           int64_t n, int64_t v, int64_t ignore_index, int dtype, void* stream);

/* Backward: dlogits[r, c] = (exp(x[r, c] - lse[r]) - [c == t[r]]) * dloss[r * dloss_stride] * scale. dloss_stride 0
 * broadcasts one scalar (e.g. the mean loss's gradient with scale = 1 / valid rows). */
S4J_API int s4j_cross_entropy_backward_cpu(void* dlogits, const void* logits, const float* lse, const int32_t* targets,
                                           const float* dloss, int64_t dloss_stride, float scale, int64_t n, int64_t v,
                                           int64_t ignore_index, int dtype);
S4J_API int s4j_cross_entropy_backward_cuda(void* dlogits, const void* logits, const float* lse,
                                            const int32_t* targets, const float* dloss, int64_t dloss_stride,
                                            float scale, int64_t n, int64_t v, int64_t ignore_index, int dtype,
                                            void* stream);

/* Vocab-parallel step 1: row_max[r] = max over this shard's columns of x[r, :]. */
S4J_API int s4j_vp_cross_entropy_local_max_cpu(float* row_max, const void* logits, int64_t n, int64_t v, int dtype);
S4J_API int s4j_vp_cross_entropy_local_max_cuda(float* row_max, const void* logits, int64_t n, int64_t v, int dtype,
                                                void* stream);

/* Vocab-parallel step 2, given the all-reduced (max) global_max: sum_exp[r] = sum_c exp(x[r, c] - global_max[r]) and
 * target_logit[r] = x[r, t[r] - vocab_start] when vocab_start <= t[r] < vocab_start + v, else 0. After summing both
 * across shards: loss[r] = log(sum_exp[r]) + global_max[r] - target_logit[r]. */
S4J_API int s4j_vp_cross_entropy_local_stats_cpu(float* sum_exp, float* target_logit, const void* logits,
                                                 const float* global_max, const int32_t* targets, int64_t n, int64_t v,
                                                 int64_t vocab_start, int dtype);
S4J_API int s4j_vp_cross_entropy_local_stats_cuda(float* sum_exp, float* target_logit, const void* logits,
                                                  const float* global_max, const int32_t* targets, int64_t n,
                                                  int64_t v, int64_t vocab_start, int dtype, void* stream);

/* Vocab-parallel backward: dlogits[r, c] = (exp(x[r, c] - global_max[r]) / global_sum[r] - [c + vocab_start == t[r]])
 * * dloss[r * dloss_stride] * scale; ignored rows get 0. */
S4J_API int s4j_vp_cross_entropy_backward_cpu(void* dlogits, const void* logits, const float* global_max,
                                              const float* global_sum, const int32_t* targets, const float* dloss,
                                              int64_t dloss_stride, float scale, int64_t n, int64_t v,
                                              int64_t vocab_start, int64_t ignore_index, int dtype);
S4J_API int s4j_vp_cross_entropy_backward_cuda(void* dlogits, const void* logits, const float* global_max,
                                               const float* global_sum, const int32_t* targets, const float* dloss,
                                               int64_t dloss_stride, float scale, int64_t n, int64_t v,
                                               int64_t vocab_start, int64_t ignore_index, int dtype, void* stream);

#ifdef __cplusplus
}
#endif
#endif
