/* Layout kernels used by sharding: transpose, slice, concat, split, gather (index_select), fill.
 * Tensors are contiguous; an axis splits a tensor into [outer, d, inner]. dtype is f32 or bf16 (also S4J_I32 for the
 * pure copies: slice, concat, split, gather, transpose, which move 4-byte elements). */
#ifndef SHARD4J_TENSOR_OPS_H
#define SHARD4J_TENSOR_OPS_H

#include <stdint.h>
#include "shard4j/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* out (b, c, r) = transpose of the last two dims of in (b, r, c). */
S4J_API int s4j_transpose_last2_cpu(void* out, const void* in, int64_t b, int64_t r, int64_t c, int dtype);
S4J_API int s4j_transpose_last2_cuda(void* out, const void* in, int64_t b, int64_t r, int64_t c, int dtype,
                                     void* stream);

/* out [outer, len, inner] = in [outer, d, inner] restricted to [start, start + len) on the middle axis. */
S4J_API int s4j_slice_cpu(void* out, const void* in, int64_t outer, int64_t d, int64_t inner, int64_t start,
                          int64_t len, int dtype);
S4J_API int s4j_slice_cuda(void* out, const void* in, int64_t outer, int64_t d, int64_t inner, int64_t start,
                           int64_t len, int dtype, void* stream);

/* out [outer, sum(dims), inner] = concat of k inputs [outer, dims[i], inner]; inputs holds k addresses. */
S4J_API int s4j_concat_cpu(void* out, const int64_t* inputs, const int64_t* dims, int k, int64_t outer, int64_t inner,
                           int dtype);
S4J_API int s4j_concat_cuda(void* out, const int64_t* inputs, const int64_t* dims, int k, int64_t outer, int64_t inner,
                            int dtype, void* stream);

/* Inverse of concat: k outputs [outer, dims[i], inner] (addresses in outputs) from in [outer, sum(dims), inner]. */
S4J_API int s4j_split_cpu(const int64_t* outputs, const void* in, const int64_t* dims, int k, int64_t outer,
                          int64_t inner, int dtype);
S4J_API int s4j_split_cuda(const int64_t* outputs, const void* in, const int64_t* dims, int k, int64_t outer,
                           int64_t inner, int dtype, void* stream);

/* index_select: out [outer, n_idx, inner] with out[o, j, :] = in[o, idx[j], :]; idx int32 in [0, d). A bad index sets
 * bad_idx[0] = 1, bad_idx[1] = the index (bad_idx: optional int32[2], host for CPU, device for CUDA, zero on entry);
 * CPU also returns S4J_ERR_INVALID_ARGUMENT and writes nothing, CUDA writes zeros for that slice and returns S4J_OK. */
S4J_API int s4j_gather_cpu(void* out, const void* in, const int32_t* idx, int32_t* bad_idx, int64_t outer, int64_t d,
                           int64_t inner, int64_t n_idx, int dtype);
S4J_API int s4j_gather_cuda(void* out, const void* in, const int32_t* idx, int32_t* bad_idx, int64_t outer, int64_t d,
                            int64_t inner, int64_t n_idx, int dtype, void* stream);

/* out[i] = value for i < n (rounded once to bf16 for bf16; for S4J_I32 the value is converted to int32). */
S4J_API int s4j_fill_cpu(void* out, int64_t n, float value, int dtype);
S4J_API int s4j_fill_cuda(void* out, int64_t n, float value, int dtype, void* stream);

#ifdef __cplusplus
}
#endif
#endif
