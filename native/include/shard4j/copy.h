/* Strided copy with dtype conversion: the kernel behind Tensor.contiguous(), casts, and copies of views.
 * dst is contiguous with the given shape; src is read through src_strides (in elements, may be 0 or negative-free).
 * ndim <= 8. dst_dtype and src_dtype may differ (f32 <-> bf16, rounding to nearest even). */
#ifndef SHARD4J_COPY_H
#define SHARD4J_COPY_H

#include <stdint.h>
#include "shard4j/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define S4J_MAX_DIMS 8

S4J_API int s4j_copy_strided_cpu(void* dst, int dst_dtype, const void* src, int src_dtype, int ndim,
                                 const int64_t* shape, const int64_t* src_strides);
S4J_API int s4j_copy_strided_cuda(void* dst, int dst_dtype, const void* src, int src_dtype, int ndim,
                                  const int64_t* shape, const int64_t* src_strides, void* stream);

#ifdef __cplusplus
}
#endif
#endif
