// CUDA elementwise kernels (see shard4j/elementwise.h): grid-stride loops with coalesced loads; the dbias of the
// fused bias+GELU backward is a column reduction in shared memory with a fixed order (deterministic).
#include "shard4j/elementwise.h"

#include "cuda_common.cuh"

namespace {

using s4j::load_f;
using s4j::store_f;
using bf16 = __nv_bfloat16;

constexpr int kThreads = 256;
constexpr float kGeluC = 0.7978845608028654f;
constexpr float kGeluA = 0.044715f;

// The CPU kernel's formulation (native/cpu/fast_math.h), so both devices compute the same function with the same
// limits: gelu(x) = x * sigmoid(z), z = 2u, with e = exp(-|z|) so nothing cancels or overflows; gelu(+inf) = +inf,
// gelu(-inf) = -0, gelu'(+inf) = 1, gelu'(-inf) = 0, NaN propagates.
constexpr float kGeluSaturate = 20.0f;

__device__ __forceinline__ float gelu_f(float x) {
  const float z = 2.0f * kGeluC * (x + kGeluA * x * x * x);
  const float e = __expf(-fabsf(z));
  const float y = (z >= 0.0f ? x : x * e) / (1.0f + e);
  return x < -kGeluSaturate ? -0.0f : y;
}
__device__ __forceinline__ float gelu_grad_f(float x) {
  const float x2 = x * x;
  const float z = 2.0f * kGeluC * (x + kGeluA * x2 * x);
  const float dz = 2.0f * kGeluC * (1.0f + 3.0f * kGeluA * x2);
  const float e = __expf(-fabsf(z));
  const float d = 1.0f + e;
  const float g = ((z >= 0.0f ? 1.0f : e) * d + x * dz * e) / (d * d);
  return x > kGeluSaturate ? 1.0f : (x < -kGeluSaturate ? 0.0f : g);
}

// op: 0 add, 1 sub, 2 mul, 3 scale (alpha * a), 4 axpy (out = out + alpha * a), 5 gelu, 6 gelu backward (a = x, b = dy)
template <int OP, typename T>
__global__ void pointwise_kernel(T* out, const T* a, const T* b, float alpha, int64_t n) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
    const float x = load_f(a, i);
    float r;
    if (OP == 0) r = x + load_f(b, i);
    else if (OP == 1) r = x - load_f(b, i);
    else if (OP == 2) r = x * load_f(b, i);
    else if (OP == 3) r = alpha * x;
    else if (OP == 4) r = load_f(out, i) + alpha * x;
    else if (OP == 5) r = gelu_f(x);
    else r = load_f(b, i) * gelu_grad_f(x);
    store_f(out, i, r);
  }
}

template <int OP>
int launch_pointwise(void* out, const void* a, const void* b, float alpha, int64_t n, int dtype, void* stream) {
  S4J_CHECK_ARG(n >= 0 && (dtype == S4J_F32 || dtype == S4J_BF16));
  if (n == 0) return S4J_OK;
  S4J_CHECK_ARG(out && a && (b || OP >= 3 && OP != 6));
  cudaStream_t s = (cudaStream_t)stream;
  const unsigned grid = s4j::blocks_for(n, kThreads);
  if (dtype == S4J_F32)
    pointwise_kernel<OP, float><<<grid, kThreads, 0, s>>>((float*)out, (const float*)a, (const float*)b, alpha, n);
  else
    pointwise_kernel<OP, bf16><<<grid, kThreads, 0, s>>>((bf16*)out, (const bf16*)a, (const bf16*)b, alpha, n);
  return s4j::check_launch();
}

// mode 0: out = x + bias; mode 1: out = gelu(x + bias) (pre optional); mode 2: out (= dx) = dy * gelu'(x + bias).
template <int MODE, typename T, typename B>
__global__ void bias_kernel(T* out, T* pre, const T* x, const B* bias, const T* dy, int64_t rows, int64_t cols) {
  const int64_t n = rows * cols;
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
    const float v = load_f(x, i) + load_f(bias, i % cols);
    if (MODE == 0) {
      store_f(out, i, v);
    } else if (MODE == 1) {
      if (pre) store_f(pre, i, v);
      store_f(out, i, gelu_f(v));
    } else {
      store_f(out, i, load_f(dy, i) * gelu_grad_f(v));
    }
  }
}

// dbias[c] += sum_r g[r, c]: block (32, 8) owns 32 columns; thread (tx, ty) sums rows ty, ty+8, ... in order, then
// the 8 partials are added in ty order. Fixed order: deterministic.
template <typename T>
__global__ void column_sum_kernel(float* dbias, const T* g, int64_t rows, int64_t cols) {
  __shared__ float part[8][33];
  const int64_t c = blockIdx.x * 32 + threadIdx.x;
  float acc = 0.0f;
  if (c < cols)
    for (int64_t r = threadIdx.y; r < rows; r += 8) acc += load_f(g, r * cols + c);
  part[threadIdx.y][threadIdx.x] = acc;
  __syncthreads();
  if (threadIdx.y == 0 && c < cols) {
    float s = 0.0f;
    for (int k = 0; k < 8; ++k) s += part[k][threadIdx.x];
    dbias[c] += s;
  }
}

template <int MODE>
int launch_bias(void* out, void* pre, const void* x, const void* bias, const void* dy, int64_t rows, int64_t cols,
                int dtype, int bias_dtype, cudaStream_t s) {
  const int64_t n = rows * cols;
  const unsigned grid = s4j::blocks_for(n, kThreads);
  if (dtype == S4J_F32 && bias_dtype == S4J_F32)
    bias_kernel<MODE, float, float><<<grid, kThreads, 0, s>>>((float*)out, (float*)pre, (const float*)x,
                                                               (const float*)bias, (const float*)dy, rows, cols);
  else if (dtype == S4J_F32)
    bias_kernel<MODE, float, bf16><<<grid, kThreads, 0, s>>>((float*)out, (float*)pre, (const float*)x,
                                                              (const bf16*)bias, (const float*)dy, rows, cols);
  else if (bias_dtype == S4J_F32)
    bias_kernel<MODE, bf16, float><<<grid, kThreads, 0, s>>>((bf16*)out, (bf16*)pre, (const bf16*)x,
                                                              (const float*)bias, (const bf16*)dy, rows, cols);
  else
    bias_kernel<MODE, bf16, bf16><<<grid, kThreads, 0, s>>>((bf16*)out, (bf16*)pre, (const bf16*)x,
                                                             (const bf16*)bias, (const bf16*)dy, rows, cols);
  return s4j::check_launch();
}

bool valid(int d) { return d == S4J_F32 || d == S4J_BF16; }

}  // namespace

extern "C" {

S4J_API int s4j_add_cuda(void* out, const void* a, const void* b, int64_t n, int dtype, void* stream) {
  return launch_pointwise<0>(out, a, b, 0.0f, n, dtype, stream);
}
S4J_API int s4j_sub_cuda(void* out, const void* a, const void* b, int64_t n, int dtype, void* stream) {
  return launch_pointwise<1>(out, a, b, 0.0f, n, dtype, stream);
}
S4J_API int s4j_mul_cuda(void* out, const void* a, const void* b, int64_t n, int dtype, void* stream) {
  return launch_pointwise<2>(out, a, b, 0.0f, n, dtype, stream);
}
S4J_API int s4j_scale_cuda(void* out, const void* x, float alpha, int64_t n, int dtype, void* stream) {
  return launch_pointwise<3>(out, x, nullptr, alpha, n, dtype, stream);
}
S4J_API int s4j_axpy_cuda(void* y, const void* x, float alpha, int64_t n, int dtype, void* stream) {
  return launch_pointwise<4>(y, x, nullptr, alpha, n, dtype, stream);
}
S4J_API int s4j_gelu_forward_cuda(void* out, const void* x, int64_t n, int dtype, void* stream) {
  return launch_pointwise<5>(out, x, nullptr, 0.0f, n, dtype, stream);
}
S4J_API int s4j_gelu_backward_cuda(void* dx, const void* x, const void* dy, int64_t n, int dtype, void* stream) {
  return launch_pointwise<6>(dx, x, dy, 0.0f, n, dtype, stream);
}

S4J_API int s4j_bias_add_cuda(void* out, const void* x, const void* bias, int64_t rows, int64_t cols, int dtype,
                              int bias_dtype, void* stream) {
  S4J_CHECK_ARG(rows >= 0 && cols >= 0 && valid(dtype) && valid(bias_dtype));
  if (rows == 0 || cols == 0) return S4J_OK;
  S4J_CHECK_ARG(out && x && bias);
  return launch_bias<0>(out, nullptr, x, bias, nullptr, rows, cols, dtype, bias_dtype, (cudaStream_t)stream);
}

S4J_API int s4j_bias_gelu_forward_cuda(void* out, void* pre, const void* x, const void* bias, int64_t rows,
                                       int64_t cols, int dtype, int bias_dtype, void* stream) {
  S4J_CHECK_ARG(rows >= 0 && cols >= 0 && valid(dtype) && valid(bias_dtype));
  if (rows == 0 || cols == 0) return S4J_OK;
  S4J_CHECK_ARG(out && x && bias);
  return launch_bias<1>(out, pre, x, bias, nullptr, rows, cols, dtype, bias_dtype, (cudaStream_t)stream);
}

S4J_API int s4j_bias_gelu_backward_cuda(void* dx, float* dbias, const void* x, const void* bias, const void* dy,
                                        int64_t rows, int64_t cols, int dtype, int bias_dtype, void* stream) {
  S4J_CHECK_ARG(rows >= 0 && cols >= 0 && valid(dtype) && valid(bias_dtype));
  if (rows == 0 || cols == 0) return S4J_OK;
  S4J_CHECK_ARG(dx && x && bias && dy);
  cudaStream_t s = (cudaStream_t)stream;
  int st = launch_bias<2>(dx, nullptr, x, bias, dy, rows, cols, dtype, bias_dtype, s);
  if (st != S4J_OK || !dbias) return st;
  const dim3 block(32, 8);
  const unsigned grid = (unsigned)((cols + 31) / 32);
  if (dtype == S4J_F32) column_sum_kernel<float><<<grid, block, 0, s>>>(dbias, (const float*)dx, rows, cols);
  else column_sum_kernel<bf16><<<grid, block, 0, s>>>(dbias, (const bf16*)dx, rows, cols);
  return s4j::check_launch();
}

}  // extern "C"
