// gelu, the exact (erf) form:                                Z, A, dA, dZ: [n x m]
//   A = Z ⊙ Φ(Z),  Φ(z) = ½·(1 + erf(z/√2))                  (PyTorch F.gelu, approximate="none")
//   dZ = dA ⊙ (Φ(Z) + Z ⊙ φ(Z)),  φ(z) = e^(−z²/2) / √(2π)
// Φ is evaluated as ½·erfc(−z/√2), the same function without the cancellation of 1 + erf for
// z ≪ 0, so that the left tail keeps its relative precision.
#include <cmath>
#include <numbers>

#include "activation_def.hpp"

namespace mlp::nn_detail {
namespace {

/// Φ(z), the standard normal distribution function.
template <class T>
T normal_cdf(T z) {
  constexpr T inv_sqrt2 = T(1) / std::numbers::sqrt2_v<T>;
  return T(0.5) * std::erfc(-z * inv_sqrt2);
}

/// φ(z) = Φ'(z), the standard normal density.
template <class T>
T normal_pdf(T z) {
  constexpr T inv_sqrt_2pi = std::numbers::inv_sqrtpi_v<T> / std::numbers::sqrt2_v<T>;
  return inv_sqrt_2pi * std::exp(T(-0.5) * z * z);
}

}  // namespace

constinit const ActivationDef activation_gelu = with_kernels<ActivationDef>(
    {.name = "gelu",
     .doc = "A = Z·Φ(Z) = ½·Z·(1 + erf(Z/√2)), the exact form (PyTorch's default GELU)",
     .hidden = true},
    [](auto, const auto& Z, auto A) { A = Z.unaryExpr([](auto z) { return z * normal_cdf(z); }); },
    [](auto, const auto& Z, const auto&, const auto& dA, auto dZ) {
      dZ = dA.array() *
           Z.array().unaryExpr([](auto z) { return normal_cdf(z) + z * normal_pdf(z); });
    });

}  // namespace mlp::nn_detail
