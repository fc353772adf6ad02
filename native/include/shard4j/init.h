/* Seeded random initialisation with a counter-based generator (Philox4x32-10, key = seed, counter = element
 * block + offset): every element's value depends only on (seed, offset, index), so CPU and CUDA kernels give
 * bit-identical results for any thread count. Transcendentals use shared polynomial code built only from correctly
 * rounded +, *, fma, / and sqrt. Results are written to out as f32 or bf16 (rounded). */
#ifndef SHARD4J_INIT_H
#define SHARD4J_INIT_H

#include <stdint.h>
#include "shard4j/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* out[i] = lo + (hi - lo) * u_i with u_i uniform in [0, 1) on a 2^-24 grid. */
S4J_API int s4j_init_uniform_cpu(void* out, int64_t n, uint64_t seed, uint64_t offset, float lo, float hi, int dtype);
S4J_API int s4j_init_uniform_cuda(void* out, int64_t n, uint64_t seed, uint64_t offset, float lo, float hi, int dtype,
                                  void* stream);

/* out[i] = mean + std * z_i, z standard normal by Box-Muller (elements 2j and 2j+1 share one Philox block). */
S4J_API int s4j_init_normal_cpu(void* out, int64_t n, uint64_t seed, uint64_t offset, float mean, float std,
                                int dtype);
S4J_API int s4j_init_normal_cuda(void* out, int64_t n, uint64_t seed, uint64_t offset, float mean, float std,
                                 int dtype, void* stream);

/* Truncated normal: z drawn as in init_normal but redrawn (from fresh counters, up to 32 tries, then clamped) until
 * a <= mean + std * z <= b, as torch.nn.init.trunc_normal_ bounds it. */
S4J_API int s4j_init_trunc_normal_cpu(void* out, int64_t n, uint64_t seed, uint64_t offset, float mean, float std,
                                      float a, float b, int dtype);
S4J_API int s4j_init_trunc_normal_cuda(void* out, int64_t n, uint64_t seed, uint64_t offset, float mean, float std,
                                       float a, float b, int dtype, void* stream);

/* out[i] = start + i * step (f32 computed as fma(i, step, start); bf16 rounded; S4J_I32 as int32 start + i * step). */
S4J_API int s4j_arange_cpu(void* out, int64_t n, double start, double step, int dtype);
S4J_API int s4j_arange_cuda(void* out, int64_t n, double start, double step, int dtype, void* stream);

#ifdef __cplusplus
}
#endif
#endif
