// Layer normalization over the last dimension (see shard4j/layernorm.h), after llm.c's layernorm_forward /
// layernorm_backward. Rows are split across threads; dweight/dbias are reduced per column block in row order.
#include "shard4j/layernorm.h"

#include <cmath>

#include "cpu_common.h"


namespace {

using s4j::bf16;
using s4j::ld;
using s4j::st;

// out (C) = (x - mean) * rstd * w + b for one row; returns mean and rstd. Two-pass statistics (mean, then the
// centred sum of squares) for accuracy; the row is in L1/L2 for the second and third reads.
template <typename T>
S4J_CLONES void ln_row(T* out, float* mean_out, float* rstd_out, const T* x, const T* w, const T* b, int64_t C,
                       float eps) {
  float s = 0.0f;
#pragma omp simd reduction(+ : s)
  for (int64_t i = 0; i < C; ++i) s += ld(x, i);
  const float m = s / (float)C;
  float v = 0.0f;
#pragma omp simd reduction(+ : v)
  for (int64_t i = 0; i < C; ++i) {
    const float d = ld(x, i) - m;
    v += d * d;
  }
  const float rs = 1.0f / std::sqrt(v / (float)C + eps);
#pragma omp simd
  for (int64_t i = 0; i < C; ++i) st(out, i, (ld(x, i) - m) * rs * ld(w, i) + ld(b, i));
  *mean_out = m;
  *rstd_out = rs;
}

template <typename T>
S4J_CLONES void ln_bwd_row(T* dx, const T* dout, const T* x, const T* w, float m, float rs, int64_t C) {
  float a = 0.0f, c = 0.0f;
#pragma omp simd reduction(+ : a, c)
  for (int64_t i = 0; i < C; ++i) {
    const float g = ld(dout, i) * ld(w, i);
    a += g;
    c += g * (ld(x, i) - m) * rs;
  }
  a /= (float)C;
  c /= (float)C;
#pragma omp simd
  for (int64_t i = 0; i < C; ++i) {
    const float xh = (ld(x, i) - m) * rs;
    st(dx, i, rs * (ld(dout, i) * ld(w, i) - a - xh * c));
  }
}

// dw[c] += sum_r dout[r, c] * xhat[r, c], db[c] += sum_r dout[r, c] for c in [0, w), rows in order.
template <typename T>
S4J_CLONES void ln_param_grads(float* dw, float* db, const T* dout, const T* x, const float* mean, const float* rstd,
                               int64_t N, int64_t C, int64_t w) {
  float aw[256], ab[256];
  for (int64_t i = 0; i < w; ++i) aw[i] = ab[i] = 0.0f;
  for (int64_t r = 0; r < N; ++r) {
    const T* d = dout + r * C;
    const T* xr = x + r * C;
    const float m = mean[r], rs = rstd[r];
#pragma omp simd
    for (int64_t i = 0; i < w; ++i) {
      const float g = ld(d, i);
      aw[i] += g * (ld(xr, i) - m) * rs;
      ab[i] += g;
    }
  }
  if (dw)
    for (int64_t i = 0; i < w; ++i) dw[i] += aw[i];
  if (db)
    for (int64_t i = 0; i < w; ++i) db[i] += ab[i];
}

template <typename T>
void forward(T* out, float* mean, float* rstd, const T* x, const T* w, const T* b, int64_t N, int64_t C, float eps) {
  const int threads = s4j::threads_for(N * C);
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int64_t r = 0; r < N; ++r) {
    float m, rs;
    ln_row(out + r * C, &m, &rs, x + r * C, w, b, C, eps);
    if (mean) mean[r] = m;
    if (rstd) rstd[r] = rs;
  }
}

template <typename T>
void backward(T* dx, float* dw, float* db, const T* dout, const T* x, const T* w, const float* mean,
              const float* rstd, int64_t N, int64_t C) {
  const int threads = s4j::threads_for(N * C);
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int64_t r = 0; r < N; ++r) ln_bwd_row(dx + r * C, dout + r * C, x + r * C, w, mean[r], rstd[r], C);
  if (!dw && !db) return;
  constexpr int64_t kCols = 256;
  const int64_t blocks = (C + kCols - 1) / kCols;
#pragma omp parallel for num_threads(threads < blocks ? threads : (int)blocks) schedule(static)
  for (int64_t bk = 0; bk < blocks; ++bk) {
    const int64_t c0 = bk * kCols, wd = c0 + kCols < C ? kCols : C - c0;
    ln_param_grads(dw ? dw + c0 : nullptr, db ? db + c0 : nullptr, dout + c0, x + c0, mean, rstd, N, C, wd);
  }
}

}  // namespace

extern "C" {

S4J_API int s4j_layernorm_forward_cpu(void* out, float* mean, float* rstd, const void* x, const void* weight,
                                      const void* bias, int64_t N, int64_t C, float eps, int dtype) {
  S4J_CHECK_ARG(N >= 0 && C >= 1 && s4j::valid_dtype(dtype) && eps >= 0.0f);
  if (N == 0) return S4J_OK;
  S4J_CHECK_ARG(out && x && weight && bias);
  if (dtype == S4J_F32)
    forward((float*)out, mean, rstd, (const float*)x, (const float*)weight, (const float*)bias, N, C, eps);
  else
    forward((bf16*)out, mean, rstd, (const bf16*)x, (const bf16*)weight, (const bf16*)bias, N, C, eps);
  return S4J_OK;
}

S4J_API int s4j_layernorm_backward_cpu(void* dx, float* dweight, float* dbias, const void* dout, const void* x,
                                       const void* weight, const float* mean, const float* rstd, int64_t N,
                                       int64_t C, int dtype) {
  S4J_CHECK_ARG(N >= 0 && C >= 1 && s4j::valid_dtype(dtype));
  if (N == 0) return S4J_OK;
  S4J_CHECK_ARG(dx && dout && x && weight && mean && rstd);
  if (dtype == S4J_F32)
    backward((float*)dx, dweight, dbias, (const float*)dout, (const float*)x, (const float*)weight, mean, rstd, N, C);
  else
    backward((bf16*)dx, dweight, dbias, (const bf16*)dout, (const bf16*)x, (const bf16*)weight, mean, rstd, N, C);
  return S4J_OK;
}

}  // extern "C"
