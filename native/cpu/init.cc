// Seeded random initialisation (see shard4j/init.h). The per-element math lives in init_math.h, shared with the
// CUDA kernels; it is built for the portable target only (no FMA contraction of the explicit operations), so each
// element's bits depend only on (seed, offset, index), never on the thread count or the CPU.
#include "shard4j/init.h"

#include "cpu_common.h"
#include "init_math.h"

namespace {

template <typename F>
int fill_indexed(void* out, int64_t n, int dtype, int64_t cost, F f) {
  S4J_CHECK_ARG(n >= 0);
  S4J_CHECK_ARG(dtype == S4J_F32 || dtype == S4J_BF16);
  if (n == 0) return S4J_OK;
  S4J_CHECK_ARG(out != nullptr);
  const int threads = s4j::threads_for(n * cost);
  if (dtype == S4J_F32) {
    float* o = (float*)out;
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int64_t i = 0; i < n; ++i) o[i] = f((uint64_t)i);
  } else {
    uint16_t* o = (uint16_t*)out;
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int64_t i = 0; i < n; ++i) o[i] = s4j::f32_to_bf16(f((uint64_t)i));
  }
  return S4J_OK;
}

}  // namespace

extern "C" S4J_API int s4j_init_uniform_cpu(void* out, int64_t n, uint64_t seed, uint64_t offset, float lo, float hi,
                                            int dtype) {
  return fill_indexed(out, n, dtype, 8, [=](uint64_t i) { return s4j_init::uniform_at(i, offset, seed, lo, hi); });
}

extern "C" S4J_API int s4j_init_normal_cpu(void* out, int64_t n, uint64_t seed, uint64_t offset, float mean,
                                           float std, int dtype) {
  return fill_indexed(out, n, dtype, 16, [=](uint64_t i) {
    return s4j_init::ffma(std, s4j_init::normal_at(i, offset, seed), mean);
  });
}

extern "C" S4J_API int s4j_init_trunc_normal_cpu(void* out, int64_t n, uint64_t seed, uint64_t offset, float mean,
                                                 float std, float a, float b, int dtype) {
  S4J_CHECK_ARG(a <= b);
  return fill_indexed(out, n, dtype, 16, [=](uint64_t i) {
    return s4j_init::trunc_normal_at(i, offset, seed, mean, std, a, b);
  });
}

extern "C" S4J_API int s4j_arange_cpu(void* out, int64_t n, double start, double step, int dtype) {
  if (dtype == S4J_I32) {
    S4J_CHECK_ARG(n >= 0);
    if (n == 0) return S4J_OK;
    S4J_CHECK_ARG(out != nullptr);
    int32_t* o = (int32_t*)out;
    const int64_t s0 = (int64_t)start, st = (int64_t)step;
#pragma omp parallel for num_threads(s4j::threads_for(n)) schedule(static)
    for (int64_t i = 0; i < n; ++i) o[i] = (int32_t)(s0 + i * st);
    return S4J_OK;
  }
  return fill_indexed(out, n, dtype, 1, [=](uint64_t i) { return s4j_init::arange_f(i, start, step); });
}
