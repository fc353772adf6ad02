// Cross-entropy with a stable log-softmax, and the vocab-parallel pieces (see shard4j/crossentropy.h).
#include "shard4j/crossentropy.h"

#include <cmath>
#include <limits>

#include "cpu_common.h"

namespace {

template <typename T> inline float ld(const T* p, int64_t i);
template <> inline float ld<float>(const float* p, int64_t i) { return p[i]; }
template <> inline float ld<uint16_t>(const uint16_t* p, int64_t i) { return s4j::bf16_to_f32(p[i]); }
inline void st(float* p, int64_t i, float v) { p[i] = v; }
inline void st(uint16_t* p, int64_t i, float v) { p[i] = s4j::f32_to_bf16(v); }

template <typename T>
float row_max(const T* x, int64_t v) {
  float m = -std::numeric_limits<float>::infinity();
#pragma omp simd reduction(max : m)
  for (int64_t c = 0; c < v; ++c) m = std::max(m, ld(x, c));
  return m;
}

template <typename T>
float row_sumexp(const T* x, int64_t v, float m) {
  float s = 0.0f;
#pragma omp simd reduction(+ : s)
  for (int64_t c = 0; c < v; ++c) s += std::exp(ld(x, c) - m);
  return s;
}

template <typename T>
int forward(float* loss, float* lse, const T* x, const int32_t* t, int64_t n, int64_t v, int64_t ignore) {
  for (int64_t r = 0; r < n; ++r)
    if (t[r] != ignore && (t[r] < 0 || t[r] >= v)) return S4J_ERR_INVALID_ARGUMENT;
#pragma omp parallel for num_threads(s4j::threads_for(n * v * 4)) schedule(static)
  for (int64_t r = 0; r < n; ++r) {
    const T* xr = x + r * v;
    const float m = row_max(xr, v);
    const float l = m + std::log(row_sumexp(xr, v, m));
    if (lse) lse[r] = l;
    loss[r] = t[r] == ignore ? 0.0f : l - ld(xr, t[r]);
  }
  return S4J_OK;
}

// Shared backward: p = exp(x - shift) * inv; d = (p - onehot) * g.
template <typename T>
void backward_rows(T* dx, const T* x, const float* shift, const float* inv_sum, const int32_t* t, const float* dloss,
                   int64_t dstride, float scale, int64_t n, int64_t v, int64_t offset, int64_t ignore) {
#pragma omp parallel for num_threads(s4j::threads_for(n * v * 4)) schedule(static)
  for (int64_t r = 0; r < n; ++r) {
    const T* xr = x + r * v;
    T* dr = dx + r * v;
    if (t[r] == ignore) {
      for (int64_t c = 0; c < v; ++c) st(dr, c, 0.0f);
      continue;
    }
    const float g = dloss[r * dstride] * scale;
    const float s = shift[r], inv = inv_sum ? 1.0f / inv_sum[r] : 1.0f;
#pragma omp simd
    for (int64_t c = 0; c < v; ++c) st(dr, c, std::exp(ld(xr, c) - s) * inv * g);
    const int64_t tc = (int64_t)t[r] - offset;
    if (tc >= 0 && tc < v) st(dr, tc, (std::exp(ld(xr, tc) - s) * inv - 1.0f) * g);
  }
}

bool dt_ok(int dtype) { return dtype == S4J_F32 || dtype == S4J_BF16; }

}  // namespace

extern "C" S4J_API int s4j_cross_entropy_forward_cpu(float* loss, float* lse, const void* logits,
                                                     const int32_t* targets, int64_t n, int64_t v,
                                                     int64_t ignore_index, int dtype) {
  S4J_CHECK_ARG(n >= 0 && v > 0 && dt_ok(dtype));
  if (n == 0) return S4J_OK;
  S4J_CHECK_ARG(loss && logits && targets);
  return dtype == S4J_F32 ? forward(loss, lse, (const float*)logits, targets, n, v, ignore_index)
                          : forward(loss, lse, (const uint16_t*)logits, targets, n, v, ignore_index);
}

extern "C" S4J_API int s4j_cross_entropy_backward_cpu(void* dlogits, const void* logits, const float* lse,
                                                      const int32_t* targets, const float* dloss,
                                                      int64_t dloss_stride, float scale, int64_t n, int64_t v,
                                                      int64_t ignore_index, int dtype) {
  S4J_CHECK_ARG(n >= 0 && v > 0 && dt_ok(dtype) && dloss_stride >= 0);
  if (n == 0) return S4J_OK;
  S4J_CHECK_ARG(dlogits && logits && lse && targets && dloss);
  for (int64_t r = 0; r < n; ++r)
    S4J_CHECK_ARG(targets[r] == ignore_index || (targets[r] >= 0 && targets[r] < v));
  if (dtype == S4J_F32)
    backward_rows((float*)dlogits, (const float*)logits, lse, nullptr, targets, dloss, dloss_stride, scale, n, v, 0,
                  ignore_index);
  else
    backward_rows((uint16_t*)dlogits, (const uint16_t*)logits, lse, nullptr, targets, dloss, dloss_stride, scale, n,
                  v, 0, ignore_index);
  return S4J_OK;
}

extern "C" S4J_API int s4j_vp_cross_entropy_local_max_cpu(float* out, const void* logits, int64_t n, int64_t v,
                                                          int dtype) {
  S4J_CHECK_ARG(n >= 0 && v > 0 && dt_ok(dtype));
  if (n == 0) return S4J_OK;
  S4J_CHECK_ARG(out && logits);
#pragma omp parallel for num_threads(s4j::threads_for(n * v)) schedule(static)
  for (int64_t r = 0; r < n; ++r)
    out[r] = dtype == S4J_F32 ? row_max((const float*)logits + r * v, v) : row_max((const uint16_t*)logits + r * v, v);
  return S4J_OK;
}

extern "C" S4J_API int s4j_vp_cross_entropy_local_stats_cpu(float* sum_exp, float* target_logit, const void* logits,
                                                            const float* global_max, const int32_t* targets,
                                                            int64_t n, int64_t v, int64_t vocab_start, int dtype) {
  S4J_CHECK_ARG(n >= 0 && v > 0 && vocab_start >= 0 && dt_ok(dtype));
  if (n == 0) return S4J_OK;
  S4J_CHECK_ARG(sum_exp && target_logit && logits && global_max && targets);
#pragma omp parallel for num_threads(s4j::threads_for(n * v * 4)) schedule(static)
  for (int64_t r = 0; r < n; ++r) {
    const int64_t tc = (int64_t)targets[r] - vocab_start;
    if (dtype == S4J_F32) {
      const float* xr = (const float*)logits + r * v;
      sum_exp[r] = row_sumexp(xr, v, global_max[r]);
      target_logit[r] = (tc >= 0 && tc < v) ? xr[tc] : 0.0f;
    } else {
      const uint16_t* xr = (const uint16_t*)logits + r * v;
      sum_exp[r] = row_sumexp(xr, v, global_max[r]);
      target_logit[r] = (tc >= 0 && tc < v) ? s4j::bf16_to_f32(xr[tc]) : 0.0f;
    }
  }
  return S4J_OK;
}

extern "C" S4J_API int s4j_vp_cross_entropy_backward_cpu(void* dlogits, const void* logits, const float* global_max,
                                                         const float* global_sum, const int32_t* targets,
                                                         const float* dloss, int64_t dloss_stride, float scale,
                                                         int64_t n, int64_t v, int64_t vocab_start,
                                                         int64_t ignore_index, int dtype) {
  S4J_CHECK_ARG(n >= 0 && v > 0 && vocab_start >= 0 && dt_ok(dtype) && dloss_stride >= 0);
  if (n == 0) return S4J_OK;
  S4J_CHECK_ARG(dlogits && logits && global_max && global_sum && targets && dloss);
  if (dtype == S4J_F32)
    backward_rows((float*)dlogits, (const float*)logits, global_max, global_sum, targets, dloss, dloss_stride, scale,
                  n, v, vocab_start, ignore_index);
  else
    backward_rows((uint16_t*)dlogits, (const uint16_t*)logits, global_max, global_sum, targets, dloss, dloss_stride,
                  scale, n, v, vocab_start, ignore_index);
  return S4J_OK;
}
