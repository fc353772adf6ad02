// Strided copy with dtype conversion (see shard4j/copy.h): one thread per output element, coalesced writes.
#include "shard4j/copy.h"
#include "cuda_common.cuh"

namespace {

struct Layout {
  int ndim;
  int64_t shape[S4J_MAX_DIMS];
  int64_t strides[S4J_MAX_DIMS];
};

template <typename D, typename S>
__global__ void copy_strided_kernel(D* dst, const S* src, Layout layout, int64_t n) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
    int64_t rem = i, off = 0;
    for (int d = layout.ndim - 1; d >= 0; --d) {
      off += (rem % layout.shape[d]) * layout.strides[d];
      rem /= layout.shape[d];
    }
    s4j::store_f(dst, i, s4j::load_f(src, off));
  }
}

template <typename D, typename S>
int launch(void* dst, const void* src, const Layout& layout, int64_t n, cudaStream_t stream) {
  copy_strided_kernel<D, S><<<s4j::blocks_for(n, 256), 256, 0, stream>>>((D*)dst, (const S*)src, layout, n);
  return s4j::check_launch();
}

}  // namespace

extern "C" S4J_API int s4j_copy_strided_cuda(void* dst, int dst_dtype, const void* src, int src_dtype, int ndim,
                                             const int64_t* shape, const int64_t* src_strides, void* stream) {
  S4J_CHECK_ARG((dst_dtype == S4J_F32 || dst_dtype == S4J_BF16) && (src_dtype == S4J_F32 || src_dtype == S4J_BF16));
  S4J_CHECK_ARG(ndim >= 0 && ndim <= S4J_MAX_DIMS && (ndim == 0 || (shape && src_strides)));
  Layout layout{};
  layout.ndim = ndim;
  int64_t n = 1;
  for (int i = 0; i < ndim; ++i) {
    S4J_CHECK_ARG(shape[i] >= 0);
    layout.shape[i] = shape[i];
    layout.strides[i] = src_strides[i];
    n *= shape[i];
  }
  if (n == 0) return S4J_OK;
  cudaStream_t s = (cudaStream_t)stream;
  if (dst_dtype == S4J_F32 && src_dtype == S4J_F32) return launch<float, float>(dst, src, layout, n, s);
  if (dst_dtype == S4J_BF16 && src_dtype == S4J_BF16) return launch<__nv_bfloat16, __nv_bfloat16>(dst, src, layout, n, s);
  if (dst_dtype == S4J_BF16) return launch<__nv_bfloat16, float>(dst, src, layout, n, s);
  return launch<float, __nv_bfloat16>(dst, src, layout, n, s);
}
