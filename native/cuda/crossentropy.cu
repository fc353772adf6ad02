// Cross-entropy and vocab-parallel cross-entropy pieces on the GPU (see shard4j/crossentropy.h). One block per row;
// row max and sums are reduced with warp shuffles and a shared-memory pass across warps.
#include "shard4j/crossentropy.h"

#include <cfloat>

#include "cuda_common.cuh"

namespace {

constexpr int kThreads = 256;

template <bool kMax>
__device__ float block_reduce(float v) {
  __shared__ float warp_vals[32];
  __shared__ float result;
  for (int o = 16; o > 0; o >>= 1) {
    const float other = __shfl_xor_sync(0xffffffffu, v, o);
    v = kMax ? fmaxf(v, other) : v + other;
  }
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  if (lane == 0) warp_vals[warp] = v;
  __syncthreads();
  if (warp == 0) {
    v = lane < (int)(blockDim.x >> 5) ? warp_vals[lane] : (kMax ? -FLT_MAX : 0.0f);
    for (int o = 16; o > 0; o >>= 1) {
      const float other = __shfl_xor_sync(0xffffffffu, v, o);
      v = kMax ? fmaxf(v, other) : v + other;
    }
    if (lane == 0) result = v;
  }
  __syncthreads();
  const float r = result;
  __syncthreads();
  return r;
}

template <typename T>
__device__ float row_max(const T* x, int64_t v) {
  float m = -INFINITY;
  for (int64_t c = threadIdx.x; c < v; c += blockDim.x) m = fmaxf(m, s4j::load_f(x, c));
  return block_reduce<true>(m);
}

template <typename T>
__device__ float row_sumexp(const T* x, int64_t v, float m) {
  float s = 0.0f;
  for (int64_t c = threadIdx.x; c < v; c += blockDim.x) s += __expf(s4j::load_f(x, c) - m);
  return block_reduce<false>(s);
}

template <typename T>
__global__ void forward_kernel(float* loss, float* lse, const T* logits, const int32_t* t, int64_t n, int64_t v,
                               int64_t ignore) {
  for (int64_t r = blockIdx.x; r < n; r += gridDim.x) {
    const T* x = logits + r * v;
    const float m = row_max(x, v);
    const float l = m + __logf(row_sumexp(x, v, m));
    if (threadIdx.x == 0) {
      if (lse) lse[r] = l;
      const int64_t tr = t[r];
      loss[r] = tr == ignore ? 0.0f : (tr >= 0 && tr < v ? l - s4j::load_f(x, tr) : NAN);
    }
  }
}

template <typename T>
__global__ void backward_kernel(T* dx, const T* logits, const float* shift, const float* sum, const int32_t* t,
                                const float* dloss, int64_t dstride, float scale, int64_t n, int64_t v, int64_t offset,
                                int64_t ignore) {
  for (int64_t r = blockIdx.x; r < n; r += gridDim.x) {
    const T* x = logits + r * v;
    T* d = dx + r * v;
    const int64_t tr = t[r];
    if (tr == ignore) {
      for (int64_t c = threadIdx.x; c < v; c += blockDim.x) s4j::store_f(d, c, 0.0f);
      continue;
    }
    const float g = dloss[r * dstride] * scale;
    const float s = shift[r], inv = sum ? 1.0f / sum[r] : 1.0f;
    const int64_t tc = tr - offset;
    for (int64_t c = threadIdx.x; c < v; c += blockDim.x) {
      const float p = __expf(s4j::load_f(x, c) - s) * inv;
      s4j::store_f(d, c, (p - (c == tc ? 1.0f : 0.0f)) * g);
    }
  }
}

template <typename T>
__global__ void local_max_kernel(float* out, const T* logits, int64_t n, int64_t v) {
  for (int64_t r = blockIdx.x; r < n; r += gridDim.x) {
    const float m = row_max(logits + r * v, v);
    if (threadIdx.x == 0) out[r] = m;
  }
}

template <typename T>
__global__ void local_stats_kernel(float* sum_exp, float* target_logit, const T* logits, const float* gmax,
                                   const int32_t* t, int64_t n, int64_t v, int64_t vocab_start) {
  for (int64_t r = blockIdx.x; r < n; r += gridDim.x) {
    const T* x = logits + r * v;
    const float s = row_sumexp(x, v, gmax[r]);
    if (threadIdx.x == 0) {
      sum_exp[r] = s;
      const int64_t tc = (int64_t)t[r] - vocab_start;
      target_logit[r] = (tc >= 0 && tc < v) ? s4j::load_f(x, tc) : 0.0f;
    }
  }
}

unsigned grid_rows(int64_t n) { return (unsigned)(n < 65535LL * 16 ? n : 65535LL * 16); }
bool dt_ok(int d) { return d == S4J_F32 || d == S4J_BF16; }

}  // namespace

extern "C" S4J_API int s4j_cross_entropy_forward_cuda(float* loss, float* lse, const void* logits,
                                                      const int32_t* targets, int64_t n, int64_t v,
                                                      int64_t ignore_index, int dtype, void* stream) {
  S4J_CHECK_ARG(n >= 0 && v > 0 && dt_ok(dtype));
  if (n == 0) return S4J_OK;
  S4J_CHECK_ARG(loss && logits && targets);
  cudaStream_t s = (cudaStream_t)stream;
  if (dtype == S4J_F32)
    forward_kernel<<<grid_rows(n), kThreads, 0, s>>>(loss, lse, (const float*)logits, targets, n, v, ignore_index);
  else
    forward_kernel<<<grid_rows(n), kThreads, 0, s>>>(loss, lse, (const __nv_bfloat16*)logits, targets, n, v,
                                                     ignore_index);
  return s4j::check_launch();
}

extern "C" S4J_API int s4j_cross_entropy_backward_cuda(void* dlogits, const void* logits, const float* lse,
                                                       const int32_t* targets, const float* dloss,
                                                       int64_t dloss_stride, float scale, int64_t n, int64_t v,
                                                       int64_t ignore_index, int dtype, void* stream) {
  S4J_CHECK_ARG(n >= 0 && v > 0 && dt_ok(dtype) && dloss_stride >= 0);
  if (n == 0) return S4J_OK;
  S4J_CHECK_ARG(dlogits && logits && lse && targets && dloss);
  cudaStream_t s = (cudaStream_t)stream;
  if (dtype == S4J_F32)
    backward_kernel<<<grid_rows(n), kThreads, 0, s>>>((float*)dlogits, (const float*)logits, lse, nullptr, targets,
                                                      dloss, dloss_stride, scale, n, v, 0, ignore_index);
  else
    backward_kernel<<<grid_rows(n), kThreads, 0, s>>>((__nv_bfloat16*)dlogits, (const __nv_bfloat16*)logits, lse,
                                                      nullptr, targets, dloss, dloss_stride, scale, n, v, 0,
                                                      ignore_index);
  return s4j::check_launch();
}

extern "C" S4J_API int s4j_vp_cross_entropy_local_max_cuda(float* row_max, const void* logits, int64_t n, int64_t v,
                                                           int dtype, void* stream) {
  S4J_CHECK_ARG(n >= 0 && v > 0 && dt_ok(dtype));
  if (n == 0) return S4J_OK;
  S4J_CHECK_ARG(row_max && logits);
  cudaStream_t s = (cudaStream_t)stream;
  if (dtype == S4J_F32)
    local_max_kernel<<<grid_rows(n), kThreads, 0, s>>>(row_max, (const float*)logits, n, v);
  else
    local_max_kernel<<<grid_rows(n), kThreads, 0, s>>>(row_max, (const __nv_bfloat16*)logits, n, v);
  return s4j::check_launch();
}

extern "C" S4J_API int s4j_vp_cross_entropy_local_stats_cuda(float* sum_exp, float* target_logit, const void* logits,
                                                             const float* global_max, const int32_t* targets,
                                                             int64_t n, int64_t v, int64_t vocab_start, int dtype,
                                                             void* stream) {
  S4J_CHECK_ARG(n >= 0 && v > 0 && vocab_start >= 0 && dt_ok(dtype));
  if (n == 0) return S4J_OK;
  S4J_CHECK_ARG(sum_exp && target_logit && logits && global_max && targets);
  cudaStream_t s = (cudaStream_t)stream;
  if (dtype == S4J_F32)
    local_stats_kernel<<<grid_rows(n), kThreads, 0, s>>>(sum_exp, target_logit, (const float*)logits, global_max,
                                                         targets, n, v, vocab_start);
  else
    local_stats_kernel<<<grid_rows(n), kThreads, 0, s>>>(sum_exp, target_logit, (const __nv_bfloat16*)logits,
                                                         global_max, targets, n, v, vocab_start);
  return s4j::check_launch();
}

extern "C" S4J_API int s4j_vp_cross_entropy_backward_cuda(void* dlogits, const void* logits, const float* global_max,
                                                          const float* global_sum, const int32_t* targets,
                                                          const float* dloss, int64_t dloss_stride, float scale,
                                                          int64_t n, int64_t v, int64_t vocab_start,
                                                          int64_t ignore_index, int dtype, void* stream) {
  S4J_CHECK_ARG(n >= 0 && v > 0 && vocab_start >= 0 && dt_ok(dtype) && dloss_stride >= 0);
  if (n == 0) return S4J_OK;
  S4J_CHECK_ARG(dlogits && logits && global_max && global_sum && targets && dloss);
  cudaStream_t s = (cudaStream_t)stream;
  if (dtype == S4J_F32)
    backward_kernel<<<grid_rows(n), kThreads, 0, s>>>((float*)dlogits, (const float*)logits, global_max, global_sum,
                                                      targets, dloss, dloss_stride, scale, n, v, vocab_start,
                                                      ignore_index);
  else
    backward_kernel<<<grid_rows(n), kThreads, 0, s>>>((__nv_bfloat16*)dlogits, (const __nv_bfloat16*)logits,
                                                      global_max, global_sum, targets, dloss, dloss_stride, scale, n,
                                                      v, vocab_start, ignore_index);
  return s4j::check_launch();
}
