// CUDA row softmax (see shard4j/softmax.h): one warp per row. Forward: each lane keeps an online (max, sum) over
// its strided columns, the warp merges them with shuffles, then the row is written. Backward: warp dot product.
#include "shard4j/softmax.h"

#include "cuda_common.cuh"

namespace {

using s4j::load_f;
using s4j::store_f;
using bf16 = __nv_bfloat16;

constexpr int kWarps = 8;

template <typename T>
__global__ void softmax_forward_kernel(T* out, const T* x, int64_t rows, int64_t cols, int causal) {
  const int lane = threadIdx.x & 31;
  for (int64_t r = blockIdx.x * (int64_t)kWarps + (threadIdx.x >> 5); r < rows; r += (int64_t)gridDim.x * kWarps) {
    const T* xr = x + r * cols;
    T* yr = out + r * cols;
    const int64_t n = causal ? (r % cols) + 1 : cols;
    float m = -INFINITY, s = 0.0f;
    for (int64_t k = lane; k < n; k += 32) {
      const float v = load_f(xr, k);
      const float nm = fmaxf(m, v);
      s = s * __expf(m - nm) + __expf(v - nm);
      m = nm;
    }
    for (int o = 16; o > 0; o >>= 1) {
      const float om = __shfl_xor_sync(0xffffffffu, m, o);
      const float os = __shfl_xor_sync(0xffffffffu, s, o);
      const float nm = fmaxf(m, om);
      s = (m == -INFINITY ? 0.0f : s * __expf(m - nm)) + (om == -INFINITY ? 0.0f : os * __expf(om - nm));
      m = nm;
    }
    const float inv = 1.0f / s;
    for (int64_t k = lane; k < cols; k += 32) store_f(yr, k, k < n ? __expf(load_f(xr, k) - m) * inv : 0.0f);
  }
}

template <typename T>
__global__ void softmax_backward_kernel(T* dx, const T* y, const T* dy, int64_t rows, int64_t cols) {
  const int lane = threadIdx.x & 31;
  for (int64_t r = blockIdx.x * (int64_t)kWarps + (threadIdx.x >> 5); r < rows; r += (int64_t)gridDim.x * kWarps) {
    const T* yr = y + r * cols;
    const T* dyr = dy + r * cols;
    float dot = 0.0f;
    for (int64_t k = lane; k < cols; k += 32) dot += load_f(yr, k) * load_f(dyr, k);
    for (int o = 16; o > 0; o >>= 1) dot += __shfl_xor_sync(0xffffffffu, dot, o);
    for (int64_t k = lane; k < cols; k += 32) store_f(dx + r * cols, k, load_f(yr, k) * (load_f(dyr, k) - dot));
  }
}

unsigned grid_for_rows(int64_t rows) {
  int64_t b = (rows + kWarps - 1) / kWarps;
  if (b > 65535LL * 16) b = 65535LL * 16;
  return (unsigned)(b < 1 ? 1 : b);
}

bool valid(int d) { return d == S4J_F32 || d == S4J_BF16; }

}  // namespace

extern "C" {

S4J_API int s4j_softmax_forward_cuda(void* out, const void* x, int64_t rows, int64_t cols, int causal, int dtype,
                                     void* stream) {
  S4J_CHECK_ARG(rows >= 0 && cols >= 0 && valid(dtype));
  if (rows == 0 || cols == 0) return S4J_OK;
  S4J_CHECK_ARG(out && x);
  cudaStream_t s = (cudaStream_t)stream;
  if (dtype == S4J_F32)
    softmax_forward_kernel<float><<<grid_for_rows(rows), kWarps * 32, 0, s>>>((float*)out, (const float*)x, rows,
                                                                              cols, causal);
  else
    softmax_forward_kernel<bf16><<<grid_for_rows(rows), kWarps * 32, 0, s>>>((bf16*)out, (const bf16*)x, rows, cols,
                                                                             causal);
  return s4j::check_launch();
}

S4J_API int s4j_softmax_backward_cuda(void* dx, const void* y, const void* dy, int64_t rows, int64_t cols, int dtype,
                                      void* stream) {
  S4J_CHECK_ARG(rows >= 0 && cols >= 0 && valid(dtype));
  if (rows == 0 || cols == 0) return S4J_OK;
  S4J_CHECK_ARG(dx && y && dy);
  cudaStream_t s = (cudaStream_t)stream;
  if (dtype == S4J_F32)
    softmax_backward_kernel<float><<<grid_for_rows(rows), kWarps * 32, 0, s>>>((float*)dx, (const float*)y,
                                                                               (const float*)dy, rows, cols);
  else
    softmax_backward_kernel<bf16><<<grid_for_rows(rows), kWarps * 32, 0, s>>>((bf16*)dx, (const bf16*)y,
                                                                              (const bf16*)dy, rows, cols);
  return s4j::check_launch();
}

}  // extern "C"
