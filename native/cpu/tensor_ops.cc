// Layout kernels used by sharding (see shard4j/tensor_ops.h): transpose, slice, concat, split, gather, fill.
#include "shard4j/tensor_ops.h"

#include "cpu_common.h"

namespace {

bool copy_dtype(int d) { return d == S4J_F32 || d == S4J_BF16 || d == S4J_I32; }
int64_t esize(int d) { return d == S4J_BF16 ? 2 : 4; }

// rows copies of `bytes` bytes: dst + r * dst_pitch <- src + r * src_pitch.
void copy_rows(char* dst, int64_t dst_pitch, const char* src, int64_t src_pitch, int64_t rows, int64_t bytes) {
  if (rows == 0 || bytes == 0) return;
#pragma omp parallel for num_threads(s4j::threads_for(rows * bytes / 4)) schedule(static)
  for (int64_t r = 0; r < rows; ++r) std::memcpy(dst + r * dst_pitch, src + r * src_pitch, (size_t)bytes);
}

// Cache-blocked transpose of each (r, c) matrix: 32x32 tiles keep both the read and the write side in L1.
template <typename T>
void transpose(T* out, const T* in, int64_t b, int64_t r, int64_t c) {
  constexpr int64_t kT = 32;
  const int64_t tr = (r + kT - 1) / kT, tc = (c + kT - 1) / kT, tiles = b * tr * tc;
#pragma omp parallel for num_threads(s4j::threads_for(b * r * c)) schedule(static)
  for (int64_t t = 0; t < tiles; ++t) {
    const int64_t bi = t / (tr * tc), rem = t % (tr * tc);
    const int64_t r0 = (rem / tc) * kT, c0 = (rem % tc) * kT;
    const int64_t r1 = r0 + kT < r ? r0 + kT : r, c1 = c0 + kT < c ? c0 + kT : c;
    const T* src = in + bi * r * c;
    T* dst = out + bi * r * c;
    for (int64_t j = c0; j < c1; ++j)
      for (int64_t i = r0; i < r1; ++i) dst[j * r + i] = src[i * c + j];
  }
}

__attribute__((target_clones("avx512f", "avx2", "default")))
void fill32(uint32_t* o, int64_t n, uint32_t v) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) o[i] = v;
}
__attribute__((target_clones("avx512f", "avx2", "default")))
void fill16(uint16_t* o, int64_t n, uint16_t v) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) o[i] = v;
}

}  // namespace

extern "C" S4J_API int s4j_transpose_last2_cpu(void* out, const void* in, int64_t b, int64_t r, int64_t c, int dtype) {
  S4J_CHECK_ARG(b >= 0 && r >= 0 && c >= 0 && copy_dtype(dtype));
  if (b * r * c == 0) return S4J_OK;
  S4J_CHECK_ARG(out && in && out != in);
  if (dtype == S4J_BF16)
    transpose((uint16_t*)out, (const uint16_t*)in, b, r, c);
  else
    transpose((uint32_t*)out, (const uint32_t*)in, b, r, c);
  return S4J_OK;
}

extern "C" S4J_API int s4j_slice_cpu(void* out, const void* in, int64_t outer, int64_t d, int64_t inner, int64_t start,
                                     int64_t len, int dtype) {
  S4J_CHECK_ARG(outer >= 0 && d >= 0 && inner >= 0 && start >= 0 && len >= 0 && start + len <= d);
  S4J_CHECK_ARG(copy_dtype(dtype));
  if (outer * len * inner == 0) return S4J_OK;
  S4J_CHECK_ARG(out && in);
  const int64_t es = esize(dtype);
  copy_rows((char*)out, len * inner * es, (const char*)in + start * inner * es, d * inner * es, outer,
            len * inner * es);
  return S4J_OK;
}

extern "C" S4J_API int s4j_concat_cpu(void* out, const int64_t* inputs, const int64_t* dims, int k, int64_t outer,
                                      int64_t inner, int dtype) {
  S4J_CHECK_ARG(k >= 0 && outer >= 0 && inner >= 0 && copy_dtype(dtype) && (k == 0 || (inputs && dims)));
  int64_t total = 0;
  for (int i = 0; i < k; ++i) {
    S4J_CHECK_ARG(dims[i] >= 0 && (dims[i] == 0 || outer * inner == 0 || inputs[i] != 0));
    total += dims[i];
  }
  if (outer * total * inner == 0) return S4J_OK;
  S4J_CHECK_ARG(out);
  const int64_t es = esize(dtype);
  int64_t off = 0;
  for (int i = 0; i < k; ++i) {
    copy_rows((char*)out + off * inner * es, total * inner * es, (const char*)inputs[i], dims[i] * inner * es, outer,
              dims[i] * inner * es);
    off += dims[i];
  }
  return S4J_OK;
}

extern "C" S4J_API int s4j_split_cpu(const int64_t* outputs, const void* in, const int64_t* dims, int k, int64_t outer,
                                     int64_t inner, int dtype) {
  S4J_CHECK_ARG(k >= 0 && outer >= 0 && inner >= 0 && copy_dtype(dtype) && (k == 0 || (outputs && dims)));
  int64_t total = 0;
  for (int i = 0; i < k; ++i) {
    S4J_CHECK_ARG(dims[i] >= 0 && (dims[i] == 0 || outer * inner == 0 || outputs[i] != 0));
    total += dims[i];
  }
  if (outer * total * inner == 0) return S4J_OK;
  S4J_CHECK_ARG(in);
  const int64_t es = esize(dtype);
  int64_t off = 0;
  for (int i = 0; i < k; ++i) {
    copy_rows((char*)outputs[i], dims[i] * inner * es, (const char*)in + off * inner * es, total * inner * es, outer,
              dims[i] * inner * es);
    off += dims[i];
  }
  return S4J_OK;
}

extern "C" S4J_API int s4j_gather_cpu(void* out, const void* in, const int32_t* idx, int32_t* bad_idx, int64_t outer,
                                      int64_t d, int64_t inner, int64_t n_idx, int dtype) {
  S4J_CHECK_ARG(outer >= 0 && d >= 0 && inner >= 0 && n_idx >= 0 && copy_dtype(dtype));
  if (n_idx == 0) return S4J_OK;
  S4J_CHECK_ARG(idx);
  for (int64_t j = 0; j < n_idx; ++j) {
    if (idx[j] < 0 || idx[j] >= d) {
      if (bad_idx) {
        bad_idx[0] = 1;
        bad_idx[1] = idx[j];
      }
      return S4J_ERR_INVALID_ARGUMENT;
    }
  }
  if (outer * inner == 0) return S4J_OK;
  S4J_CHECK_ARG(out && in);
  const int64_t es = esize(dtype), row = inner * es;
  const char* src = (const char*)in;
  char* dst = (char*)out;
#pragma omp parallel for num_threads(s4j::threads_for(outer * n_idx * inner)) schedule(static)
  for (int64_t t = 0; t < outer * n_idx; ++t) {
    const int64_t o = t / n_idx, j = t % n_idx;
    std::memcpy(dst + t * row, src + (o * d + idx[j]) * row, (size_t)row);
  }
  return S4J_OK;
}

extern "C" S4J_API int s4j_fill_cpu(void* out, int64_t n, float value, int dtype) {
  S4J_CHECK_ARG(n >= 0 && copy_dtype(dtype));
  if (n == 0) return S4J_OK;
  S4J_CHECK_ARG(out);
  uint32_t bits32;
  if (dtype == S4J_I32) {
    const int32_t iv = (int32_t)value;
    std::memcpy(&bits32, &iv, 4);
  } else {
    std::memcpy(&bits32, &value, 4);
  }
  const uint16_t bits16 = s4j::f32_to_bf16(value);
  constexpr int64_t kChunk = 1 << 16;
  const int64_t chunks = (n + kChunk - 1) / kChunk;
#pragma omp parallel for num_threads(s4j::threads_for(n / 4)) schedule(static)
  for (int64_t c = 0; c < chunks; ++c) {
    const int64_t s = c * kChunk, len = n - s < kChunk ? n - s : kChunk;
    if (dtype == S4J_BF16)
      fill16((uint16_t*)out + s, len, bits16);
    else
      fill32((uint32_t*)out + s, len, bits32);
  }
  return S4J_OK;
}
