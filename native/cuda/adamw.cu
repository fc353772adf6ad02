// Fused AdamW and SGD-with-momentum updates on the GPU (see shard4j/adamw.h): grid-stride, float4 when aligned.
#include "shard4j/adamw.h"

#include <cmath>

#include "cuda_common.cuh"

namespace {

struct AdamArgs {
  float decay, beta1, beta2, step_size, inv_sqrt_bc2, eps, gs;
};

__device__ __forceinline__ void adam1(float& p, float& m, float& v, float g, const AdamArgs& a) {
  g *= a.gs;
  m = a.beta1 * m + (1.0f - a.beta1) * g;
  v = a.beta2 * v + (1.0f - a.beta2) * g * g;
  p = p * a.decay - a.step_size * m / (sqrtf(v) * a.inv_sqrt_bc2 + a.eps);
}

__global__ void adamw_vec4(float4* p, float4* m, float4* v, const float4* g, int64_t n4, AdamArgs a) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n4; i += (int64_t)gridDim.x * blockDim.x) {
    float4 pp = p[i], mm = m[i], vv = v[i], gg = g[i];
    adam1(pp.x, mm.x, vv.x, gg.x, a);
    adam1(pp.y, mm.y, vv.y, gg.y, a);
    adam1(pp.z, mm.z, vv.z, gg.z, a);
    adam1(pp.w, mm.w, vv.w, gg.w, a);
    p[i] = pp;
    m[i] = mm;
    v[i] = vv;
  }
}

__global__ void adamw_scalar(float* p, float* m, float* v, const float* g, int64_t n, AdamArgs a) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
    float pp = p[i], mm = m[i], vv = v[i];
    adam1(pp, mm, vv, g[i], a);
    p[i] = pp;
    m[i] = mm;
    v[i] = vv;
  }
}

__global__ void sgd_kernel(float* p, float* buf, const float* g, int64_t n, float lr, float mom, float wd,
                           int nesterov, int first, float gs) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
    const float pi = p[i];
    const float gi = g[i] * gs + wd * pi;
    float d = gi;
    if (mom != 0.0f) {
      const float b = first ? gi : mom * buf[i] + gi;
      buf[i] = b;
      d = nesterov ? gi + mom * b : b;
    }
    p[i] = pi - lr * d;
  }
}

bool aligned16(const void* p) { return ((uintptr_t)p & 15) == 0; }

}  // namespace

extern "C" S4J_API int s4j_adamw_cuda(float* param, float* m, float* v, const float* grad, int64_t n, float lr,
                                      float beta1, float beta2, float eps, float weight_decay, int64_t step,
                                      float grad_scale, void* stream) {
  S4J_CHECK_ARG(n >= 0 && step >= 1);
  S4J_CHECK_ARG(beta1 >= 0.0f && beta1 < 1.0f && beta2 >= 0.0f && beta2 < 1.0f && eps >= 0.0f && lr >= 0.0f);
  if (n == 0) return S4J_OK;
  S4J_CHECK_ARG(param && m && v && grad);
  AdamArgs a;
  const float bc1 = (float)(1.0 - std::pow((double)beta1, (double)step));
  const float bc2 = (float)(1.0 - std::pow((double)beta2, (double)step));
  a.decay = 1.0f - lr * weight_decay;
  a.beta1 = beta1;
  a.beta2 = beta2;
  a.step_size = lr / bc1;
  a.inv_sqrt_bc2 = 1.0f / std::sqrt(bc2);
  a.eps = eps;
  a.gs = grad_scale;
  cudaStream_t s = (cudaStream_t)stream;
  if (aligned16(param) && aligned16(m) && aligned16(v) && aligned16(grad)) {
    const int64_t n4 = n / 4;
    if (n4 > 0)
      adamw_vec4<<<s4j::blocks_for(n4, 256), 256, 0, s>>>((float4*)param, (float4*)m, (float4*)v,
                                                           (const float4*)grad, n4, a);
    if (n - n4 * 4 > 0)
      adamw_scalar<<<1, 32, 0, s>>>(param + n4 * 4, m + n4 * 4, v + n4 * 4, grad + n4 * 4, n - n4 * 4, a);
  } else {
    adamw_scalar<<<s4j::blocks_for(n, 256), 256, 0, s>>>(param, m, v, grad, n, a);
  }
  return s4j::check_launch();
}

extern "C" S4J_API int s4j_sgd_cuda(float* param, float* momentum_buf, const float* grad, int64_t n, float lr,
                                    float momentum, float weight_decay, int nesterov, int first_step, float grad_scale,
                                    void* stream) {
  S4J_CHECK_ARG(n >= 0 && lr >= 0.0f && momentum >= 0.0f);
  S4J_CHECK_ARG(!nesterov || momentum > 0.0f);
  if (n == 0) return S4J_OK;
  S4J_CHECK_ARG(param && grad && (momentum == 0.0f || momentum_buf));
  sgd_kernel<<<s4j::blocks_for(n, 256), 256, 0, (cudaStream_t)stream>>>(param, momentum_buf, grad, n, lr, momentum,
                                                                         weight_decay, nesterov, first_step,
                                                                         grad_scale);
  return s4j::check_launch();
}
