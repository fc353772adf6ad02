// Device discovery, device memory, streams and copies.
#include "shard4j/memory.h"
#include "cuda_common.cuh"

#include <cstdio>
#include <cstring>

namespace s4j {
static thread_local char g_last_error[256] = "no error";

int record_cuda_error(cudaError_t err) {
  if (err == cudaSuccess) return S4J_OK;
  std::snprintf(g_last_error, sizeof g_last_error, "%s: %s", cudaGetErrorName(err), cudaGetErrorString(err));
  cudaGetLastError();  // clear the sticky-free error state so the next call starts clean
  if (err == cudaErrorNoDevice || err == cudaErrorInsufficientDriver) return S4J_ERR_NO_DEVICE;
  if (err == cudaErrorMemoryAllocation) return S4J_ERR_OUT_OF_MEMORY;
  return S4J_ERR_CUDA;
}
}  // namespace s4j

extern "C" {

S4J_API const char* s4j_cuda_last_error_string(void) { return s4j::g_last_error; }

S4J_API int s4j_cuda_device_count(int* count) {
  S4J_CHECK_ARG(count != nullptr);
  *count = 0;
  S4J_CUDA_TRY(cudaGetDeviceCount(count));
  return S4J_OK;
}

S4J_API int s4j_cuda_device_info(int device, char* name, int name_capacity, int64_t* total_bytes, int* cc_major,
                                 int* cc_minor) {
  S4J_CHECK_ARG(name != nullptr && name_capacity > 0 && total_bytes && cc_major && cc_minor);
  cudaDeviceProp prop;
  S4J_CUDA_TRY(cudaGetDeviceProperties(&prop, device));
  std::snprintf(name, (size_t)name_capacity, "%s", prop.name);
  *total_bytes = (int64_t)prop.totalGlobalMem;
  *cc_major = prop.major;
  *cc_minor = prop.minor;
  return S4J_OK;
}

S4J_API int s4j_cuda_set_device(int device) {
  S4J_CUDA_TRY(cudaSetDevice(device));
  return S4J_OK;
}

S4J_API int s4j_cuda_malloc(int device, int64_t bytes, void** out) {
  S4J_CHECK_ARG(out != nullptr && bytes >= 0);
  S4J_CUDA_TRY(cudaSetDevice(device));
  S4J_CUDA_TRY(cudaMalloc(out, bytes == 0 ? 1 : (size_t)bytes));
  return S4J_OK;
}

S4J_API int s4j_cuda_free(int device, void* ptr) {
  if (ptr == nullptr) return S4J_OK;
  S4J_CUDA_TRY(cudaSetDevice(device));
  S4J_CUDA_TRY(cudaFree(ptr));
  return S4J_OK;
}

S4J_API int s4j_cuda_stream_create(int device, void** stream) {
  S4J_CHECK_ARG(stream != nullptr);
  S4J_CUDA_TRY(cudaSetDevice(device));
  cudaStream_t s;
  S4J_CUDA_TRY(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
  *stream = (void*)s;
  return S4J_OK;
}

S4J_API int s4j_cuda_stream_destroy(void* stream) {
  if (stream == nullptr) return S4J_OK;
  S4J_CUDA_TRY(cudaStreamDestroy((cudaStream_t)stream));
  return S4J_OK;
}

S4J_API int s4j_cuda_stream_synchronize(void* stream) {
  S4J_CUDA_TRY(cudaStreamSynchronize((cudaStream_t)stream));
  return S4J_OK;
}

S4J_API int s4j_cuda_memcpy(void* dst, const void* src, int64_t bytes, int kind, void* stream) {
  S4J_CHECK_ARG(bytes >= 0 && kind >= 0 && kind <= 2);
  if (bytes == 0) return S4J_OK;
  cudaMemcpyKind k = kind == 0 ? cudaMemcpyHostToDevice : kind == 1 ? cudaMemcpyDeviceToHost : cudaMemcpyDeviceToDevice;
  S4J_CUDA_TRY(cudaMemcpyAsync(dst, src, (size_t)bytes, k, (cudaStream_t)stream));
  return S4J_OK;
}

S4J_API int s4j_memcpy_cuda(void* dst, const void* src, int64_t bytes, void* stream) {
  return s4j_cuda_memcpy(dst, src, bytes, 2, stream);
}

S4J_API int s4j_memset_cuda(void* dst, int value, int64_t bytes, void* stream) {
  S4J_CHECK_ARG(bytes >= 0 && value >= 0 && value <= 255);
  if (bytes == 0) return S4J_OK;
  S4J_CUDA_TRY(cudaMemsetAsync(dst, value, (size_t)bytes, (cudaStream_t)stream));
  return S4J_OK;
}

}  // extern "C"
