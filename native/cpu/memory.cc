// Host memory with live counters, thread settings, CPU feature detection and the reference memcpy.
#include "shard4j/memory.h"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>

#include "cpu_common.h"

namespace {
std::atomic<int64_t> g_live_count{0};
std::atomic<int64_t> g_live_bytes{0};
constexpr size_t kAlignment = 64;
}  // namespace

extern "C" {

S4J_API int s4j_host_alloc(int64_t bytes, void** out) {
  S4J_CHECK_ARG(out != nullptr && bytes >= 0);
  size_t rounded = ((size_t)bytes + kAlignment - 1) / kAlignment * kAlignment;
  if (rounded == 0) rounded = kAlignment;
  void* p = std::aligned_alloc(kAlignment, rounded);
  if (p == nullptr) return S4J_ERR_OUT_OF_MEMORY;
  *out = p;
  g_live_count.fetch_add(1, std::memory_order_relaxed);
  g_live_bytes.fetch_add(bytes, std::memory_order_relaxed);
  return S4J_OK;
}

S4J_API int s4j_host_free(void* ptr, int64_t bytes) {
  if (ptr == nullptr) return S4J_OK;
  S4J_CHECK_ARG(bytes >= 0);
  std::free(ptr);
  g_live_count.fetch_sub(1, std::memory_order_relaxed);
  g_live_bytes.fetch_sub(bytes, std::memory_order_relaxed);
  return S4J_OK;
}

S4J_API int64_t s4j_host_live_count(void) { return g_live_count.load(); }
S4J_API int64_t s4j_host_live_bytes(void) { return g_live_bytes.load(); }

S4J_API int s4j_cpu_set_num_threads(int threads) {
  S4J_CHECK_ARG(threads >= 1);
  omp_set_num_threads(threads);
  return S4J_OK;
}

S4J_API int s4j_cpu_get_num_threads(void) { return omp_get_max_threads(); }

S4J_API int s4j_cpu_features(void) {
  __builtin_cpu_init();
  int f = 0;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) f |= 1;
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512vl"))
    f |= 2;
  if (__builtin_cpu_supports("avx512bf16")) f |= 4;
  return f;
}

S4J_API int s4j_memset_cpu(void* dst, int value, int64_t bytes) {
  S4J_CHECK_ARG(bytes >= 0 && (bytes == 0 || dst != nullptr) && value >= 0 && value <= 255);
  int threads = s4j::threads_for(bytes / 4);
  const int64_t chunk = ((bytes + threads - 1) / threads + 63) / 64 * 64;
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int t = 0; t < threads; ++t) {
    int64_t begin = t * chunk;
    int64_t end = begin + chunk < bytes ? begin + chunk : bytes;
    if (begin < end) std::memset((char*)dst + begin, value, (size_t)(end - begin));
  }
  return S4J_OK;
}

S4J_API int s4j_memcpy_cpu(void* dst, const void* src, int64_t bytes) {
  S4J_CHECK_ARG(bytes >= 0 && (bytes == 0 || (dst != nullptr && src != nullptr)));
  int threads = s4j::threads_for(bytes / 4);
  if (threads <= 1) {
    std::memcpy(dst, src, (size_t)bytes);
    return S4J_OK;
  }
  const int64_t chunk = ((bytes + threads - 1) / threads + 63) / 64 * 64;
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int t = 0; t < threads; ++t) {
    int64_t begin = t * chunk;
    int64_t end = begin + chunk < bytes ? begin + chunk : bytes;
    if (begin < end) std::memcpy((char*)dst + begin, (const char*)src + begin, (size_t)(end - begin));
  }
  return S4J_OK;
}

}  // extern "C"
