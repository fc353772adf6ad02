// Row-wise softmax (see shard4j/softmax.h). Rows are split across threads; each row is processed in L1/L2-resident
// passes (max, exp + sum, scale), so the row is read from memory once and written once.
#include "shard4j/softmax.h"

#include <cmath>
#include <type_traits>

#include "cpu_common.h"
#include "fast_math.h"


namespace {

using s4j::bf16;
using s4j::ld;
using s4j::st;

// out[0, n) = softmax(x[0, n)); out[n, cols) = 0 (masked). Three passes over a row that stays in L1/L2: max,
// exp(x - max) with the sum, then the scaling. f32 rows keep exp(x - max) in out between the last two passes (one
// exp per element); bf16 rows recompute it in the last pass so the result is rounded to bf16 only once.
template <typename T>
S4J_CLONES void softmax_row(T* out, const T* x, int64_t n, int64_t cols) {
  float mx = -INFINITY;
#pragma omp simd reduction(max : mx)
  for (int64_t i = 0; i < n; ++i) {
    const float v = ld(x, i);
    mx = v > mx ? v : mx;
  }
  float sum = 0.0f;
  if constexpr (std::is_same<T, float>::value) {
#pragma omp simd reduction(+ : sum)
    for (int64_t i = 0; i < n; ++i) {
      const float e = s4j::fast_exp(x[i] - mx);
      out[i] = e;
      sum += e;
    }
    const float inv = 1.0f / sum;
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) out[i] *= inv;
  } else {
#pragma omp simd reduction(+ : sum)
    for (int64_t i = 0; i < n; ++i) sum += s4j::fast_exp(ld(x, i) - mx);
    const float inv = 1.0f / sum;
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) st(out, i, s4j::fast_exp(ld(x, i) - mx) * inv);
  }
  for (int64_t i = n; i < cols; ++i) st(out, i, 0.0f);
}

template <typename T>
S4J_CLONES void softmax_bwd_row(T* dx, const T* y, const T* dy, int64_t n) {
  float dot = 0.0f;
#pragma omp simd reduction(+ : dot)
  for (int64_t i = 0; i < n; ++i) dot += ld(y, i) * ld(dy, i);
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    const float yi = ld(y, i);
    st(dx, i, yi * (ld(dy, i) - dot));
  }
}

template <typename T>
void forward(T* out, const T* x, int64_t rows, int64_t cols, int causal) {
  const int threads = s4j::threads_for(rows * cols);
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t n = causal ? (r % cols) + 1 : cols;
    softmax_row(out + r * cols, x + r * cols, n, cols);
  }
}
template <typename T>
void backward(T* dx, const T* y, const T* dy, int64_t rows, int64_t cols) {
  const int threads = s4j::threads_for(rows * cols);
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int64_t r = 0; r < rows; ++r) softmax_bwd_row(dx + r * cols, y + r * cols, dy + r * cols, cols);
}

}  // namespace

extern "C" {

S4J_API int s4j_softmax_forward_cpu(void* out, const void* x, int64_t rows, int64_t cols, int causal, int dtype) {
  S4J_CHECK_ARG(rows >= 0 && cols >= 0 && s4j::valid_dtype(dtype));
  if (rows == 0 || cols == 0) return S4J_OK;
  S4J_CHECK_ARG(out && x);
  if (dtype == S4J_F32) forward((float*)out, (const float*)x, rows, cols, causal);
  else forward((bf16*)out, (const bf16*)x, rows, cols, causal);
  return S4J_OK;
}

S4J_API int s4j_softmax_backward_cpu(void* dx, const void* y, const void* dy, int64_t rows, int64_t cols, int dtype) {
  S4J_CHECK_ARG(rows >= 0 && cols >= 0 && s4j::valid_dtype(dtype));
  if (rows == 0 || cols == 0) return S4J_OK;
  S4J_CHECK_ARG(dx && y && dy);
  if (dtype == S4J_F32) backward((float*)dx, (const float*)y, (const float*)dy, rows, cols);
  else backward((bf16*)dx, (const bf16*)y, (const bf16*)dy, rows, cols);
  return S4J_OK;
}

}  // extern "C"
