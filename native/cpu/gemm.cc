// Blocked GEMM in the GotoBLAS/BLIS style (see shard4j/gemm.h).
//
// Loop nest per thread (each thread owns a contiguous range of columns, or rows when n is small):
//   for jc in n by NC:            B block (KC x NC) packed into NR-wide panels, reused by every A block
//     for pc in k by KC:
//       pack B(pc:pc+KC, jc:jc+NC)
//       for ic in m by MC:        A block (MC x KC) packed into MR-tall panels, stays in L2
//         pack A(ic:ic+MC, pc:pc+KC)
//         for jr in NC by NR:     B micro-panel (KC x NR) stays in L1
//           for ir in MC by MR:   micro-kernel: MR x NR register tile, KC rank-1 updates
// Packing handles transposes and bf16 -> fp32 widening, so the micro-kernels only see fp32 panels.
#include "shard4j/gemm.h"

#include <immintrin.h>

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "cpu_common.h"

namespace {

// Tuned on Zen 5 (48 KiB L1d, 1 MiB L2) against OpenBLAS SkylakeX at n=2048: a 14x32 AVX-512 tile (28 zmm
// accumulators), a KC=512 deep B micro-panel (64 KiB, streamed through L1 with a prefetch two panels ahead) and an
// MC=84 A block (168 KiB in L2). The values can be overridden at compile time for kernel experiments.
#ifndef GEMM_PREFETCH
#define GEMM_PREFETCH _mm_prefetch((const char*)(b + p * 32 + 256), _MM_HINT_T0);
#endif
#ifndef GEMM_MR
#define GEMM_MR 14
#endif
#ifndef GEMM_KC
#define GEMM_KC 512
#endif
#ifndef GEMM_MC
#define GEMM_MC 84
#endif
constexpr int64_t KC = GEMM_KC;
constexpr int64_t MC = GEMM_MC;
constexpr int64_t NC = 3072;

struct Kernel {
  int mr;
  int nr;
  // Computes acc(MR x NR) = sum_p a[p*MR + i] * b[p*NR + j], then
  // c[i*ldc + j] = alpha * acc + beta * c[i*ldc + j] (beta == 0: c is not read) for the full MR x NR tile.
  void (*full)(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, float alpha, float beta);
};

// ---- AVX-512: MR x 32 tile (2*MR zmm accumulators) ---------------------------------------------------------------
template <int MR>
__attribute__((target("avx512f"))) void micro_avx512(int64_t kc, const float* a, const float* b, float* c,
                                                      int64_t ldc, float alpha, float beta) {
  __m512 acc[MR][2];
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) {
    acc[i][0] = _mm512_setzero_ps();
    acc[i][1] = _mm512_setzero_ps();
  }
  for (int64_t p = 0; p < kc; ++p) {
    const __m512 b0 = _mm512_loadu_ps(b + p * 32);
    const __m512 b1 = _mm512_loadu_ps(b + p * 32 + 16);
    const float* ap = a + p * MR;
    GEMM_PREFETCH
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
      const __m512 ai = _mm512_set1_ps(ap[i]);
      acc[i][0] = _mm512_fmadd_ps(ai, b0, acc[i][0]);
      acc[i][1] = _mm512_fmadd_ps(ai, b1, acc[i][1]);
    }
  }
  const __m512 va = _mm512_set1_ps(alpha);
  if (beta == 0.0f) {
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
      _mm512_storeu_ps(c + i * ldc, _mm512_mul_ps(va, acc[i][0]));
      _mm512_storeu_ps(c + i * ldc + 16, _mm512_mul_ps(va, acc[i][1]));
    }
  } else {
    const __m512 vb = _mm512_set1_ps(beta);
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
      float* ci = c + i * ldc;
      _mm512_storeu_ps(ci, _mm512_fmadd_ps(va, acc[i][0], _mm512_mul_ps(vb, _mm512_loadu_ps(ci))));
      _mm512_storeu_ps(ci + 16, _mm512_fmadd_ps(va, acc[i][1], _mm512_mul_ps(vb, _mm512_loadu_ps(ci + 16))));
    }
  }
}

// ---- AVX2 + FMA: 6 x 16 tile (12 ymm accumulators) ---------------------------------------------------------------
__attribute__((target("avx2,fma"))) void micro_avx2(int64_t kc, const float* a, const float* b, float* c,
                                                     int64_t ldc, float alpha, float beta) {
  __m256 acc[6][2];
#pragma GCC unroll 6
  for (int i = 0; i < 6; ++i) {
    acc[i][0] = _mm256_setzero_ps();
    acc[i][1] = _mm256_setzero_ps();
  }
  for (int64_t p = 0; p < kc; ++p) {
    const __m256 b0 = _mm256_loadu_ps(b + p * 16);
    const __m256 b1 = _mm256_loadu_ps(b + p * 16 + 8);
    const float* ap = a + p * 6;
#pragma GCC unroll 6
    for (int i = 0; i < 6; ++i) {
      const __m256 ai = _mm256_broadcast_ss(ap + i);
      acc[i][0] = _mm256_fmadd_ps(ai, b0, acc[i][0]);
      acc[i][1] = _mm256_fmadd_ps(ai, b1, acc[i][1]);
    }
  }
  const __m256 va = _mm256_set1_ps(alpha);
  const __m256 vb = _mm256_set1_ps(beta);
#pragma GCC unroll 6
  for (int i = 0; i < 6; ++i) {
    float* ci = c + i * ldc;
    if (beta == 0.0f) {
      _mm256_storeu_ps(ci, _mm256_mul_ps(va, acc[i][0]));
      _mm256_storeu_ps(ci + 8, _mm256_mul_ps(va, acc[i][1]));
    } else {
      _mm256_storeu_ps(ci, _mm256_fmadd_ps(va, acc[i][0], _mm256_mul_ps(vb, _mm256_loadu_ps(ci))));
      _mm256_storeu_ps(ci + 8, _mm256_fmadd_ps(va, acc[i][1], _mm256_mul_ps(vb, _mm256_loadu_ps(ci + 8))));
    }
  }
}

// ---- Portable: 4 x 16 tile ---------------------------------------------------------------------------------------
void micro_portable(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, float alpha, float beta) {
  float acc[4][16] = {};
  for (int64_t p = 0; p < kc; ++p) {
    for (int i = 0; i < 4; ++i) {
      const float ai = a[p * 4 + i];
      for (int j = 0; j < 16; ++j) acc[i][j] += ai * b[p * 16 + j];
    }
  }
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 16; ++j)
      c[i * ldc + j] = beta == 0.0f ? alpha * acc[i][j] : alpha * acc[i][j] + beta * c[i * ldc + j];
}

const Kernel& select_kernel() {
  static const Kernel kernel = [] {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return Kernel{GEMM_MR, 32, micro_avx512<GEMM_MR>};
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Kernel{6, 16, micro_avx2};
    return Kernel{4, 16, micro_portable};
  }();
  return kernel;
}

template <typename T>
inline float load(const T* p, int64_t i);
template <> inline float load<float>(const float* p, int64_t i) { return p[i]; }
template <> inline float load<uint16_t>(const uint16_t* p, int64_t i) { return s4j::bf16_to_f32(p[i]); }

// Packs op(A)[ic:ic+mc, pc:pc+kc] into MR-tall panels: dst[panel][p][i], zero-padded to a multiple of MR.
template <typename T>
void pack_a(float* dst, const T* a, int trans, int64_t lda, int64_t ic, int64_t pc, int64_t mc, int64_t kc, int mr) {
  for (int64_t i0 = 0; i0 < mc; i0 += mr) {
    const int64_t rows = std::min<int64_t>(mr, mc - i0);
    float* d = dst + i0 * kc;
    if (!trans) {
      for (int64_t i = 0; i < rows; ++i) {
        const T* src = a + (ic + i0 + i) * lda + pc;
        for (int64_t p = 0; p < kc; ++p) d[p * mr + i] = load(src, p);
      }
    } else {
      for (int64_t p = 0; p < kc; ++p) {
        const T* src = a + (pc + p) * lda + ic + i0;
        for (int64_t i = 0; i < rows; ++i) d[p * mr + i] = load(src, i);
      }
    }
    for (int64_t i = rows; i < mr; ++i)
      for (int64_t p = 0; p < kc; ++p) d[p * mr + i] = 0.0f;
  }
}

// Packs op(B)[pc:pc+kc, jc:jc+nc] into NR-wide panels: dst[panel][p][j], zero-padded to a multiple of NR.
template <typename T>
void pack_b(float* dst, const T* b, int trans, int64_t ldb, int64_t pc, int64_t jc, int64_t kc, int64_t nc, int nr) {
  for (int64_t j0 = 0; j0 < nc; j0 += nr) {
    const int64_t cols = std::min<int64_t>(nr, nc - j0);
    float* d = dst + j0 * kc;
    if (!trans) {
      for (int64_t p = 0; p < kc; ++p) {
        const T* src = b + (pc + p) * ldb + jc + j0;
        float* dp = d + p * nr;
        int64_t j = 0;
        for (; j < cols; ++j) dp[j] = load(src, j);
        for (; j < nr; ++j) dp[j] = 0.0f;
      }
    } else {
      for (int64_t j = 0; j < cols; ++j) {
        const T* src = b + (jc + j0 + j) * ldb + pc;
        for (int64_t p = 0; p < kc; ++p) d[p * nr + j] = load(src, p);
      }
      for (int64_t j = cols; j < nr; ++j)
        for (int64_t p = 0; p < kc; ++p) d[p * nr + j] = 0.0f;
    }
  }
}

struct Scratch {
  float* a = nullptr;
  float* b = nullptr;
  ~Scratch() {
    std::free(a);
    std::free(b);
  }
};

// One thread's share: rows [m0, m1) and columns [n0, n1) of C (fp32, leading dimension ldc).
template <typename T>
int gemm_block(float* c, const T* a, const T* b, int ta, int tb, int64_t m0, int64_t m1, int64_t n0, int64_t n1,
               int64_t k, float alpha, float beta, int64_t lda, int64_t ldb, int64_t ldc) {
  const Kernel& kern = select_kernel();
  const int mr = kern.mr, nr = kern.nr;
  thread_local Scratch scratch;
  if (scratch.a == nullptr) {
    scratch.a = (float*)std::aligned_alloc(64, sizeof(float) * (MC + 16) * KC);
    scratch.b = (float*)std::aligned_alloc(64, sizeof(float) * (NC + 32) * KC);
    if (scratch.a == nullptr || scratch.b == nullptr) return S4J_ERR_OUT_OF_MEMORY;
  }
  float* pa = scratch.a;
  float* pb = scratch.b;
  alignas(64) float edge[16 * 32];  // MR <= 16, NR <= 32
  for (int64_t jc = n0; jc < n1; jc += NC) {
    const int64_t nc = std::min(NC, n1 - jc);
    for (int64_t pc = 0; pc < k; pc += KC) {
      const int64_t kc = std::min(KC, k - pc);
      const float beta_here = pc == 0 ? beta : 1.0f;
      pack_b(pb, b, tb, ldb, pc, jc, kc, nc, nr);
      for (int64_t ic = m0; ic < m1; ic += MC) {
        const int64_t mc = std::min(MC, m1 - ic);
        pack_a(pa, a, ta, lda, ic, pc, mc, kc, mr);
        for (int64_t jr = 0; jr < nc; jr += nr) {
          const int64_t cols = std::min<int64_t>(nr, nc - jr);
          for (int64_t ir = 0; ir < mc; ir += mr) {
            const int64_t rows = std::min<int64_t>(mr, mc - ir);
            float* ct = c + (ic + ir) * ldc + jc + jr;
            if (rows == mr && cols == nr) {
              kern.full(kc, pa + ir * kc, pb + jr * kc, ct, ldc, alpha, beta_here);
            } else {
              kern.full(kc, pa + ir * kc, pb + jr * kc, edge, nr, 1.0f, 0.0f);
              for (int64_t i = 0; i < rows; ++i)
                for (int64_t j = 0; j < cols; ++j) {
                  const float v = alpha * edge[i * nr + j];
                  ct[i * ldc + j] = beta_here == 0.0f ? v : v + beta_here * ct[i * ldc + j];
                }
            }
          }
        }
      }
    }
  }
  return S4J_OK;
}

// Splits C among threads: by columns (multiples of NR) when n is wide enough, else by rows (multiples of MR).
template <typename T>
int gemm_f32_out(float* c, const T* a, const T* b, int ta, int tb, int64_t m, int64_t n, int64_t k, float alpha,
                 float beta, int64_t lda, int64_t ldb, int64_t ldc, int threads) {
  if (k == 0) {
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) c[i * ldc + j] = beta == 0.0f ? 0.0f : beta * c[i * ldc + j];
    return S4J_OK;
  }
  const Kernel& kern = select_kernel();
  const bool by_cols = n >= m || n >= (int64_t)threads * kern.nr * 4;
  const int64_t unit = by_cols ? kern.nr : kern.mr;
  const int64_t extent = by_cols ? n : m;
  const int64_t units = (extent + unit - 1) / unit;
  if (threads > units) threads = (int)std::max<int64_t>(1, units);
  int status = S4J_OK;
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num();
    const int nt = omp_get_num_threads();
    const int64_t begin = std::min(extent, (units * t / nt) * unit);
    const int64_t end = std::min(extent, (units * (t + 1) / nt) * unit);
    if (begin < end) {
      int s = by_cols ? gemm_block(c, a, b, ta, tb, 0, m, begin, end, k, alpha, beta, lda, ldb, ldc)
                      : gemm_block(c, a, b, ta, tb, begin, end, 0, n, k, alpha, beta, lda, ldb, ldc);
      if (s != S4J_OK) {
#pragma omp atomic write
        status = s;
      }
    }
  }
  return status;
}

template <typename T>
int gemm_typed(void* c, int c_dtype, const T* a, const T* b, int ta, int tb, int64_t m, int64_t n, int64_t k,
               float alpha, float beta, int64_t lda, int64_t ldb, int64_t ldc, int threads) {
  if (c_dtype == S4J_F32) return gemm_f32_out((float*)c, a, b, ta, tb, m, n, k, alpha, beta, lda, ldb, ldc, threads);
  // bf16 output: accumulate into an fp32 copy of C, then round once.
  std::vector<float> tmp((size_t)(m * n));
  uint16_t* cb = (uint16_t*)c;
  if (beta != 0.0f)
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) tmp[i * n + j] = s4j::bf16_to_f32(cb[i * ldc + j]);
  int s = gemm_f32_out(tmp.data(), a, b, ta, tb, m, n, k, alpha, beta, lda, ldb, n, threads);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) cb[i * ldc + j] = s4j::f32_to_bf16(tmp[i * n + j]);
  return s;
}

int check_args(const void* c, int c_dtype, const void* a, const void* b, int ab_dtype, int ta, int tb, int64_t m,
               int64_t n, int64_t k, int64_t lda, int64_t ldb, int64_t ldc) {
  S4J_CHECK_ARG(s4j::valid_dtype(c_dtype) && s4j::valid_dtype(ab_dtype));
  S4J_CHECK_ARG((ta == 0 || ta == 1) && (tb == 0 || tb == 1));
  S4J_CHECK_ARG(m >= 0 && n >= 0 && k >= 0);
  S4J_CHECK_ARG(lda >= std::max<int64_t>(1, ta ? m : k) && ldb >= std::max<int64_t>(1, tb ? k : n));
  S4J_CHECK_ARG(ldc >= std::max<int64_t>(1, n));
  S4J_CHECK_ARG(m == 0 || n == 0 || c != nullptr);
  S4J_CHECK_ARG(m == 0 || n == 0 || k == 0 || (a != nullptr && b != nullptr));
  return S4J_OK;
}

int gemm_dispatch(void* c, int c_dtype, const void* a, const void* b, int ab_dtype, int ta, int tb, int64_t m,
                  int64_t n, int64_t k, float alpha, float beta, int64_t lda, int64_t ldb, int64_t ldc, int threads) {
  if (m == 0 || n == 0) return S4J_OK;
  if (ab_dtype == S4J_F32)
    return gemm_typed(c, c_dtype, (const float*)a, (const float*)b, ta, tb, m, n, k, alpha, beta, lda, ldb, ldc,
                      threads);
  return gemm_typed(c, c_dtype, (const uint16_t*)a, (const uint16_t*)b, ta, tb, m, n, k, alpha, beta, lda, ldb, ldc,
                    threads);
}

int threads_for_gemm(int64_t m, int64_t n, int64_t k) {
  const double flops = 2.0 * (double)m * (double)n * (double)k;
  if (flops < 2e6) return 1;
  return omp_get_max_threads();
}

}  // namespace

extern "C" {

S4J_API int s4j_gemm_cpu(void* c, int c_dtype, const void* a, const void* b, int ab_dtype, int trans_a, int trans_b,
                         int64_t m, int64_t n, int64_t k, float alpha, float beta, int64_t lda, int64_t ldb,
                         int64_t ldc) {
  int s = check_args(c, c_dtype, a, b, ab_dtype, trans_a, trans_b, m, n, k, lda, ldb, ldc);
  if (s != S4J_OK) return s;
  return gemm_dispatch(c, c_dtype, a, b, ab_dtype, trans_a, trans_b, m, n, k, alpha, beta, lda, ldb, ldc,
                       threads_for_gemm(m, n, k));
}

S4J_API int s4j_gemm_strided_batched_cpu(void* c, int c_dtype, const void* a, const void* b, int ab_dtype,
                                         int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                                         float beta, int64_t lda, int64_t ldb, int64_t ldc, int64_t batch,
                                         int64_t stride_a, int64_t stride_b, int64_t stride_c) {
  int s = check_args(c, c_dtype, a, b, ab_dtype, trans_a, trans_b, m, n, k, lda, ldb, ldc);
  if (s != S4J_OK) return s;
  S4J_CHECK_ARG(batch >= 0 && stride_a >= 0 && stride_b >= 0 && stride_c >= 0);
  if (batch == 0 || m == 0 || n == 0) return S4J_OK;
  const int64_t ab = s4j::dtype_size(ab_dtype), cb = s4j::dtype_size(c_dtype);
  const int threads = omp_get_max_threads();
  // Many small matrices (attention heads): one matrix per thread. Few large ones: threads inside each GEMM.
  const bool across = batch >= threads && 2.0 * m * n * k < 8e6;
  int status = S4J_OK;
  if (across) {
#pragma omp parallel for num_threads(threads) schedule(dynamic)
    for (int64_t i = 0; i < batch; ++i) {
      int r = gemm_dispatch((char*)c + i * stride_c * cb, c_dtype, (const char*)a + i * stride_a * ab,
                            (const char*)b + i * stride_b * ab, ab_dtype, trans_a, trans_b, m, n, k, alpha, beta,
                            lda, ldb, ldc, 1);
      if (r != S4J_OK) {
#pragma omp atomic write
        status = r;
      }
    }
    return status;
  }
  for (int64_t i = 0; i < batch && status == S4J_OK; ++i)
    status = gemm_dispatch((char*)c + i * stride_c * cb, c_dtype, (const char*)a + i * stride_a * ab,
                           (const char*)b + i * stride_b * ab, ab_dtype, trans_a, trans_b, m, n, k, alpha, beta, lda,
                           ldb, ldc, threads_for_gemm(m, n, k));
  return status;
}

// 16 independent zmm (or ymm) FMA chains per thread: enough to cover FMA latency x 2 pipes.
__attribute__((target("avx512f"))) static double fma_loop_avx512(int64_t iterations) {
  __m512 acc[16];
  for (int i = 0; i < 16; ++i) acc[i] = _mm512_set1_ps(1.0f + i * 1e-3f);
  const __m512 x = _mm512_set1_ps(0.999999f), y = _mm512_set1_ps(1e-7f);
  for (int64_t it = 0; it < iterations; ++it) {
#pragma GCC unroll 16
    for (int i = 0; i < 16; ++i) acc[i] = _mm512_fmadd_ps(acc[i], x, y);
  }
  __m512 s = acc[0];
  for (int i = 1; i < 16; ++i) s = _mm512_add_ps(s, acc[i]);
  volatile float sink = _mm512_reduce_add_ps(s);
  (void)sink;
  return 16.0 * 16 * 2 * (double)iterations;
}

__attribute__((target("avx2,fma"))) static double fma_loop_avx2(int64_t iterations) {
  __m256 acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = _mm256_set1_ps(1.0f + i * 1e-3f);
  const __m256 x = _mm256_set1_ps(0.999999f), y = _mm256_set1_ps(1e-7f);
  for (int64_t it = 0; it < iterations; ++it) {
#pragma GCC unroll 12
    for (int i = 0; i < 12; ++i) acc[i] = _mm256_fmadd_ps(acc[i], x, y);
  }
  float out[8];
  __m256 s = acc[0];
  for (int i = 1; i < 12; ++i) s = _mm256_add_ps(s, acc[i]);
  _mm256_storeu_ps(out, s);
  volatile float sink = out[0];
  (void)sink;
  return 12.0 * 8 * 2 * (double)iterations;
}

S4J_API int s4j_fma_peak_cpu(int64_t iterations, int threads, double* flops) {
  S4J_CHECK_ARG(iterations >= 0 && threads >= 1 && flops != nullptr);
  __builtin_cpu_init();
  const bool avx512 = __builtin_cpu_supports("avx512f");
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (!avx512 && !avx2) return S4J_ERR_UNSUPPORTED;
  double total = 0;
#pragma omp parallel num_threads(threads) reduction(+ : total)
  { total += avx512 ? fma_loop_avx512(iterations) : fma_loop_avx2(iterations); }
  *flops = total;
  return S4J_OK;
}


}  // extern "C"
