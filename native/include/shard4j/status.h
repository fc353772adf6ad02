/* Status codes shared by every Shard4j kernel, CPU and CUDA alike.
 * Every exported function returns one of these; 0 is success. The Java side turns each code into a typed exception
 * in one place (dev.shard4j.tensor.NativeStatus). */
#ifndef SHARD4J_STATUS_H
#define SHARD4J_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define S4J_API __declspec(dllexport)
#else
#define S4J_API __attribute__((visibility("default")))
#endif

enum s4j_status {
  S4J_OK = 0,
  S4J_ERR_INVALID_ARGUMENT = 1, /* a size, pointer or dtype that the kernel cannot accept */
  S4J_ERR_OUT_OF_MEMORY = 2,    /* host or device allocation failed */
  S4J_ERR_NO_CUDA_BUILD = 3,    /* the library was built without a CUDA compiler */
  S4J_ERR_CUDA = 4,             /* a CUDA runtime call failed; s4j_cuda_last_error_string() tells which */
  S4J_ERR_UNSUPPORTED = 5,      /* a valid request this kernel does not implement (e.g. a dtype) */
  S4J_ERR_NO_DEVICE = 6         /* no CUDA device is visible (no driver, or CUDA_VISIBLE_DEVICES is empty) */
};

/* Element types; the numeric values are part of the ABI and mirror dev.shard4j.tensor.DType. */
enum s4j_dtype {
  S4J_F32 = 0,
  S4J_BF16 = 1,
  S4J_I32 = 2 /* int32: ids, targets, indices */
};

/* A static, human-readable description of a status code. */
S4J_API const char* s4j_status_string(int status);

#ifdef __cplusplus
}
#endif
#endif
