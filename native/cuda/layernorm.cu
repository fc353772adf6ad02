// CUDA layernorm (see shard4j/layernorm.h), after llm.c's layernorm kernels: one warp per row for the forward and
// for dx; dweight/dbias are column reductions over rows in shared memory with a fixed order (deterministic, no
// atomics).
#include "shard4j/layernorm.h"

#include "cuda_common.cuh"

namespace {

using s4j::load_f;
using s4j::store_f;
using bf16 = __nv_bfloat16;

constexpr int kWarps = 8;

__device__ __forceinline__ float warp_sum(float v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

// out (N, C) = (x - mean) * rstd * w + b; one warp per row, two-pass statistics (the row is re-read from cache).
template <typename T>
__global__ void layernorm_forward_kernel(T* out, float* mean, float* rstd, const T* x, const T* w, const T* b,
                                         int64_t N, int64_t C, float eps) {
  const int lane = threadIdx.x & 31;
  for (int64_t r = blockIdx.x * (int64_t)kWarps + (threadIdx.x >> 5); r < N; r += (int64_t)gridDim.x * kWarps) {
    const T* xr = x + r * C;
    float s = 0.0f;
    for (int64_t i = lane; i < C; i += 32) s += load_f(xr, i);
    const float m = warp_sum(s) / (float)C;
    float v = 0.0f;
    for (int64_t i = lane; i < C; i += 32) {
      const float d = load_f(xr, i) - m;
      v += d * d;
    }
    const float rs = rsqrtf(warp_sum(v) / (float)C + eps);
    for (int64_t i = lane; i < C; i += 32)
      store_f(out + r * C, i, (load_f(xr, i) - m) * rs * load_f(w, i) + load_f(b, i));
    if (lane == 0) {
      if (mean) mean[r] = m;
      if (rstd) rstd[r] = rs;
    }
  }
}

// dx (N, C) = rstd * (dout*w - mean(dout*w) - xhat * mean(dout*w*xhat)); one warp per row.
template <typename T>
__global__ void layernorm_backward_dx_kernel(T* dx, const T* dout, const T* x, const T* w, const float* mean,
                                             const float* rstd, int64_t N, int64_t C) {
  const int lane = threadIdx.x & 31;
  for (int64_t r = blockIdx.x * (int64_t)kWarps + (threadIdx.x >> 5); r < N; r += (int64_t)gridDim.x * kWarps) {
    const T* d = dout + r * C;
    const T* xr = x + r * C;
    const float m = mean[r], rs = rstd[r];
    float a = 0.0f, g = 0.0f;
    for (int64_t i = lane; i < C; i += 32) {
      const float dn = load_f(d, i) * load_f(w, i);
      a += dn;
      g += dn * (load_f(xr, i) - m) * rs;
    }
    a = warp_sum(a) / (float)C;
    g = warp_sum(g) / (float)C;
    for (int64_t i = lane; i < C; i += 32) {
      const float xh = (load_f(xr, i) - m) * rs;
      store_f(dx + r * C, i, rs * (load_f(d, i) * load_f(w, i) - a - xh * g));
    }
  }
}

// dweight[c] += sum_r dout[r, c] * xhat[r, c], dbias[c] += sum_r dout[r, c]: block (32, 8) owns 32 columns, thread
// (tx, ty) sums rows ty, ty+8, ... in order, partials combined in ty order.
template <typename T>
__global__ void layernorm_param_grad_kernel(float* dw, float* db, const T* dout, const T* x, const float* mean,
                                            const float* rstd, int64_t N, int64_t C) {
  __shared__ float pw[8][33];
  __shared__ float pb[8][33];
  const int64_t c = blockIdx.x * 32 + threadIdx.x;
  float aw = 0.0f, ab = 0.0f;
  if (c < C)
    for (int64_t r = threadIdx.y; r < N; r += 8) {
      const float g = load_f(dout, r * C + c);
      aw += g * (load_f(x, r * C + c) - mean[r]) * rstd[r];
      ab += g;
    }
  pw[threadIdx.y][threadIdx.x] = aw;
  pb[threadIdx.y][threadIdx.x] = ab;
  __syncthreads();
  if (threadIdx.y == 0 && c < C) {
    float sw = 0.0f, sb = 0.0f;
    for (int k = 0; k < 8; ++k) {
      sw += pw[k][threadIdx.x];
      sb += pb[k][threadIdx.x];
    }
    dw[c] += sw;
    db[c] += sb;
  }
}

unsigned grid_for_rows(int64_t rows) {
  int64_t b = (rows + kWarps - 1) / kWarps;
  if (b > 65535LL * 16) b = 65535LL * 16;
  return (unsigned)(b < 1 ? 1 : b);
}

bool valid(int d) { return d == S4J_F32 || d == S4J_BF16; }

template <typename T>
int backward(T* dx, float* dw, float* db, const T* dout, const T* x, const T* w, const float* mean, const float* rstd,
             int64_t N, int64_t C, cudaStream_t s) {
  layernorm_backward_dx_kernel<T><<<grid_for_rows(N), kWarps * 32, 0, s>>>(dx, dout, x, w, mean, rstd, N, C);
  int st = s4j::check_launch();
  if (st != S4J_OK || !dw) return st;
  layernorm_param_grad_kernel<T><<<(unsigned)((C + 31) / 32), dim3(32, 8), 0, s>>>(dw, db, dout, x, mean, rstd, N, C);
  return s4j::check_launch();
}

}  // namespace

extern "C" {

S4J_API int s4j_layernorm_forward_cuda(void* out, float* mean, float* rstd, const void* x, const void* weight,
                                       const void* bias, int64_t N, int64_t C, float eps, int dtype, void* stream) {
  S4J_CHECK_ARG(N >= 0 && C >= 1 && valid(dtype) && eps >= 0.0f);
  if (N == 0) return S4J_OK;
  S4J_CHECK_ARG(out && x && weight && bias);
  cudaStream_t s = (cudaStream_t)stream;
  if (dtype == S4J_F32)
    layernorm_forward_kernel<float><<<grid_for_rows(N), kWarps * 32, 0, s>>>(
        (float*)out, mean, rstd, (const float*)x, (const float*)weight, (const float*)bias, N, C, eps);
  else
    layernorm_forward_kernel<bf16><<<grid_for_rows(N), kWarps * 32, 0, s>>>(
        (bf16*)out, mean, rstd, (const bf16*)x, (const bf16*)weight, (const bf16*)bias, N, C, eps);
  return s4j::check_launch();
}

S4J_API int s4j_layernorm_backward_cuda(void* dx, float* dweight, float* dbias, const void* dout, const void* x,
                                        const void* weight, const float* mean, const float* rstd, int64_t N,
                                        int64_t C, int dtype, void* stream) {
  S4J_CHECK_ARG(N >= 0 && C >= 1 && valid(dtype));
  S4J_CHECK_ARG((dweight == nullptr) == (dbias == nullptr));
  if (N == 0) return S4J_OK;
  S4J_CHECK_ARG(dx && dout && x && weight && mean && rstd);
  cudaStream_t s = (cudaStream_t)stream;
  if (dtype == S4J_F32)
    return backward((float*)dx, dweight, dbias, (const float*)dout, (const float*)x, (const float*)weight, mean, rstd,
                    N, C, s);
  return backward((bf16*)dx, dweight, dbias, (const bf16*)dout, (const bf16*)x, (const bf16*)weight, mean, rstd, N, C,
                  s);
}

}  // extern "C"
