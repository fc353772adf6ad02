/* General matrix multiply, row-major (as cblas with CblasRowMajor):
 *   C = alpha * op(A) * op(B) + beta * C,  op(A) is (m,k), op(B) is (k,n), C is (m,n)
 * op(X) = X when trans_x == 0, X^T when trans_x == 1 (then A is stored (k,m) with leading dimension lda).
 * A and B share ab_dtype (S4J_F32 or S4J_BF16); C has c_dtype. Accumulation is always fp32.
 * beta == 0 ignores the previous contents of C (NaN included).
 * The batched form repeats this batch times with element strides stride_a, stride_b, stride_c between matrices. */
#ifndef SHARD4J_GEMM_H
#define SHARD4J_GEMM_H

#include <stdint.h>
#include "shard4j/status.h"

#ifdef __cplusplus
extern "C" {
#endif

S4J_API int s4j_gemm_cpu(void* c, int c_dtype, const void* a, const void* b, int ab_dtype, int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha, float beta, int64_t lda, int64_t ldb, int64_t ldc);
S4J_API int s4j_gemm_cuda(void* c, int c_dtype, const void* a, const void* b, int ab_dtype, int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha, float beta, int64_t lda, int64_t ldb, int64_t ldc, void* stream);

S4J_API int s4j_gemm_strided_batched_cpu(void* c, int c_dtype, const void* a, const void* b, int ab_dtype, int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha, float beta, int64_t lda, int64_t ldb, int64_t ldc, int64_t batch, int64_t stride_a, int64_t stride_b, int64_t stride_c);
S4J_API int s4j_gemm_strided_batched_cuda(void* c, int c_dtype, const void* a, const void* b, int ab_dtype, int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha, float beta, int64_t lda, int64_t ldb, int64_t ldc, int64_t batch, int64_t stride_a, int64_t stride_b, int64_t stride_c, void* stream);

/* Peak-throughput probe: runs `iterations` rounds of independent fp32 FMAs on `threads` threads and returns the
 * number of floating-point operations performed in *flops (2 per FMA lane). Used to measure the machine's peak. */
S4J_API int s4j_fma_peak_cpu(int64_t iterations, int threads, double* flops);
S4J_API int s4j_fma_peak_cuda(int64_t iterations, int threads, double* flops, void* stream);

#ifdef __cplusplus
}
#endif
#endif
