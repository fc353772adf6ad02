/* Elementwise kernels: binary ops, scaling, axpy, GELU (tanh approximation), bias add and fused bias+GELU.
 * All tensors of one call share `dtype` (S4J_F32 or S4J_BF16, fp32 compute) except bias and dbias: bias has its
 * own `bias_dtype`, dbias is always fp32. Buffers are contiguous; n is the element count; in-place calls
 * (out == a, out == x, dx == dy) are allowed. */
#ifndef SHARD4J_ELEMENTWISE_H
#define SHARD4J_ELEMENTWISE_H

#include <stdint.h>
#include "shard4j/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* out[i] = a[i] + b[i] (also the residual add), a - b, a * b. out, a, b are (n). */
S4J_API int s4j_add_cpu(void* out, const void* a, const void* b, int64_t n, int dtype);
S4J_API int s4j_add_cuda(void* out, const void* a, const void* b, int64_t n, int dtype, void* stream);
S4J_API int s4j_sub_cpu(void* out, const void* a, const void* b, int64_t n, int dtype);
S4J_API int s4j_sub_cuda(void* out, const void* a, const void* b, int64_t n, int dtype, void* stream);
S4J_API int s4j_mul_cpu(void* out, const void* a, const void* b, int64_t n, int dtype);
S4J_API int s4j_mul_cuda(void* out, const void* a, const void* b, int64_t n, int dtype, void* stream);

/* out[i] = alpha * x[i]. */
S4J_API int s4j_scale_cpu(void* out, const void* x, float alpha, int64_t n, int dtype);
S4J_API int s4j_scale_cuda(void* out, const void* x, float alpha, int64_t n, int dtype, void* stream);

/* y[i] += alpha * x[i]. */
S4J_API int s4j_axpy_cpu(void* y, const void* x, float alpha, int64_t n, int dtype);
S4J_API int s4j_axpy_cuda(void* y, const void* x, float alpha, int64_t n, int dtype, void* stream);

/* GELU, tanh approximation: out = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). out, x are (n). */
S4J_API int s4j_gelu_forward_cpu(void* out, const void* x, int64_t n, int dtype);
S4J_API int s4j_gelu_forward_cuda(void* out, const void* x, int64_t n, int dtype, void* stream);
/* dx = dy * gelu'(x). dx, x, dy are (n); dx may alias dy. */
S4J_API int s4j_gelu_backward_cpu(void* dx, const void* x, const void* dy, int64_t n, int dtype);
S4J_API int s4j_gelu_backward_cuda(void* dx, const void* x, const void* dy, int64_t n, int dtype, void* stream);

/* out[r, c] = x[r, c] + bias[c]. out, x are (rows, cols); bias is (cols) of bias_dtype. */
S4J_API int s4j_bias_add_cpu(void* out, const void* x, const void* bias, int64_t rows, int64_t cols, int dtype, int bias_dtype);
S4J_API int s4j_bias_add_cuda(void* out, const void* x, const void* bias, int64_t rows, int64_t cols, int dtype, int bias_dtype, void* stream);

/* Fused out = gelu(x + bias). out, x are (rows, cols); bias is (cols). pre (nullable, (rows, cols) of dtype) receives
 * the pre-activation x + bias. The backward recomputes it from x and bias, so pre is optional. */
S4J_API int s4j_bias_gelu_forward_cpu(void* out, void* pre, const void* x, const void* bias, int64_t rows, int64_t cols, int dtype, int bias_dtype);
S4J_API int s4j_bias_gelu_forward_cuda(void* out, void* pre, const void* x, const void* bias, int64_t rows, int64_t cols, int dtype, int bias_dtype, void* stream);
/* Backward of bias_gelu_forward: dx = dy * gelu'(x + bias) ((rows, cols), dtype, may alias dy);
 * dbias[c] += sum_r dx[r, c] (fp32 (cols), accumulated into; nullable). The dbias sum runs in a fixed order
 * (rows in ascending order per column), so it does not depend on the thread count. */
S4J_API int s4j_bias_gelu_backward_cpu(void* dx, float* dbias, const void* x, const void* bias, const void* dy, int64_t rows, int64_t cols, int dtype, int bias_dtype);
S4J_API int s4j_bias_gelu_backward_cuda(void* dx, float* dbias, const void* x, const void* bias, const void* dy, int64_t rows, int64_t cols, int dtype, int bias_dtype, void* stream);

#ifdef __cplusplus
}
#endif
#endif
