// Seeded random initialisation on the GPU (see shard4j/init.h): the per-element math is the shared code of
// native/cpu/init_math.h, built from correctly rounded intrinsics, so values match the CPU kernels bit for bit.
#include "shard4j/init.h"

#include "cuda_common.cuh"
#include "../cpu/init_math.h"

namespace {

enum Kind { kUniform, kNormal, kTrunc, kArange };

struct Params {
  uint64_t seed, offset;
  float a, b, c, d;
  double start, step;
};

template <typename T, int K>
__global__ void init_kernel(T* out, int64_t n, Params p) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
    float v;
    if (K == kUniform) v = s4j_init::uniform_at(i, p.offset, p.seed, p.a, p.b);
    else if (K == kNormal) v = s4j_init::ffma(p.b, s4j_init::normal_at(i, p.offset, p.seed), p.a);
    else if (K == kTrunc) v = s4j_init::trunc_normal_at(i, p.offset, p.seed, p.a, p.b, p.c, p.d);
    else v = s4j_init::arange_f(i, p.start, p.step);
    s4j::store_f(out, i, v);
  }
}

__global__ void arange_i32(int32_t* out, int64_t n, int64_t start, int64_t step) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x)
    out[i] = (int32_t)(start + i * step);
}

template <int K>
int launch(void* out, int64_t n, int dtype, const Params& p, void* stream) {
  S4J_CHECK_ARG(n >= 0 && (dtype == S4J_F32 || dtype == S4J_BF16));
  if (n == 0) return S4J_OK;
  S4J_CHECK_ARG(out != nullptr);
  cudaStream_t s = (cudaStream_t)stream;
  if (dtype == S4J_F32)
    init_kernel<float, K><<<s4j::blocks_for(n, 256), 256, 0, s>>>((float*)out, n, p);
  else
    init_kernel<__nv_bfloat16, K><<<s4j::blocks_for(n, 256), 256, 0, s>>>((__nv_bfloat16*)out, n, p);
  return s4j::check_launch();
}

}  // namespace

extern "C" S4J_API int s4j_init_uniform_cuda(void* out, int64_t n, uint64_t seed, uint64_t offset, float lo, float hi,
                                             int dtype, void* stream) {
  Params p{seed, offset, lo, hi, 0, 0, 0, 0};
  return launch<kUniform>(out, n, dtype, p, stream);
}

extern "C" S4J_API int s4j_init_normal_cuda(void* out, int64_t n, uint64_t seed, uint64_t offset, float mean,
                                            float std, int dtype, void* stream) {
  Params p{seed, offset, mean, std, 0, 0, 0, 0};
  return launch<kNormal>(out, n, dtype, p, stream);
}

extern "C" S4J_API int s4j_init_trunc_normal_cuda(void* out, int64_t n, uint64_t seed, uint64_t offset, float mean,
                                                  float std, float a, float b, int dtype, void* stream) {
  S4J_CHECK_ARG(a <= b);
  Params p{seed, offset, mean, std, a, b, 0, 0};
  return launch<kTrunc>(out, n, dtype, p, stream);
}

extern "C" S4J_API int s4j_arange_cuda(void* out, int64_t n, double start, double step, int dtype, void* stream) {
  if (dtype == S4J_I32) {
    S4J_CHECK_ARG(n >= 0);
    if (n == 0) return S4J_OK;
    S4J_CHECK_ARG(out != nullptr);
    arange_i32<<<s4j::blocks_for(n, 256), 256, 0, (cudaStream_t)stream>>>((int32_t*)out, n, (int64_t)start,
                                                                           (int64_t)step);
    return s4j::check_launch();
  }
  Params p{0, 0, 0, 0, 0, 0, start, step};
  return launch<kArange>(out, n, dtype, p, stream);
}
