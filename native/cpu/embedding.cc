// Embedding lookup and scatter-add backward (see shard4j/embedding.h).
#include "shard4j/embedding.h"

#include "cpu_common.h"

namespace {

// Validates ids against the range; returns the index of the first bad id, or -1.
int64_t first_bad(const int32_t* ids, int64_t n, int64_t lo, int64_t hi, int strict) {
  for (int64_t i = 0; i < n; ++i) {
    const int64_t id = ids[i];
    if (id < 0 || (strict && (id < lo || id >= hi))) return i;
  }
  return -1;
}

S4J_CLONES
void add_row_f32(float* __restrict d, const float* __restrict s, int64_t n) {
#pragma omp simd
  for (int64_t j = 0; j < n; ++j) d[j] += s[j];
}

S4J_CLONES
void add_row_bf16(float* __restrict d, const uint16_t* __restrict s, int64_t n) {
#pragma omp simd
  for (int64_t j = 0; j < n; ++j) {
    const uint32_t u = (uint32_t)s[j] << 16;
    float f;
    std::memcpy(&f, &u, 4);
    d[j] += f;
  }
}

}  // namespace

extern "C" S4J_API int s4j_embedding_forward_cpu(void* out, const void* table, const int32_t* ids, int32_t* bad_id,
                                                 int64_t n_ids, int64_t dim, int64_t vocab_start, int64_t vocab_end,
                                                 int strict, int dtype) {
  S4J_CHECK_ARG(n_ids >= 0 && dim >= 0 && vocab_start >= 0 && vocab_end >= vocab_start);
  S4J_CHECK_ARG(dtype == S4J_F32 || dtype == S4J_BF16);
  if (n_ids == 0) return S4J_OK;
  S4J_CHECK_ARG(out && ids && (table || vocab_end == vocab_start));
  const int64_t bad = first_bad(ids, n_ids, vocab_start, vocab_end, strict);
  if (bad >= 0) {
    if (bad_id) {
      bad_id[0] = 1;
      bad_id[1] = ids[bad];
    }
    return S4J_ERR_INVALID_ARGUMENT;
  }
  const int64_t es = s4j::dtype_size(dtype), row = dim * es;
  const char* t = (const char*)table;
  char* o = (char*)out;
#pragma omp parallel for num_threads(s4j::threads_for(n_ids * dim)) schedule(static)
  for (int64_t i = 0; i < n_ids; ++i) {
    const int64_t id = ids[i];
    if (id >= vocab_start && id < vocab_end)
      std::memcpy(o + i * row, t + (id - vocab_start) * row, (size_t)row);
    else
      std::memset(o + i * row, 0, (size_t)row);
  }
  return S4J_OK;
}

extern "C" S4J_API int s4j_embedding_backward_cpu(float* dtable, const void* dout, const int32_t* ids, int32_t* bad_id,
                                                  int64_t n_ids, int64_t dim, int64_t vocab_start, int64_t vocab_end,
                                                  int strict, int dout_dtype) {
  S4J_CHECK_ARG(n_ids >= 0 && dim >= 0 && vocab_start >= 0 && vocab_end >= vocab_start);
  S4J_CHECK_ARG(dout_dtype == S4J_F32 || dout_dtype == S4J_BF16);
  if (n_ids == 0 || dim == 0) return S4J_OK;
  S4J_CHECK_ARG(dout && ids && (dtable || vocab_end == vocab_start));
  const int64_t bad = first_bad(ids, n_ids, vocab_start, vocab_end, strict);
  if (bad >= 0) {
    if (bad_id) {
      bad_id[0] = 1;
      bad_id[1] = ids[bad];
    }
    return S4J_ERR_INVALID_ARGUMENT;
  }
  // Deterministic: each thread owns a block of channels and visits the ids in order, so every dtable element is
  // summed in id order regardless of the thread count. Channel blocks are 64 floats (a cache line multiple).
  constexpr int64_t kBlock = 64;
  const int64_t blocks = (dim + kBlock - 1) / kBlock;
  int threads = s4j::threads_for(n_ids * dim);
  if (threads > blocks) threads = (int)blocks;
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int64_t b = 0; b < blocks; ++b) {
    const int64_t c0 = b * kBlock, len = dim - c0 < kBlock ? dim - c0 : kBlock;
    for (int64_t i = 0; i < n_ids; ++i) {
      const int64_t id = ids[i];
      if (id < vocab_start || id >= vocab_end) continue;
      float* d = dtable + (id - vocab_start) * dim + c0;
      if (dout_dtype == S4J_F32)
        add_row_f32(d, (const float*)dout + i * dim + c0, len);
      else
        add_row_bf16(d, (const uint16_t*)dout + i * dim + c0, len);
    }
  }
  return S4J_OK;
}
