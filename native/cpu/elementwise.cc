// Elementwise kernels (see shard4j/elementwise.h). Each op is a simple loop compiled three times by target_clones
// (AVX-512, AVX2+FMA, portable) and run over fixed-size chunks by an OpenMP team.
#include "shard4j/elementwise.h"

#include "cpu_common.h"
#include "fast_math.h"


namespace {

using s4j::bf16;
using s4j::ld;
using s4j::st;

constexpr int64_t kChunk = 16384;

// Runs body(begin, end) over [0, n) in kChunk pieces on a team sized by s4j::threads_for.
template <typename F>
void parallel_chunks(int64_t n, F body) {
  const int64_t chunks = (n + kChunk - 1) / kChunk;
  const int threads = s4j::threads_for(n);
  if (threads <= 1) {
    body(0, n);
    return;
  }
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int64_t c = 0; c < chunks; ++c) {
    const int64_t b = c * kChunk, e = b + kChunk < n ? b + kChunk : n;
    body(b, e);
  }
}

enum class Bin { kAdd, kSub, kMul };

#define DEFINE_BINARY(NAME, EXPR)                                                               \
  template <typename T>                                                                         \
  S4J_CLONES void NAME##_loop(T* __restrict o, const T* a, const T* b, int64_t n) {             \
    _Pragma("omp simd") for (int64_t i = 0; i < n; ++i) {                                       \
      const float x = ld(a, i), y = ld(b, i);                                                   \
      st(o, i, EXPR);                                                                           \
    }                                                                                           \
  }
DEFINE_BINARY(add, x + y)
DEFINE_BINARY(sub, x - y)
DEFINE_BINARY(mul, x * y)

template <typename T>
S4J_CLONES void scale_loop(T* o, const T* x, float alpha, int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) st(o, i, alpha * ld(x, i));
}
template <typename T>
S4J_CLONES void axpy_loop(T* y, const T* x, float alpha, int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) st(y, i, ld(y, i) + alpha * ld(x, i));
}
template <typename T>
S4J_CLONES void gelu_fwd_loop(T* o, const T* x, int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) st(o, i, s4j::gelu_f(ld(x, i)));
}
template <typename T>
S4J_CLONES void gelu_bwd_loop(T* dx, const T* x, const T* dy, int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) st(dx, i, ld(dy, i) * s4j::gelu_grad_f(ld(x, i)));
}
template <typename T, typename B>
S4J_CLONES void bias_add_row(T* o, const T* x, const B* bias, int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) st(o, i, ld(x, i) + ld(bias, i));
}
template <typename T, typename B>
S4J_CLONES void bias_gelu_row(T* o, T* pre, const T* x, const B* bias, int64_t n) {
  if (pre) {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) {
      const float v = ld(x, i) + ld(bias, i);
      st(pre, i, v);
      st(o, i, s4j::gelu_f(v));
    }
  } else {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) st(o, i, s4j::gelu_f(ld(x, i) + ld(bias, i)));
  }
}
template <typename T, typename B>
S4J_CLONES void bias_gelu_bwd_row(T* dx, const T* x, const B* bias, const T* dy, int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) st(dx, i, ld(dy, i) * s4j::gelu_grad_f(ld(x, i) + ld(bias, i)));
}
// acc[c] += rows of src[r, c0 + c] for c in [0, n): column sums in ascending row order.
template <typename T>
S4J_CLONES void column_sum(float* acc, const T* src, int64_t rows, int64_t ld_src, int64_t n) {
  for (int64_t r = 0; r < rows; ++r) {
    const T* s = src + r * ld_src;
#pragma omp simd
    for (int64_t c = 0; c < n; ++c) acc[c] += ld(s, c);
  }
}

template <typename T>
int binary(Bin op, void* out, const void* a, const void* b, int64_t n) {
  T* o = (T*)out;
  const T* pa = (const T*)a;
  const T* pb = (const T*)b;
  parallel_chunks(n, [&](int64_t s, int64_t e) {
    if (op == Bin::kAdd) add_loop(o + s, pa + s, pb + s, e - s);
    else if (op == Bin::kSub) sub_loop(o + s, pa + s, pb + s, e - s);
    else mul_loop(o + s, pa + s, pb + s, e - s);
  });
  return S4J_OK;
}

int binary_entry(Bin op, void* out, const void* a, const void* b, int64_t n, int dtype) {
  S4J_CHECK_ARG(n >= 0 && s4j::valid_dtype(dtype));
  if (n == 0) return S4J_OK;
  S4J_CHECK_ARG(out && a && b);
  return dtype == S4J_F32 ? binary<float>(op, out, a, b, n) : binary<bf16>(op, out, a, b, n);
}

// Runs body(row_begin, row_end) over rows, each thread taking a contiguous block of rows.
template <typename F>
void parallel_rows(int64_t rows, int64_t cols, F body) {
  const int threads = s4j::threads_for(rows * cols);
  if (threads <= 1) {
    body(0, rows);
    return;
  }
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int64_t r = 0; r < rows; ++r) body(r, r + 1);
}

template <typename T, typename B>
void bias_add_t(void* out, const void* x, const void* bias, int64_t rows, int64_t cols) {
  parallel_rows(rows, cols, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r)
      bias_add_row((T*)out + r * cols, (const T*)x + r * cols, (const B*)bias, cols);
  });
}
template <typename T, typename B>
void bias_gelu_fwd_t(void* out, void* pre, const void* x, const void* bias, int64_t rows, int64_t cols) {
  parallel_rows(rows, cols, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r)
      bias_gelu_row((T*)out + r * cols, pre ? (T*)pre + r * cols : (T*)nullptr, (const T*)x + r * cols,
                    (const B*)bias, cols);
  });
}
template <typename T, typename B>
void bias_gelu_bwd_t(void* dx, float* dbias, const void* x, const void* bias, const void* dy, int64_t rows,
                     int64_t cols) {
  parallel_rows(rows, cols, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r)
      bias_gelu_bwd_row((T*)dx + r * cols, (const T*)x + r * cols, (const B*)bias, (const T*)dy + r * cols, cols);
  });
  if (!dbias) return;
  // Column blocks: each thread owns whole columns and adds rows in order, so the result is thread-count independent.
  constexpr int64_t kCols = 256;
  const int64_t blocks = (cols + kCols - 1) / kCols;
  const int threads = s4j::threads_for(rows * cols);
#pragma omp parallel for num_threads(threads < blocks ? threads : (int)blocks) schedule(static)
  for (int64_t b = 0; b < blocks; ++b) {
    const int64_t c0 = b * kCols, nc = c0 + kCols < cols ? kCols : cols - c0;
    float acc[kCols] = {0};
    column_sum(acc, (const T*)dx + c0, rows, cols, nc);
    for (int64_t c = 0; c < nc; ++c) dbias[c0 + c] += acc[c];
  }
}

template <template <typename, typename> class Fn, typename... Args>
int by_types(int dtype, int bias_dtype, Args... args) {
  if (dtype == S4J_F32 && bias_dtype == S4J_F32) Fn<float, float>::run(args...);
  else if (dtype == S4J_F32) Fn<float, bf16>::run(args...);
  else if (bias_dtype == S4J_F32) Fn<bf16, float>::run(args...);
  else Fn<bf16, bf16>::run(args...);
  return S4J_OK;
}
template <typename T, typename B> struct BiasAdd { template <typename... A> static void run(A... a) { bias_add_t<T, B>(a...); } };
template <typename T, typename B> struct BiasGeluF { template <typename... A> static void run(A... a) { bias_gelu_fwd_t<T, B>(a...); } };
template <typename T, typename B> struct BiasGeluB { template <typename... A> static void run(A... a) { bias_gelu_bwd_t<T, B>(a...); } };

}  // namespace

extern "C" {

S4J_API int s4j_add_cpu(void* out, const void* a, const void* b, int64_t n, int dtype) {
  return binary_entry(Bin::kAdd, out, a, b, n, dtype);
}
S4J_API int s4j_sub_cpu(void* out, const void* a, const void* b, int64_t n, int dtype) {
  return binary_entry(Bin::kSub, out, a, b, n, dtype);
}
S4J_API int s4j_mul_cpu(void* out, const void* a, const void* b, int64_t n, int dtype) {
  return binary_entry(Bin::kMul, out, a, b, n, dtype);
}

S4J_API int s4j_scale_cpu(void* out, const void* x, float alpha, int64_t n, int dtype) {
  S4J_CHECK_ARG(n >= 0 && s4j::valid_dtype(dtype));
  if (n == 0) return S4J_OK;
  S4J_CHECK_ARG(out && x);
  parallel_chunks(n, [&](int64_t s, int64_t e) {
    if (dtype == S4J_F32) scale_loop((float*)out + s, (const float*)x + s, alpha, e - s);
    else scale_loop((bf16*)out + s, (const bf16*)x + s, alpha, e - s);
  });
  return S4J_OK;
}

S4J_API int s4j_axpy_cpu(void* y, const void* x, float alpha, int64_t n, int dtype) {
  S4J_CHECK_ARG(n >= 0 && s4j::valid_dtype(dtype));
  if (n == 0) return S4J_OK;
  S4J_CHECK_ARG(y && x);
  parallel_chunks(n, [&](int64_t s, int64_t e) {
    if (dtype == S4J_F32) axpy_loop((float*)y + s, (const float*)x + s, alpha, e - s);
    else axpy_loop((bf16*)y + s, (const bf16*)x + s, alpha, e - s);
  });
  return S4J_OK;
}

S4J_API int s4j_gelu_forward_cpu(void* out, const void* x, int64_t n, int dtype) {
  S4J_CHECK_ARG(n >= 0 && s4j::valid_dtype(dtype));
  if (n == 0) return S4J_OK;
  S4J_CHECK_ARG(out && x);
  parallel_chunks(n, [&](int64_t s, int64_t e) {
    if (dtype == S4J_F32) gelu_fwd_loop((float*)out + s, (const float*)x + s, e - s);
    else gelu_fwd_loop((bf16*)out + s, (const bf16*)x + s, e - s);
  });
  return S4J_OK;
}

S4J_API int s4j_gelu_backward_cpu(void* dx, const void* x, const void* dy, int64_t n, int dtype) {
  S4J_CHECK_ARG(n >= 0 && s4j::valid_dtype(dtype));
  if (n == 0) return S4J_OK;
  S4J_CHECK_ARG(dx && x && dy);
  parallel_chunks(n, [&](int64_t s, int64_t e) {
    if (dtype == S4J_F32) gelu_bwd_loop((float*)dx + s, (const float*)x + s, (const float*)dy + s, e - s);
    else gelu_bwd_loop((bf16*)dx + s, (const bf16*)x + s, (const bf16*)dy + s, e - s);
  });
  return S4J_OK;
}

S4J_API int s4j_bias_add_cpu(void* out, const void* x, const void* bias, int64_t rows, int64_t cols, int dtype,
                             int bias_dtype) {
  S4J_CHECK_ARG(rows >= 0 && cols >= 0 && s4j::valid_dtype(dtype) && s4j::valid_dtype(bias_dtype));
  if (rows == 0 || cols == 0) return S4J_OK;
  S4J_CHECK_ARG(out && x && bias);
  return by_types<BiasAdd>(dtype, bias_dtype, out, x, bias, rows, cols);
}

S4J_API int s4j_bias_gelu_forward_cpu(void* out, void* pre, const void* x, const void* bias, int64_t rows,
                                      int64_t cols, int dtype, int bias_dtype) {
  S4J_CHECK_ARG(rows >= 0 && cols >= 0 && s4j::valid_dtype(dtype) && s4j::valid_dtype(bias_dtype));
  if (rows == 0 || cols == 0) return S4J_OK;
  S4J_CHECK_ARG(out && x && bias);
  return by_types<BiasGeluF>(dtype, bias_dtype, out, pre, x, bias, rows, cols);
}

S4J_API int s4j_bias_gelu_backward_cpu(void* dx, float* dbias, const void* x, const void* bias, const void* dy,
                                       int64_t rows, int64_t cols, int dtype, int bias_dtype) {
  S4J_CHECK_ARG(rows >= 0 && cols >= 0 && s4j::valid_dtype(dtype) && s4j::valid_dtype(bias_dtype));
  if (rows == 0 || cols == 0) return S4J_OK;
  S4J_CHECK_ARG(dx && x && bias && dy);
  return by_types<BiasGeluB>(dtype, bias_dtype, dx, dbias, x, bias, dy, rows, cols);
}

}  // extern "C"
