// Branch-free float math that GCC vectorizes inside `omp simd` / target_clones loops (libm's expf does not
// vectorize without -ffast-math). Used by the elementwise and softmax kernels.
#ifndef SHARD4J_FAST_MATH_H
#define SHARD4J_FAST_MATH_H

#include <cmath>
#include <cstdint>
#include <cstring>

namespace s4j {

// exp(x) for x in any range: x is clamped to [-87.3, 88.7], split as n*ln2 + r with |r| <= ln2/2, and e^r is a
// degree-6 polynomial (relative error about 2 ulp). exp(-inf) -> ~0 (1e-38), exp(+inf) -> ~3.4e38.
inline float fast_exp(float x) {
  x = x < -87.3f ? -87.3f : x;
  x = x > 88.7f ? 88.7f : x;
  const float n = std::nearbyint(x * 1.44269504088896341f);
  float r = x - n * 0.693359375f;
  r = r + n * 2.12194440e-4f;
  float p = 1.3981999507e-3f;  // Taylor-like minimax coefficients (Cephes expf)
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  int32_t e = ((int32_t)n + 127) << 23;
  float scale;
  std::memcpy(&scale, &e, 4);
  return p * scale;
}

constexpr float kGeluC = 0.7978845608028654f;  // sqrt(2/pi)
constexpr float kGeluA = 0.044715f;

// gelu(x) = 0.5 x (1 + tanh(u)) = x * sigmoid(2u), u = sqrt(2/pi) (x + 0.044715 x^3).
inline float gelu_f(float x) {
  const float u = kGeluC * (x + kGeluA * x * x * x);
  return x / (1.0f + fast_exp(-2.0f * u));
}

// gelu'(x) = s + x * 2 s (1 - s) * du/dx with s = sigmoid(2u) (since 0.5 (1 + tanh u) = s, 1 - tanh^2 u = 4 s (1-s)).
inline float gelu_grad_f(float x) {
  const float u = kGeluC * (x + kGeluA * x * x * x);
  const float s = 1.0f / (1.0f + fast_exp(-2.0f * u));
  const float du = kGeluC * (1.0f + 3.0f * kGeluA * x * x);
  return s + x * 2.0f * s * (1.0f - s) * du;
}

}  // namespace s4j

#endif
