// Philox4x32-10 and the float math of the init kernels, shared verbatim by native/cpu/init.cc and
// native/cuda/init.cu so that both produce bit-identical streams. Only correctly rounded operations are used
// (explicit fma/mul/add/div/sqrt, never contracted by the compiler), so results do not depend on the target.
#ifndef SHARD4J_INIT_MATH_H
#define SHARD4J_INIT_MATH_H

#include <stdint.h>

#ifdef __CUDACC__
#define S4J_HD __host__ __device__ __forceinline__
#else
#include <cmath>
#define S4J_HD inline
#endif

namespace s4j_init {

#ifdef __CUDA_ARCH__
S4J_HD float fadd(float a, float b) { return __fadd_rn(a, b); }
S4J_HD float fmul(float a, float b) { return __fmul_rn(a, b); }
S4J_HD float ffma(float a, float b, float c) { return __fmaf_rn(a, b, c); }
S4J_HD float fdiv(float a, float b) { return __fdiv_rn(a, b); }
S4J_HD float fsqrt(float a) { return __fsqrt_rn(a); }
S4J_HD uint32_t mulhi(uint32_t a, uint32_t b) { return __umulhi(a, b); }
S4J_HD float bits_to_float(uint32_t u) { return __uint_as_float(u); }
S4J_HD uint32_t float_to_bits(float f) { return __float_as_uint(f); }
#else
// volatile-free scalar ops; the CPU file is compiled with -ffp-contract=off semantics via the pragma below.
S4J_HD float fadd(float a, float b) { return a + b; }
S4J_HD float fmul(float a, float b) { return a * b; }
S4J_HD float ffma(float a, float b, float c) { return std::fma(a, b, c); }
S4J_HD float fdiv(float a, float b) { return a / b; }
S4J_HD float fsqrt(float a) { return std::sqrt(a); }
S4J_HD uint32_t mulhi(uint32_t a, uint32_t b) { return (uint32_t)(((uint64_t)a * b) >> 32); }
S4J_HD float bits_to_float(uint32_t u) { float f; __builtin_memcpy(&f, &u, 4); return f; }
S4J_HD uint32_t float_to_bits(float f) { uint32_t u; __builtin_memcpy(&u, &f, 4); return u; }
#endif

struct U4 { uint32_t x, y, z, w; };

// Philox4x32-10 (Salmon et al., SC'11), the generator of cuRAND and PyTorch.
S4J_HD U4 philox(uint64_t counter, uint64_t offset, uint64_t seed) {
  uint32_t c0 = (uint32_t)counter, c1 = (uint32_t)(counter >> 32), c2 = (uint32_t)offset, c3 = (uint32_t)(offset >> 32);
  uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
  for (int r = 0; r < 10; ++r) {
    uint32_t hi0 = mulhi(0xD2511F53u, c0), lo0 = 0xD2511F53u * c0;
    uint32_t hi1 = mulhi(0xCD9E8D57u, c2), lo1 = 0xCD9E8D57u * c2;
    uint32_t n0 = hi1 ^ c1 ^ k0, n1 = lo1, n2 = hi0 ^ c3 ^ k1, n3 = lo0;
    c0 = n0; c1 = n1; c2 = n2; c3 = n3;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  U4 out = {c0, c1, c2, c3};
  return out;
}

// Uniform in [0, 1) on a 2^-24 grid (exact in fp32).
S4J_HD float u01(uint32_t x) { return (float)(x >> 8) * 5.9604644775390625e-8f; }
// Uniform in (0, 1] on a 2^-24 grid: safe for log.
S4J_HD float u01_open0(uint32_t x) { return (float)((x >> 8) + 1) * 5.9604644775390625e-8f; }

// Natural log for x in (0, 1]: x = 2^e * m with m in [sqrt(1/2), sqrt(2)), log m = 2 atanh(s), s = (m-1)/(m+1).
S4J_HD float log_pos(float x) {
  uint32_t u = float_to_bits(x);
  int e = (int)((u >> 23) & 0xff) - 127;
  uint32_t mb = (u & 0x7fffffu) | 0x3f800000u;
  if (mb > 0x3fb504f3u) {  // m > sqrt(2): halve it
    mb -= 0x00800000u;
    e += 1;
  }
  float m = bits_to_float(mb);
  float s = fdiv(fadd(m, -1.0f), fadd(m, 1.0f));
  float s2 = fmul(s, s);
  float p = ffma(s2, 0.11111111f, 0.14285715f);
  p = ffma(s2, p, 0.2f);
  p = ffma(s2, p, 0.33333334f);
  p = ffma(s2, p, 1.0f);
  float lm = fmul(fmul(2.0f, s), p);
  return ffma((float)e, 0.69314718f, lm);
}

// sin and cos of 2*pi*q/2^24 for the 24-bit integer q: quadrant from the top 2 bits, polynomial on [0, pi/2).
S4J_HD void sincos_turn(uint32_t q24, float* s_out, float* c_out) {
  uint32_t quad = q24 >> 22;
  float t = fmul((float)(q24 & 0x3fffffu), 2.384185791015625e-7f);  // in [0, 1): fraction of the quadrant
  float a = fmul(t, 1.5707964f);
  float a2 = fmul(a, a);
  // Taylor series to a^13 / a^12: error below 1e-7 on [0, pi/2).
  float sp = ffma(a2, -1.6059044e-10f, 2.5052108e-8f);
  sp = ffma(a2, sp, -2.7557319e-6f);
  sp = ffma(a2, sp, 1.9841270e-4f);
  sp = ffma(a2, sp, -8.3333333e-3f);
  sp = ffma(a2, sp, 1.6666667e-1f);
  float s = ffma(fmul(-a, a2), sp, a);
  float cp = ffma(a2, 2.0876757e-9f, -2.7557319e-7f);
  cp = ffma(a2, cp, 2.4801587e-5f);
  cp = ffma(a2, cp, -1.3888889e-3f);
  cp = ffma(a2, cp, 4.1666667e-2f);
  cp = ffma(a2, cp, -0.5f);
  float c = ffma(a2, cp, 1.0f);
  float rs, rc;
  switch (quad) {
    case 0: rs = s; rc = c; break;
    case 1: rs = c; rc = -s; break;
    case 2: rs = -s; rc = -c; break;
    default: rs = -c; rc = s; break;
  }
  *s_out = rs;
  *c_out = rc;
}

// Two standard normals from two 32-bit words (Box-Muller).
S4J_HD void box_muller(uint32_t x0, uint32_t x1, float* z0, float* z1) {
  float r = fsqrt(fmul(-2.0f, log_pos(u01_open0(x0))));
  float s, c;
  sincos_turn(x1 >> 8, &s, &c);
  *z0 = fmul(r, c);
  *z1 = fmul(r, s);
}

// Element i of a normal stream: block i/2 of Philox, first or second Box-Muller output.
S4J_HD float normal_at(uint64_t i, uint64_t offset, uint64_t seed) {
  U4 b = philox(i >> 1, offset, seed);
  float z0, z1;
  box_muller(b.x, b.y, &z0, &z1);
  return (i & 1) ? z1 : z0;
}

S4J_HD float uniform_at(uint64_t i, uint64_t offset, uint64_t seed, float lo, float hi) {
  U4 b = philox(i >> 2, offset, seed);
  uint32_t w = (i & 3) == 0 ? b.x : (i & 3) == 1 ? b.y : (i & 3) == 2 ? b.z : b.w;
  return ffma(u01(w), fadd(hi, -lo), lo);
}

// Truncated normal: tries t = 0..31 use Philox blocks (i, offset) with the key's high word advanced by t.
S4J_HD float trunc_normal_at(uint64_t i, uint64_t offset, uint64_t seed, float mean, float std, float a, float b) {
  for (uint32_t t = 0; t < 32; ++t) {
    U4 r = philox(i, offset, seed + ((uint64_t)t << 32) * 0x9E3779B97F4A7C15ull);
    float z0, z1;
    box_muller(r.x, r.y, &z0, &z1);
    float v = ffma(std, z0, mean);
    if (v >= a && v <= b) return v;
  }
  float v = ffma(std, normal_at(i, offset, seed), mean);
  return v < a ? a : (v > b ? b : v);
}

#ifdef __CUDA_ARCH__
S4J_HD float arange_f(uint64_t i, double start, double step) { return (float)__fma_rn((double)i, step, start); }
#else
S4J_HD float arange_f(uint64_t i, double start, double step) { return (float)std::fma((double)i, step, start); }
#endif

}  // namespace s4j_init

#endif
