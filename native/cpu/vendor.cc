// Reaches OpenBLAS functions that its Java preset does not bind (see shard4j/vendor.h).
#include "shard4j/vendor.h"

#include <dlfcn.h>

#include <cstdio>

namespace {
void* openblas_symbol(const char* name) {
  void* lib = dlopen("libopenblas_nolapack.so.0", RTLD_LAZY | RTLD_NOLOAD);
  if (lib == nullptr) lib = dlopen("libopenblas.so.0", RTLD_LAZY | RTLD_NOLOAD);
  if (lib == nullptr) return nullptr;
  void* sym = dlsym(lib, name);
  dlclose(lib);  // drops only the reference taken above; the preset keeps the library loaded
  return sym;
}
}  // namespace

extern "C" S4J_API int s4j_openblas_set_num_threads(int threads) {
  if (threads < 1) return S4J_ERR_INVALID_ARGUMENT;
  auto fn = (void (*)(int))openblas_symbol("openblas_set_num_threads");
  if (fn == nullptr) return S4J_ERR_UNSUPPORTED;
  fn(threads);
  return S4J_OK;
}

extern "C" S4J_API int s4j_openblas_corename(char* name, int capacity) {
  if (name == nullptr || capacity < 1) return S4J_ERR_INVALID_ARGUMENT;
  auto fn = (char* (*)())openblas_symbol("openblas_get_corename");
  if (fn == nullptr) return S4J_ERR_UNSUPPORTED;
  std::snprintf(name, (size_t)capacity, "%s", fn());
  return S4J_OK;
}
