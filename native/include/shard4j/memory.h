/* Host and device memory: aligned allocation with live counters, and copies between them.
 * The counters let tests prove that every allocation is released (no reliance on a garbage collector). */
#ifndef SHARD4J_MEMORY_H
#define SHARD4J_MEMORY_H

#include <stddef.h>
#include <stdint.h>
#include "shard4j/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Allocates bytes (may be 0) of 64-byte aligned host memory; *out receives the address. */
S4J_API int s4j_host_alloc(int64_t bytes, void** out);
/* Frees memory from s4j_host_alloc; bytes must be the size it was allocated with. NULL is ignored. */
S4J_API int s4j_host_free(void* ptr, int64_t bytes);
/* Number of live host allocations and their total bytes. */
S4J_API int64_t s4j_host_live_count(void);
S4J_API int64_t s4j_host_live_bytes(void);

/* Sets the number of threads that CPU kernels called from the calling thread use (OpenMP, per calling thread). */
S4J_API int s4j_cpu_set_num_threads(int threads);
S4J_API int s4j_cpu_get_num_threads(void);
/* Bit set of the SIMD levels this CPU supports: 1 = AVX2+FMA, 2 = AVX-512F/BW/DQ/VL, 4 = AVX512-BF16. */
S4J_API int s4j_cpu_features(void);

/* Sets bytes of host memory to value (0..255). */
S4J_API int s4j_memset_cpu(void* dst, int value, int64_t bytes);
/* Plain byte copy on the host (multithreaded for large sizes): the memory-bandwidth reference for benchmarks. */
S4J_API int s4j_memcpy_cpu(void* dst, const void* src, int64_t bytes);

/* --- CUDA (native/cuda/memory.cu) ---------------------------------------------------------------------------- */
/* Number of visible CUDA devices, or an error (S4J_ERR_NO_DEVICE, S4J_ERR_NO_CUDA_BUILD). */
S4J_API int s4j_cuda_device_count(int* count);
/* Name, total memory and compute capability of a device. name must hold name_capacity bytes. */
S4J_API int s4j_cuda_device_info(int device, char* name, int name_capacity, int64_t* total_bytes, int* cc_major,
                                 int* cc_minor);
/* The text of the last CUDA runtime error seen by this library on the calling thread. */
S4J_API const char* s4j_cuda_last_error_string(void);
S4J_API int s4j_cuda_set_device(int device);
S4J_API int s4j_cuda_malloc(int device, int64_t bytes, void** out);
S4J_API int s4j_cuda_free(int device, void* ptr);
S4J_API int s4j_cuda_stream_create(int device, void** stream);
S4J_API int s4j_cuda_stream_destroy(void* stream);
S4J_API int s4j_cuda_stream_synchronize(void* stream);
/* kind: 0 host->device, 1 device->host, 2 device->device. Asynchronous on stream (NULL = default stream). */
S4J_API int s4j_cuda_memcpy(void* dst, const void* src, int64_t bytes, int kind, void* stream);
S4J_API int s4j_memcpy_cuda(void* dst, const void* src, int64_t bytes, void* stream);
S4J_API int s4j_memset_cuda(void* dst, int value, int64_t bytes, void* stream);

#ifdef __cplusplus
}
#endif
#endif
