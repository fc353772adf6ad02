// Reductions (see shard4j/reduce.h). Every output element is owned by one thread and accumulated in a fixed
// order, so results never depend on the thread count.
#include "shard4j/reduce.h"

#include <cmath>
#include <new>

#include "cpu_common.h"


namespace {

using s4j::bf16;
using s4j::ld;
using s4j::st;

constexpr int64_t kTile = 512;  // inner columns per task

// acc[i] (+)= x[k, i] over k in [0, n), rows of stride `inner`, for i in [0, w).
template <typename T>
S4J_CLONES void col_sum(float* acc, const T* x, int64_t n, int64_t inner, int64_t w) {
  for (int64_t i = 0; i < w; ++i) acc[i] = 0.0f;
  for (int64_t k = 0; k < n; ++k) {
    const T* r = x + k * inner;
#pragma omp simd
    for (int64_t i = 0; i < w; ++i) acc[i] += ld(r, i);
  }
}
// Sum of a contiguous row in index order per SIMD lane (16 lanes, fixed), lanes combined in a fixed order.
template <typename T>
S4J_CLONES float row_sum(const T* x, int64_t n) {
  float lanes[16] = {0};
  int64_t k = 0;
  for (; k + 16 <= n; k += 16) {
#pragma omp simd
    for (int j = 0; j < 16; ++j) lanes[j] += ld(x, k + j);
  }
  for (int j = 0; k < n; ++k, ++j) lanes[j] += ld(x, k);
  float s = 0.0f;
  for (int j = 0; j < 16; ++j) s += lanes[j];
  return s;
}
inline float fmax_nan(float a, float b) { return (a != a || a > b) ? a : ((b != b) ? b : (a > b ? a : b)); }
template <typename T>
S4J_CLONES void col_max(float* acc, const T* x, int64_t n, int64_t inner, int64_t w) {
  for (int64_t i = 0; i < w; ++i) acc[i] = ld(x, i);
  for (int64_t k = 1; k < n; ++k) {
    const T* r = x + k * inner;
#pragma omp simd
    for (int64_t i = 0; i < w; ++i) {
      const float v = ld(r, i);
      acc[i] = (acc[i] != acc[i] || acc[i] >= v) ? acc[i] : v;  // NaN-propagating (v NaN -> v chosen)
    }
  }
}
template <typename T>
S4J_CLONES float row_max(const T* x, int64_t n) {
  float m = ld(x, 0);
  bool nan = false;
  for (int64_t k = 0; k < n; ++k) {
    const float v = ld(x, k);
    nan |= (v != v);
    m = v > m ? v : m;
  }
  return nan ? NAN : m;
}
template <typename T>
S4J_CLONES double block_sumsq(const T* x, int64_t n) {
  double lanes[8] = {0};
  int64_t k = 0;
  for (; k + 8 <= n; k += 8) {
#pragma omp simd
    for (int j = 0; j < 8; ++j) {
      const double v = ld(x, k + j);
      lanes[j] += v * v;
    }
  }
  for (int j = 0; k < n; ++k, ++j) {
    const double v = ld(x, k);
    lanes[j] += v * v;
  }
  double s = 0.0;
  for (int j = 0; j < 8; ++j) s += lanes[j];
  return s;
}

template <typename T, bool kMax>
void axis_reduce(T* out, const T* x, int64_t outer, int64_t n, int64_t inner) {
  if (inner == 1) {
    const int threads = s4j::threads_for(outer * n);
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int64_t o = 0; o < outer; ++o) {
      if (kMax) st(out, o, row_max(x + o * n, n));
      else st(out, o, n == 0 ? 0.0f : row_sum(x + o * n, n));
    }
    return;
  }
  const int64_t tiles = (inner + kTile - 1) / kTile;
  const int threads = s4j::threads_for(outer * n * inner);
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int64_t t = 0; t < outer * tiles; ++t) {
    const int64_t o = t / tiles, i0 = (t % tiles) * kTile, w = i0 + kTile < inner ? kTile : inner - i0;
    float acc[kTile];
    if (kMax) col_max(acc, x + o * n * inner + i0, n, inner, w);
    else col_sum(acc, x + o * n * inner + i0, n, inner, w);
    for (int64_t i = 0; i < w; ++i) st(out, o * inner + i0 + i, acc[i]);
  }
}

}  // namespace

extern "C" {

S4J_API int s4j_sum_axis_cpu(void* out, const void* x, int64_t outer, int64_t n, int64_t inner, int dtype) {
  S4J_CHECK_ARG(outer >= 0 && n >= 0 && inner >= 0 && s4j::valid_dtype(dtype));
  if (outer == 0 || inner == 0) return S4J_OK;
  S4J_CHECK_ARG(out && (x || n == 0));
  if (dtype == S4J_F32) axis_reduce<float, false>((float*)out, (const float*)x, outer, n, inner);
  else axis_reduce<bf16, false>((bf16*)out, (const bf16*)x, outer, n, inner);
  return S4J_OK;
}

S4J_API int s4j_max_axis_cpu(void* out, const void* x, int64_t outer, int64_t n, int64_t inner, int dtype) {
  S4J_CHECK_ARG(outer >= 0 && n >= 1 && inner >= 0 && s4j::valid_dtype(dtype));
  if (outer == 0 || inner == 0) return S4J_OK;
  S4J_CHECK_ARG(out && x);
  if (dtype == S4J_F32) axis_reduce<float, true>((float*)out, (const float*)x, outer, n, inner);
  else axis_reduce<bf16, true>((bf16*)out, (const bf16*)x, outer, n, inner);
  return S4J_OK;
}

S4J_API int s4j_sum_squares_cpu(float* out, const void* x, int64_t n, int dtype) {
  S4J_CHECK_ARG(out && n >= 0 && s4j::valid_dtype(dtype) && (x || n == 0));
  constexpr int64_t kBlock = 4096;
  const int64_t blocks = (n + kBlock - 1) / kBlock;
  double total = 0.0;
  // Block sums in double, combined in block order: fixed summation tree for a given n.
  const int threads = s4j::threads_for(n);
  double* partial = new (std::nothrow) double[blocks > 0 ? blocks : 1];
  if (!partial) return S4J_ERR_OUT_OF_MEMORY;
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int64_t b = 0; b < blocks; ++b) {
    const int64_t s = b * kBlock, w = s + kBlock < n ? kBlock : n - s;
    partial[b] = dtype == S4J_F32 ? block_sumsq((const float*)x + s, w) : block_sumsq((const bf16*)x + s, w);
  }
  for (int64_t b = 0; b < blocks; ++b) total += partial[b];
  delete[] partial;
  *out = (float)total;
  return S4J_OK;
}

S4J_API int s4j_max_all_cpu(float* out, const void* x, int64_t n, int dtype) {
  S4J_CHECK_ARG(out && n >= 1 && x && s4j::valid_dtype(dtype));
  constexpr int64_t kBlock = 1 << 16;
  const int64_t blocks = (n + kBlock - 1) / kBlock;
  float* partial = new (std::nothrow) float[blocks];
  if (!partial) return S4J_ERR_OUT_OF_MEMORY;
  const int threads = s4j::threads_for(n);
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int64_t b = 0; b < blocks; ++b) {
    const int64_t s = b * kBlock, w = s + kBlock < n ? kBlock : n - s;
    partial[b] = dtype == S4J_F32 ? row_max((const float*)x + s, w) : row_max((const bf16*)x + s, w);
  }
  float m = partial[0];
  for (int64_t b = 1; b < blocks; ++b) m = fmax_nan(m, partial[b]);
  delete[] partial;
  *out = m;
  return S4J_OK;
}

}  // extern "C"
