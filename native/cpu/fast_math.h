// Branch-free float math that GCC vectorizes inside `omp simd` / target_clones loops (libm's expf does not
// vectorize without -ffast-math). Used by the elementwise and softmax kernels.
#ifndef SHARD4J_FAST_MATH_H
#define SHARD4J_FAST_MATH_H

#include <cmath>
#include <cstdint>
#include <cstring>

namespace s4j {

// Every helper here is always_inline: GCC does not inline an ordinary function compiled for the default target
// into a clone with another arch= (the AVX2 + FMA one), so each element became a scalar call. Rounding uses the
// 1.5 * 2^23 trick instead of std::nearbyint, which is a libm call below SSE4.1 (the portable clone).
#define S4J_INLINE inline __attribute__((always_inline))

// Round to nearest (ties to even) for |v| < 2^22.
S4J_INLINE float round_nearest(float v) {
  const float magic = 12582912.0f;  // 1.5 * 2^23
  return (v + magic) - magic;
}
S4J_INLINE float bits_to_float(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
S4J_INLINE uint32_t float_to_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}
// c ? a : b as a bitwise blend. Written as ?: GCC sinks the work of a value used in one arm into that arm, and that
// control flow is not if-converted under -ftrapping-math on AVX2 (no masked operations), so only the AVX-512 clone
// would vectorize.
S4J_INLINE float select(bool c, float a, float b) {
  const uint32_t m = 0u - (uint32_t)c;
  return bits_to_float((float_to_bits(a) & m) | (float_to_bits(b) & ~m));
}

// e^r for |r| <= ln2/2: degree-6 polynomial (Cephes expf coefficients, relative error about 1 ulp).
S4J_INLINE float exp_reduced(float r) {
  float p = 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  return p * r * r + r + 1.0f;
}

// exp(x) for x in any range: x is clamped to [-87.3, 88.7], split as n*ln2 + r with |r| <= ln2/2, and e^r is a
// degree-6 polynomial (relative error about 2 ulp). exp(-inf) -> ~0 (1e-38), exp(+inf) -> ~3.4e38.
S4J_INLINE float fast_exp(float x) {
  x = x < -87.3f ? -87.3f : x;
  x = x > 88.7f ? 88.7f : x;
  const float n = round_nearest(x * 1.44269504088896341f);
  float r = x - n * 0.693359375f;
  r = r + n * 2.12194440e-4f;
  const float p = exp_reduced(r);
  return p * bits_to_float((uint32_t)((int32_t)n + 127) << 23);
}

// e^t for t <= 0 as m * s1 * s2 (m in [0.7, 1.42], s1 and s2 powers of two >= 2^-87), so that products like
// x * e^t can be formed as ((x * m) * s1) * s2 and round correctly into the subnormal range instead of flushing at
// FLT_MIN. t is clamped to [-120, 0] (e^-120 is below the smallest subnormal) by a select that also maps NaN to -120:
// the callers carry NaN through their other factor, and every integer step stays defined.
struct ExpParts {
  float m, s1, s2;
};
S4J_INLINE ExpParts exp_nonpositive(float t) {
  t = select(t > -120.0f, t, -120.0f);
  const float n = round_nearest(t * 1.44269504088896341f);  // in [-173, 0]
  float r = t - n * 0.693359375f;
  r = r + n * 2.12194440e-4f;
  const int32_t ni = (int32_t)n;
  const int32_t h = ni / 2;  // n = h + (n - h), both halves >= -87
  return {exp_reduced(r), bits_to_float((uint32_t)(h + 127) << 23), bits_to_float((uint32_t)(ni - h + 127) << 23)};
}

constexpr float kGeluK1 = 1.5957691216057308f;   // 2 sqrt(2/pi)
constexpr float kGeluK2 = 0.07135481627260025f;  // 2 sqrt(2/pi) * 0.044715
// Below -20 gelu(x) is -0 in fp32 (gelu(-11.5) is already below the smallest subnormal) and gelu'(x) is 0; above 20
// gelu'(x) is 1. These are applied as selects on the result, which keep -inf * 0 and inf * 0 out of it.
constexpr float kGeluSaturate = 20.0f;

// gelu(x) = 0.5 x (1 + tanh(u)) = x * sigmoid(z), z = 2u = 2 sqrt(2/pi) (x + 0.044715 x^3). With e = exp(-|z|) in
// (0, 1]: sigmoid(z) = 1 / (1 + e) for z >= 0 and e / (1 + e) for z < 0, so no term cancels and nothing overflows.
// One exp and one division. gelu(+inf) = +inf, gelu(-inf) = -0, gelu(NaN) = NaN.
S4J_INLINE float gelu_f(float x) {
  const float z = x * (kGeluK1 + kGeluK2 * (x * x));
  const ExpParts E = exp_nonpositive(-std::fabs(z));
  const float e = E.m * E.s1 * E.s2;
  const float xe = ((x * E.m) * E.s1) * E.s2;  // x e (NaN when x is)
  const float y = select(z >= 0.0f, x, xe) / (1.0f + e);
  return select(x < -kGeluSaturate, -0.0f, y);
}

// gelu'(x) = s + x s (1 - s) dz/dx with s = sigmoid(z), dz/dx = 2 sqrt(2/pi) (1 + 3 * 0.044715 x^2). With e and
// d = 1 + e as above, s (1 - s) = e / d^2 on both sides, so gelu'(x) = (s_num d + x z' e) / d^2 where s_num is 1
// (z >= 0) or e (z < 0). gelu'(+inf) = 1, gelu'(-inf) = 0, gelu'(NaN) = NaN.
S4J_INLINE float gelu_grad_f(float x) {
  const float x2 = x * x;
  const float z = x * (kGeluK1 + kGeluK2 * x2);
  const float dz = kGeluK1 + (3.0f * kGeluK2) * x2;
  const ExpParts E = exp_nonpositive(-std::fabs(z));
  const float e = E.m * E.s1 * E.s2;
  const float d = 1.0f + e;
  const float xe = ((x * dz * E.m) * E.s1) * E.s2;  // x z' e
  const float g = (select(z >= 0.0f, 1.0f, e) * d + xe) / (d * d);
  return select(x > kGeluSaturate, 1.0f, select(x < -kGeluSaturate, 0.0f, g));
}

}  // namespace s4j

#endif
