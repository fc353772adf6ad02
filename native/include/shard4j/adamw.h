/* Fused optimizer updates over flat f32 buffers, one pass over memory, PyTorch semantics. */
#ifndef SHARD4J_ADAMW_H
#define SHARD4J_ADAMW_H

#include <stdint.h>
#include "shard4j/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* AdamW (torch.optim.AdamW, amsgrad off): g = grad * grad_scale; param *= 1 - lr * weight_decay;
 * m = beta1 m + (1 - beta1) g; v = beta2 v + (1 - beta2) g^2;
 * param -= lr / (1 - beta1^step) * m / (sqrt(v) / sqrt(1 - beta2^step) + eps). step counts from 1. */
S4J_API int s4j_adamw_cpu(float* param, float* m, float* v, const float* grad, int64_t n, float lr, float beta1,
                          float beta2, float eps, float weight_decay, int64_t step, float grad_scale);
S4J_API int s4j_adamw_cuda(float* param, float* m, float* v, const float* grad, int64_t n, float lr, float beta1,
                           float beta2, float eps, float weight_decay, int64_t step, float grad_scale, void* stream);

/* SGD with momentum (torch.optim.SGD, dampening 0): g = grad * grad_scale + weight_decay * param;
 * buf = first_step ? g : momentum * buf + g (buf unused when momentum == 0); d = nesterov ? g + momentum * buf : buf
 * (d = g when momentum == 0); param -= lr * d. */
S4J_API int s4j_sgd_cpu(float* param, float* momentum_buf, const float* grad, int64_t n, float lr, float momentum,
                        float weight_decay, int nesterov, int first_step, float grad_scale);
S4J_API int s4j_sgd_cuda(float* param, float* momentum_buf, const float* grad, int64_t n, float lr, float momentum,
                         float weight_decay, int nesterov, int first_step, float grad_scale, void* stream);

#ifdef __cplusplus
}
#endif
#endif
