// Internal helpers shared by the CUDA kernel files: error capture, launch geometry, bf16 conversion.
#ifndef SHARD4J_CUDA_COMMON_CUH
#define SHARD4J_CUDA_COMMON_CUH

#include <cuda_runtime.h>
#include <cuda_bf16.h>
#include <cstdint>
#include "shard4j/status.h"

namespace s4j {

// Remembers the last CUDA error on this host thread and maps it to a status code.
int record_cuda_error(cudaError_t err);

inline int check_launch() { return record_cuda_error(cudaGetLastError()); }

inline unsigned blocks_for(int64_t n, int threads) {
  int64_t b = (n + threads - 1) / threads;
  if (b > 65535LL * 32) b = 65535LL * 32;  // grid-stride loops cover the rest
  return (unsigned)(b < 1 ? 1 : b);
}

__device__ __forceinline__ float load_f(const float* p, int64_t i) { return p[i]; }
__device__ __forceinline__ float load_f(const __nv_bfloat16* p, int64_t i) { return __bfloat162float(p[i]); }
__device__ __forceinline__ void store_f(float* p, int64_t i, float v) { p[i] = v; }
__device__ __forceinline__ void store_f(__nv_bfloat16* p, int64_t i, float v) { p[i] = __float2bfloat16_rn(v); }

}  // namespace s4j

#define S4J_CUDA_TRY(expr)                                   \
  do {                                                       \
    int _s = s4j::record_cuda_error(expr);                   \
    if (_s != S4J_OK) return _s;                             \
  } while (0)

#define S4J_CHECK_ARG(cond) \
  do {                      \
    if (!(cond)) return S4J_ERR_INVALID_ARGUMENT; \
  } while (0)

#endif
