/* Embedding lookup and its scatter-add backward, with an optional vocab range for vocab-parallel tables.
 * Ids are int32. The table holds rows for ids [vocab_start, vocab_end) (rows = vocab_end - vocab_start).
 * strict != 0: every id must lie in the range, otherwise the kernel reports it through bad_id, an optional
 * int32[2] (host memory for CPU, device memory for CUDA) that sets bad_id[0] = 1 and bad_id[1] = the id. CPU also
 * returns S4J_ERR_INVALID_ARGUMENT and writes nothing; CUDA returns S4J_OK (the check is on the device), writes a
 * zero row for the bad id (forward) or skips it (backward), and the caller reads the flag after the stream).
 * strict == 0 (vocab-parallel, Megatron's VocabParallelEmbedding): ids outside the range give zero rows (forward)
 * and contribute nothing (backward). */
#ifndef SHARD4J_EMBEDDING_H
#define SHARD4J_EMBEDDING_H

#include <stdint.h>
#include "shard4j/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Forward: out[i, :] = table[ids[i] - vocab_start, :] for i < n_ids; out is (n_ids, dim), table (rows, dim), both of
 * dtype (f32 or bf16; bf16 is copied exactly). */
S4J_API int s4j_embedding_forward_cpu(void* out, const void* table, const int32_t* ids, int32_t* bad_id, int64_t n_ids,
                                      int64_t dim, int64_t vocab_start, int64_t vocab_end, int strict, int dtype);
S4J_API int s4j_embedding_forward_cuda(void* out, const void* table, const int32_t* ids, int32_t* bad_id,
                                       int64_t n_ids, int64_t dim, int64_t vocab_start, int64_t vocab_end, int strict,
                                       int dtype, void* stream);

/* Backward: dtable[ids[i] - vocab_start, :] += dout[i, :]; dtable is f32 (rows, dim) and accumulates (zero it first);
 * dout is (n_ids, dim) of dout_dtype. CPU is deterministic (threads split the channel dimension and each visits the
 * ids in order); CUDA uses atomicAdd, so the summation order of repeated ids varies from run to run. */
S4J_API int s4j_embedding_backward_cpu(float* dtable, const void* dout, const int32_t* ids, int32_t* bad_id,
                                       int64_t n_ids, int64_t dim, int64_t vocab_start, int64_t vocab_end, int strict,
                                       int dout_dtype);
S4J_API int s4j_embedding_backward_cuda(float* dtable, const void* dout, const int32_t* ids, int32_t* bad_id,
                                        int64_t n_ids, int64_t dim, int64_t vocab_start, int64_t vocab_end, int strict,
                                        int dout_dtype, void* stream);

#ifdef __cplusplus
}
#endif
#endif
