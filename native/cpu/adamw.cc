// Fused AdamW and SGD-with-momentum updates (see shard4j/adamw.h): one pass over param, grad and the moments.
#include "shard4j/adamw.h"

#include <cmath>

#include "cpu_common.h"

namespace {

S4J_CLONES
void adamw_range(float* __restrict p, float* __restrict m, float* __restrict v, const float* __restrict g, int64_t n,
                 float decay, float beta1, float beta2, float step_size, float inv_sqrt_bc2, float eps, float gs) {
  const float ob1 = 1.0f - beta1, ob2 = 1.0f - beta2;
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    const float gi = g[i] * gs;
    const float mi = beta1 * m[i] + ob1 * gi;
    const float vi = beta2 * v[i] + ob2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    const float denom = std::sqrt(vi) * inv_sqrt_bc2 + eps;
    p[i] = p[i] * decay - step_size * mi / denom;
  }
}

S4J_CLONES
void sgd_range(float* __restrict p, float* __restrict buf, const float* __restrict g, int64_t n, float lr, float mom,
               float wd, int nesterov, int first, float gs) {
  if (mom == 0.0f) {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) p[i] -= lr * (g[i] * gs + wd * p[i]);
    return;
  }
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    const float gi = g[i] * gs + wd * p[i];
    const float b = first ? gi : mom * buf[i] + gi;
    buf[i] = b;
    const float d = nesterov ? gi + mom * b : b;
    p[i] -= lr * d;
  }
}

constexpr int64_t kChunk = 1 << 14;

}  // namespace

extern "C" S4J_API int s4j_adamw_cpu(float* param, float* m, float* v, const float* grad, int64_t n, float lr,
                                     float beta1, float beta2, float eps, float weight_decay, int64_t step,
                                     float grad_scale) {
  S4J_CHECK_ARG(n >= 0 && step >= 1);
  S4J_CHECK_ARG(beta1 >= 0.0f && beta1 < 1.0f && beta2 >= 0.0f && beta2 < 1.0f && eps >= 0.0f && lr >= 0.0f);
  if (n == 0) return S4J_OK;
  S4J_CHECK_ARG(param && m && v && grad);
  const float bc1 = (float)(1.0 - std::pow((double)beta1, (double)step));
  const float bc2 = (float)(1.0 - std::pow((double)beta2, (double)step));
  const float step_size = lr / bc1;
  const float inv_sqrt_bc2 = 1.0f / std::sqrt(bc2);
  const float decay = 1.0f - lr * weight_decay;
  const int64_t chunks = (n + kChunk - 1) / kChunk;
#pragma omp parallel for num_threads(s4j::threads_for(n * 4)) schedule(static)
  for (int64_t c = 0; c < chunks; ++c) {
    const int64_t s = c * kChunk, len = (n - s < kChunk) ? n - s : kChunk;
    adamw_range(param + s, m + s, v + s, grad + s, len, decay, beta1, beta2, step_size, inv_sqrt_bc2, eps, grad_scale);
  }
  return S4J_OK;
}

extern "C" S4J_API int s4j_sgd_cpu(float* param, float* momentum_buf, const float* grad, int64_t n, float lr,
                                   float momentum, float weight_decay, int nesterov, int first_step, float grad_scale) {
  S4J_CHECK_ARG(n >= 0 && lr >= 0.0f && momentum >= 0.0f);
  S4J_CHECK_ARG(!nesterov || momentum > 0.0f);
  if (n == 0) return S4J_OK;
  S4J_CHECK_ARG(param && grad && (momentum == 0.0f || momentum_buf));
  const int64_t chunks = (n + kChunk - 1) / kChunk;
#pragma omp parallel for num_threads(s4j::threads_for(n * 2)) schedule(static)
  for (int64_t c = 0; c < chunks; ++c) {
    const int64_t s = c * kChunk, len = (n - s < kChunk) ? n - s : kChunk;
    sgd_range(param + s, momentum_buf ? momentum_buf + s : nullptr, grad + s, len, lr, momentum, weight_decay,
              nesterov, first_step, grad_scale);
  }
  return S4J_OK;
}
