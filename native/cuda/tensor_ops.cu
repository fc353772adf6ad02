// Layout kernels on the GPU (see shard4j/tensor_ops.h). Transpose uses 32x32 shared-memory tiles padded to 33
// columns (no bank conflicts); row copies (slice/concat/split) and gather are grid-stride, coalesced on the inner
// dimension, moving 4-byte words when the row length and addresses allow it.
#include "shard4j/tensor_ops.h"

#include "cuda_common.cuh"

namespace {

bool copy_dtype(int d) { return d == S4J_F32 || d == S4J_BF16 || d == S4J_I32; }
int64_t esize(int d) { return d == S4J_BF16 ? 2 : 4; }

template <typename T>
__global__ void transpose_kernel(T* out, const T* in, int64_t r, int64_t c, int64_t tiles_c) {
  __shared__ T tile[32][33];
  const int64_t b = blockIdx.z;
  const int64_t r0 = (int64_t)blockIdx.y * 32, c0 = (int64_t)blockIdx.x * 32;
  const T* src = in + b * r * c;
  T* dst = out + b * r * c;
  for (int i = threadIdx.y; i < 32; i += blockDim.y) {
    const int64_t row = r0 + i, col = c0 + threadIdx.x;
    if (row < r && col < c) tile[i][threadIdx.x] = src[row * c + col];
  }
  __syncthreads();
  for (int i = threadIdx.y; i < 32; i += blockDim.y) {
    const int64_t col = c0 + i, row = r0 + threadIdx.x;  // out is (c, r)
    if (row < r && col < c) dst[col * r + row] = tile[threadIdx.x][i];
  }
}

// rows x count elements of W: dst[row * dpitch + j] = src[row * spitch + j].
template <typename W>
__global__ void copy_rows_kernel(W* dst, int64_t dpitch, const W* src, int64_t spitch, int64_t rows, int64_t count) {
  const int64_t total = rows * count;
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < total; i += (int64_t)gridDim.x * blockDim.x) {
    const int64_t row = i / count, j = i - row * count;
    dst[row * dpitch + j] = src[row * spitch + j];
  }
}

// Copies in bytes; uses 4-byte words when every pitch, offset and length is a multiple of 4.
int copy_rows(void* dst, int64_t dpitch, const void* src, int64_t spitch, int64_t rows, int64_t bytes,
              cudaStream_t s) {
  if (rows == 0 || bytes == 0) return S4J_OK;
  if (((uintptr_t)dst | (uintptr_t)src | dpitch | spitch | bytes) % 4 == 0) {
    const int64_t count = bytes / 4;
    copy_rows_kernel<<<s4j::blocks_for(rows * count, 256), 256, 0, s>>>((uint32_t*)dst, dpitch / 4,
                                                                       (const uint32_t*)src, spitch / 4, rows, count);
  } else {
    const int64_t count = bytes / 2;
    copy_rows_kernel<<<s4j::blocks_for(rows * count, 256), 256, 0, s>>>((uint16_t*)dst, dpitch / 2,
                                                                       (const uint16_t*)src, spitch / 2, rows, count);
  }
  return s4j::check_launch();
}

template <typename T>
__global__ void gather_kernel(T* out, const T* in, const int32_t* idx, int32_t* bad, int64_t outer, int64_t d,
                              int64_t inner, int64_t n_idx) {
  const int64_t total = outer * n_idx * inner;
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < total; i += (int64_t)gridDim.x * blockDim.x) {
    const int64_t k = i % inner, t = i / inner, j = t % n_idx, o = t / n_idx;
    const int64_t src = idx[j];
    if (src < 0 || src >= d) {
      if (bad && k == 0 && o == 0 && atomicCAS(bad, 0, 1) == 0) bad[1] = (int32_t)src;
      out[i] = T();
    } else {
      out[i] = in[(o * d + src) * inner + k];
    }
  }
}

template <typename T>
__global__ void fill_kernel(T* out, int64_t n, T v) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x)
    out[i] = v;
}

}  // namespace

extern "C" S4J_API int s4j_transpose_last2_cuda(void* out, const void* in, int64_t b, int64_t r, int64_t c, int dtype,
                                                void* stream) {
  S4J_CHECK_ARG(b >= 0 && r >= 0 && c >= 0 && copy_dtype(dtype));
  if (b * r * c == 0) return S4J_OK;
  S4J_CHECK_ARG(out && in && out != in);
  const int64_t tr = (r + 31) / 32, tc = (c + 31) / 32;
  S4J_CHECK_ARG(tr <= 65535 && b <= 65535);
  dim3 grid((unsigned)tc, (unsigned)tr, (unsigned)b), block(32, 8);
  cudaStream_t s = (cudaStream_t)stream;
  if (dtype == S4J_BF16)
    transpose_kernel<<<grid, block, 0, s>>>((uint16_t*)out, (const uint16_t*)in, r, c, tc);
  else
    transpose_kernel<<<grid, block, 0, s>>>((uint32_t*)out, (const uint32_t*)in, r, c, tc);
  return s4j::check_launch();
}

extern "C" S4J_API int s4j_slice_cuda(void* out, const void* in, int64_t outer, int64_t d, int64_t inner,
                                      int64_t start, int64_t len, int dtype, void* stream) {
  S4J_CHECK_ARG(outer >= 0 && d >= 0 && inner >= 0 && start >= 0 && len >= 0 && start + len <= d);
  S4J_CHECK_ARG(copy_dtype(dtype));
  if (outer * len * inner == 0) return S4J_OK;
  S4J_CHECK_ARG(out && in);
  const int64_t es = esize(dtype);
  return copy_rows(out, len * inner * es, (const char*)in + start * inner * es, d * inner * es, outer,
                   len * inner * es, (cudaStream_t)stream);
}

extern "C" S4J_API int s4j_concat_cuda(void* out, const int64_t* inputs, const int64_t* dims, int k, int64_t outer,
                                       int64_t inner, int dtype, void* stream) {
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
    const int st = copy_rows((char*)out + off * inner * es, total * inner * es, (const void*)inputs[i],
                             dims[i] * inner * es, outer, dims[i] * inner * es, (cudaStream_t)stream);
    if (st != S4J_OK) return st;
    off += dims[i];
  }
  return S4J_OK;
}

extern "C" S4J_API int s4j_split_cuda(const int64_t* outputs, const void* in, const int64_t* dims, int k,
                                      int64_t outer, int64_t inner, int dtype, void* stream) {
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
    const int st = copy_rows((void*)outputs[i], dims[i] * inner * es, (const char*)in + off * inner * es,
                             total * inner * es, outer, dims[i] * inner * es, (cudaStream_t)stream);
    if (st != S4J_OK) return st;
    off += dims[i];
  }
  return S4J_OK;
}

extern "C" S4J_API int s4j_gather_cuda(void* out, const void* in, const int32_t* idx, int32_t* bad_idx, int64_t outer,
                                       int64_t d, int64_t inner, int64_t n_idx, int dtype, void* stream) {
  S4J_CHECK_ARG(outer >= 0 && d >= 0 && inner >= 0 && n_idx >= 0 && copy_dtype(dtype));
  const int64_t total = outer * n_idx * inner;
  if (total == 0) return S4J_OK;
  S4J_CHECK_ARG(out && in && idx);
  cudaStream_t s = (cudaStream_t)stream;
  if (dtype == S4J_BF16)
    gather_kernel<<<s4j::blocks_for(total, 256), 256, 0, s>>>((uint16_t*)out, (const uint16_t*)in, idx, bad_idx,
                                                             outer, d, inner, n_idx);
  else
    gather_kernel<<<s4j::blocks_for(total, 256), 256, 0, s>>>((uint32_t*)out, (const uint32_t*)in, idx, bad_idx,
                                                             outer, d, inner, n_idx);
  return s4j::check_launch();
}

extern "C" S4J_API int s4j_fill_cuda(void* out, int64_t n, float value, int dtype, void* stream) {
  S4J_CHECK_ARG(n >= 0 && copy_dtype(dtype));
  if (n == 0) return S4J_OK;
  S4J_CHECK_ARG(out);
  cudaStream_t s = (cudaStream_t)stream;
  if (dtype == S4J_BF16) {
    __nv_bfloat16 v = __float2bfloat16_rn(value);
    fill_kernel<<<s4j::blocks_for(n, 256), 256, 0, s>>>((__nv_bfloat16*)out, n, v);
  } else if (dtype == S4J_I32) {
    fill_kernel<<<s4j::blocks_for(n, 256), 256, 0, s>>>((int32_t*)out, n, (int32_t)value);
  } else {
    fill_kernel<<<s4j::blocks_for(n, 256), 256, 0, s>>>((float*)out, n, value);
  }
  return s4j::check_launch();
}
