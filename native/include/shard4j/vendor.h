/* Controls of vendor libraries loaded by their own Java presets (OpenBLAS), reached through the dynamic loader
 * because the presets do not bind them. Each returns S4J_ERR_UNSUPPORTED when the library is not loaded. */
#ifndef SHARD4J_VENDOR_H
#define SHARD4J_VENDOR_H

#include "shard4j/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Calls openblas_set_num_threads(threads) in the loaded libopenblas. */
S4J_API int s4j_openblas_set_num_threads(int threads);
/* Copies openblas_get_corename() into name (capacity bytes, NUL-terminated). */
S4J_API int s4j_openblas_corename(char* name, int capacity);

#ifdef __cplusplus
}
#endif
#endif
