// CUDA reductions (see shard4j/reduce.h). Every reduction uses a fixed assignment of elements to threads and a
// fixed combination tree (warp shuffles, then shared memory), so results are bitwise reproducible.
#include "shard4j/reduce.h"

#include "cuda_common.cuh"

namespace {

using s4j::load_f;
using s4j::store_f;
using bf16 = __nv_bfloat16;

constexpr int kThreads = 256;
constexpr int kPartials = 1024;  // fixed grid of the whole-buffer reductions

__device__ __forceinline__ float max_nan(float a, float b) { return (a != a || a >= b) ? a : b; }

template <typename V, bool kMax>
__device__ __forceinline__ V combine(V a, V b) {
  if (kMax) return max_nan(a, b);
  return a + b;
}

// Block-wide reduction of one value per thread (blockDim.x == kThreads); the result is valid in thread 0.
template <typename V, bool kMax>
__device__ V block_reduce(V v) {
  __shared__ V warp_vals[kThreads / 32];
  for (int o = 16; o > 0; o >>= 1) v = combine<V, kMax>(v, __shfl_down_sync(0xffffffffu, v, o));
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  if (lane == 0) warp_vals[warp] = v;
  __syncthreads();
  if (warp == 0) {
    v = lane < kThreads / 32 ? warp_vals[lane] : warp_vals[0];
    if (lane >= kThreads / 32 && !kMax) v = V(0);
    for (int o = 16; o > 0; o >>= 1) v = combine<V, kMax>(v, __shfl_down_sync(0xffffffffu, v, o));
  }
  return v;
}

// inner == 1: one block per row of n contiguous elements.
template <typename T, bool kMax>
__global__ void row_reduce_kernel(T* out, const T* x, int64_t outer, int64_t n) {
  for (int64_t o = blockIdx.x; o < outer; o += gridDim.x) {
    const T* row = x + o * n;
    float v = kMax ? load_f(row, 0) : 0.0f;
    for (int64_t k = threadIdx.x; k < n; k += blockDim.x) v = combine<float, kMax>(v, load_f(row, k));
    v = block_reduce<float, kMax>(v);
    if (threadIdx.x == 0) store_f(out, o, v);
    __syncthreads();
  }
}

// inner > 1: one thread per output (o, i), looping over the reduced axis; consecutive threads read consecutive i.
template <typename T, bool kMax>
__global__ void col_reduce_kernel(T* out, const T* x, int64_t outer, int64_t n, int64_t inner) {
  const int64_t total = outer * inner;
  for (int64_t j = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; j < total; j += (int64_t)gridDim.x * blockDim.x) {
    const int64_t o = j / inner, i = j % inner;
    const T* p = x + o * n * inner + i;
    float v = kMax ? load_f(p, 0) : 0.0f;
    for (int64_t k = 0; k < n; ++k) v = combine<float, kMax>(v, load_f(p, k * inner));
    store_f(out, j, v);
  }
}

template <bool kMax>
int axis_reduce(void* out, const void* x, int64_t outer, int64_t n, int64_t inner, int dtype, void* stream) {
  cudaStream_t s = (cudaStream_t)stream;
  if (inner == 1) {
    const unsigned grid = (unsigned)(outer < 65535 * 16 ? outer : 65535 * 16);
    if (dtype == S4J_F32) row_reduce_kernel<float, kMax><<<grid, kThreads, 0, s>>>((float*)out, (const float*)x, outer, n);
    else row_reduce_kernel<bf16, kMax><<<grid, kThreads, 0, s>>>((bf16*)out, (const bf16*)x, outer, n);
  } else {
    const unsigned grid = s4j::blocks_for(outer * inner, kThreads);
    if (dtype == S4J_F32)
      col_reduce_kernel<float, kMax><<<grid, kThreads, 0, s>>>((float*)out, (const float*)x, outer, n, inner);
    else
      col_reduce_kernel<bf16, kMax><<<grid, kThreads, 0, s>>>((bf16*)out, (const bf16*)x, outer, n, inner);
  }
  return s4j::check_launch();
}

// Stage 1 of the whole-buffer reductions: a fixed grid of kPartials blocks, each a grid-stride partial.
template <typename T, typename V, bool kMax>
__global__ void partial_kernel(V* partial, const T* x, int64_t n) {
  V v = kMax ? V(load_f(x, 0)) : V(0);
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
    const V e = V(load_f(x, i));
    v = kMax ? combine<V, true>(v, e) : v + e * e;
  }
  v = block_reduce<V, kMax>(v);
  if (threadIdx.x == 0) partial[blockIdx.x] = v;
}
// Stage 2: one block combines the kPartials partials.
template <typename V, bool kMax>
__global__ void final_kernel(float* out, const V* partial) {
  V v = partial[threadIdx.x];
  for (int k = threadIdx.x + kThreads; k < kPartials; k += kThreads) v = combine<V, kMax>(v, partial[k]);
  v = block_reduce<V, kMax>(v);
  if (threadIdx.x == 0) *out = (float)v;
}

template <typename V, bool kMax>
int whole_reduce(float* out, const void* x, int64_t n, int dtype, void* stream) {
  cudaStream_t s = (cudaStream_t)stream;
  V* partial = nullptr;
  S4J_CUDA_TRY(cudaMallocAsync((void**)&partial, kPartials * sizeof(V), s));
  if (dtype == S4J_F32) partial_kernel<float, V, kMax><<<kPartials, kThreads, 0, s>>>(partial, (const float*)x, n);
  else partial_kernel<bf16, V, kMax><<<kPartials, kThreads, 0, s>>>(partial, (const bf16*)x, n);
  int st = s4j::check_launch();
  if (st == S4J_OK) {
    final_kernel<V, kMax><<<1, kThreads, 0, s>>>(out, partial);
    st = s4j::check_launch();
  }
  const int free_st = s4j::record_cuda_error(cudaFreeAsync(partial, s));
  return st != S4J_OK ? st : free_st;
}

bool valid(int d) { return d == S4J_F32 || d == S4J_BF16; }

}  // namespace

extern "C" {

S4J_API int s4j_sum_axis_cuda(void* out, const void* x, int64_t outer, int64_t n, int64_t inner, int dtype,
                              void* stream) {
  S4J_CHECK_ARG(outer >= 0 && n >= 0 && inner >= 0 && valid(dtype));
  if (outer == 0 || inner == 0) return S4J_OK;
  S4J_CHECK_ARG(out && (x || n == 0));
  if (n == 0) return s4j::record_cuda_error(cudaMemsetAsync(out, 0, outer * inner * (dtype == S4J_F32 ? 4 : 2),
                                                            (cudaStream_t)stream));
  return axis_reduce<false>(out, x, outer, n, inner, dtype, stream);
}

S4J_API int s4j_max_axis_cuda(void* out, const void* x, int64_t outer, int64_t n, int64_t inner, int dtype,
                              void* stream) {
  S4J_CHECK_ARG(outer >= 0 && n >= 1 && inner >= 0 && valid(dtype));
  if (outer == 0 || inner == 0) return S4J_OK;
  S4J_CHECK_ARG(out && x);
  return axis_reduce<true>(out, x, outer, n, inner, dtype, stream);
}

S4J_API int s4j_sum_squares_cuda(float* out, const void* x, int64_t n, int dtype, void* stream) {
  S4J_CHECK_ARG(out && n >= 0 && valid(dtype) && (x || n == 0));
  if (n == 0) return s4j::record_cuda_error(cudaMemsetAsync(out, 0, sizeof(float), (cudaStream_t)stream));
  return whole_reduce<double, false>(out, x, n, dtype, stream);
}

S4J_API int s4j_max_all_cuda(float* out, const void* x, int64_t n, int dtype, void* stream) {
  S4J_CHECK_ARG(out && n >= 1 && x && valid(dtype));
  return whole_reduce<float, true>(out, x, n, dtype, stream);
}

}  // extern "C"
