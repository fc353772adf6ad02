// Internal helpers shared by the CPU kernel files: bf16 conversion, argument checks, threading thresholds.
#ifndef SHARD4J_CPU_COMMON_H
#define SHARD4J_CPU_COMMON_H

#include <cstdint>
#include <cstring>
#include <omp.h>
#include "shard4j/status.h"

namespace s4j {

// Round-to-nearest-even fp32 -> bf16 (NaN stays NaN), and the exact bf16 -> fp32 widening.
inline uint16_t f32_to_bf16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40);
  u += 0x7fffu + ((u >> 16) & 1u);
  return (uint16_t)(u >> 16);
}
inline float bf16_to_f32(uint16_t h) {
  uint32_t u = (uint32_t)h << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

// Typed element access used by kernels templated on the storage type (float or bf16 bits).
using bf16 = uint16_t;
inline float ld(const float* p, int64_t i) { return p[i]; }
inline float ld(const bf16* p, int64_t i) { return bf16_to_f32(p[i]); }
inline void st(float* p, int64_t i, float v) { p[i] = v; }
inline void st(bf16* p, int64_t i, float v) { p[i] = f32_to_bf16(v); }

inline bool valid_dtype(int dtype) { return dtype == S4J_F32 || dtype == S4J_BF16; }
inline int64_t dtype_size(int dtype) { return dtype == S4J_BF16 ? 2 : 4; }

// Work below this many elements runs on one thread: waking the pool costs more than it saves.
constexpr int64_t kParallelGrain = 1 << 15;

inline int threads_for(int64_t work) {
  if (work < kParallelGrain) return 1;
  int t = omp_get_max_threads();
  int64_t by_work = work / kParallelGrain;
  return (int)(by_work < t ? (by_work < 1 ? 1 : by_work) : t);
}

}  // namespace s4j

// Loops compiled for AVX-512, AVX2 + FMA and portable x86-64; the loader picks one at run time. (A clone list entry
// "avx2,fma" would make two clones, one per feature, so the AVX2+FMA level is named as an architecture. It must be
// the ISA level x86-64-v3, which the loader selects by CPU features: "arch=haswell" is selected by CPU model, so it
// never ran on AMD or on later Intel cores without AVX-512, which fell back to the portable clone.)
#define S4J_CLONES __attribute__((target_clones("avx512f", "arch=x86-64-v3", "default")))

#define S4J_CHECK_ARG(cond) \
  do {                      \
    if (!(cond)) return S4J_ERR_INVALID_ARGUMENT; \
  } while (0)

#endif
