// Strided copy with dtype conversion (see shard4j/copy.h).
#include "shard4j/copy.h"

#include "cpu_common.h"

namespace {

template <typename D, typename S>
inline D convert(S v);
template <> inline float convert<float, float>(float v) { return v; }
template <> inline uint16_t convert<uint16_t, uint16_t>(uint16_t v) { return v; }
template <> inline uint16_t convert<uint16_t, float>(float v) { return s4j::f32_to_bf16(v); }
template <> inline float convert<float, uint16_t>(uint16_t v) { return s4j::bf16_to_f32(v); }

// Copies rows of the innermost dimension; the outer index is decomposed per row so threads split rows evenly.
template <typename D, typename S>
void copy_rows(D* dst, const S* src, int ndim, const int64_t* shape, const int64_t* strides) {
  const int64_t inner = ndim == 0 ? 1 : shape[ndim - 1];
  const int64_t inner_stride = ndim == 0 ? 1 : strides[ndim - 1];
  int64_t rows = 1;
  for (int i = 0; i < ndim - 1; ++i) rows *= shape[i];
  const int threads = s4j::threads_for(rows * inner);
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int64_t r = 0; r < rows; ++r) {
    int64_t rem = r, off = 0;
    for (int i = ndim - 2; i >= 0; --i) {
      off += (rem % shape[i]) * strides[i];
      rem /= shape[i];
    }
    const S* s = src + off;
    D* d = dst + r * inner;
    if (inner_stride == 1) {
      for (int64_t j = 0; j < inner; ++j) d[j] = convert<D, S>(s[j]);
    } else {
      for (int64_t j = 0; j < inner; ++j) d[j] = convert<D, S>(s[j * inner_stride]);
    }
  }
}

}  // namespace

extern "C" S4J_API int s4j_copy_strided_cpu(void* dst, int dst_dtype, const void* src, int src_dtype, int ndim,
                                            const int64_t* shape, const int64_t* src_strides) {
  S4J_CHECK_ARG(s4j::valid_dtype(dst_dtype) && s4j::valid_dtype(src_dtype));
  S4J_CHECK_ARG(ndim >= 0 && ndim <= S4J_MAX_DIMS && (ndim == 0 || (shape && src_strides)));
  int64_t n = 1;
  for (int i = 0; i < ndim; ++i) {
    S4J_CHECK_ARG(shape[i] >= 0);
    n *= shape[i];
  }
  if (n == 0) return S4J_OK;
  S4J_CHECK_ARG(dst != nullptr && src != nullptr);
  if (dst_dtype == S4J_F32 && src_dtype == S4J_F32)
    copy_rows((float*)dst, (const float*)src, ndim, shape, src_strides);
  else if (dst_dtype == S4J_BF16 && src_dtype == S4J_BF16)
    copy_rows((uint16_t*)dst, (const uint16_t*)src, ndim, shape, src_strides);
  else if (dst_dtype == S4J_BF16)
    copy_rows((uint16_t*)dst, (const float*)src, ndim, shape, src_strides);
  else
    copy_rows((float*)dst, (const uint16_t*)src, ndim, shape, src_strides);
  return S4J_OK;
}
