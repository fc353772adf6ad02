// Embedding lookup and scatter-add backward on the GPU (see shard4j/embedding.h). One block row per id, threads
// along the channel dimension (coalesced). Out-of-range ids are flagged on the device (bad_id) and give zero rows
// or no gradient. The backward uses atomicAdd: repeated ids are summed in a nondeterministic order.
#include "shard4j/embedding.h"

#include "cuda_common.cuh"

namespace {

__device__ __forceinline__ bool check_id(int64_t id, int64_t lo, int64_t hi, int strict, int32_t* bad_id) {
  const bool bad = id < 0 || (strict && (id < lo || id >= hi));
  if (bad && bad_id) {
    if (atomicCAS(bad_id, 0, 1) == 0) bad_id[1] = (int32_t)id;
  }
  return !bad && id >= lo && id < hi;
}

template <typename T>
__global__ void forward_kernel(T* out, const T* table, const int32_t* ids, int32_t* bad_id, int64_t n, int64_t dim,
                               int64_t lo, int64_t hi, int strict) {
  for (int64_t i = blockIdx.x; i < n; i += gridDim.x) {
    const int64_t id = ids[i];
    const bool ok = check_id(id, lo, hi, strict, threadIdx.x == 0 ? bad_id : nullptr);
    T* o = out + i * dim;
    if (ok) {
      const T* t = table + (id - lo) * dim;
      for (int64_t c = threadIdx.x; c < dim; c += blockDim.x) o[c] = t[c];
    } else {
      for (int64_t c = threadIdx.x; c < dim; c += blockDim.x) s4j::store_f(o, c, 0.0f);
    }
  }
}

template <typename T>
__global__ void backward_kernel(float* dtable, const T* dout, const int32_t* ids, int32_t* bad_id, int64_t n,
                                int64_t dim, int64_t lo, int64_t hi, int strict) {
  for (int64_t i = blockIdx.x; i < n; i += gridDim.x) {
    const int64_t id = ids[i];
    const bool ok = check_id(id, lo, hi, strict, threadIdx.x == 0 ? bad_id : nullptr);
    if (!ok) continue;
    float* d = dtable + (id - lo) * dim;
    const T* g = dout + i * dim;
    for (int64_t c = threadIdx.x; c < dim; c += blockDim.x) atomicAdd(d + c, s4j::load_f(g, c));
  }
}

unsigned grid_rows(int64_t n) { return (unsigned)(n < 65535LL * 16 ? n : 65535LL * 16); }
int block_for(int64_t dim) { return dim >= 256 ? 256 : (dim >= 128 ? 128 : (dim > 32 ? 64 : 32)); }

}  // namespace

extern "C" S4J_API int s4j_embedding_forward_cuda(void* out, const void* table, const int32_t* ids, int32_t* bad_id,
                                                  int64_t n_ids, int64_t dim, int64_t vocab_start, int64_t vocab_end,
                                                  int strict, int dtype, void* stream) {
  S4J_CHECK_ARG(n_ids >= 0 && dim >= 0 && vocab_start >= 0 && vocab_end >= vocab_start);
  S4J_CHECK_ARG(dtype == S4J_F32 || dtype == S4J_BF16);
  if (n_ids == 0) return S4J_OK;
  S4J_CHECK_ARG(out && ids && (table || vocab_end == vocab_start));
  cudaStream_t s = (cudaStream_t)stream;
  if (dtype == S4J_F32)
    forward_kernel<<<grid_rows(n_ids), block_for(dim), 0, s>>>((float*)out, (const float*)table, ids, bad_id, n_ids,
                                                               dim, vocab_start, vocab_end, strict);
  else
    forward_kernel<<<grid_rows(n_ids), block_for(dim), 0, s>>>((__nv_bfloat16*)out, (const __nv_bfloat16*)table, ids,
                                                               bad_id, n_ids, dim, vocab_start, vocab_end, strict);
  return s4j::check_launch();
}

extern "C" S4J_API int s4j_embedding_backward_cuda(float* dtable, const void* dout, const int32_t* ids,
                                                   int32_t* bad_id, int64_t n_ids, int64_t dim, int64_t vocab_start,
                                                   int64_t vocab_end, int strict, int dout_dtype, void* stream) {
  S4J_CHECK_ARG(n_ids >= 0 && dim >= 0 && vocab_start >= 0 && vocab_end >= vocab_start);
  S4J_CHECK_ARG(dout_dtype == S4J_F32 || dout_dtype == S4J_BF16);
  if (n_ids == 0 || dim == 0) return S4J_OK;
  S4J_CHECK_ARG(dout && ids && (dtable || vocab_end == vocab_start));
  cudaStream_t s = (cudaStream_t)stream;
  if (dout_dtype == S4J_F32)
    backward_kernel<<<grid_rows(n_ids), block_for(dim), 0, s>>>(dtable, (const float*)dout, ids, bad_id, n_ids, dim,
                                                                vocab_start, vocab_end, strict);
  else
    backward_kernel<<<grid_rows(n_ids), block_for(dim), 0, s>>>(dtable, (const __nv_bfloat16*)dout, ids, bad_id,
                                                                n_ids, dim, vocab_start, vocab_end, strict);
  return s4j::check_launch();
}
