// sigmoid:  A = σ(Z) = 1/(1 + e^−Z)       dZ = dA ⊙ A ⊙ (1 − A)           Z, A, dA, dZ: [n x m]
#include "activation_def.hpp"

namespace mlp::nn_detail {

constinit const ActivationDef activation_sigmoid = with_kernels<ActivationDef>(
    {.name = "sigmoid",
     .doc = "A = 1/(1 + e^-Z); the output of binary_cross_entropy",
     .hidden = true,
     .output = true},
    [](auto slope, const auto& Z, auto A) {
      using T = decltype(slope);
      // σ(z) = ½·(tanh(z/2) + 1): neither overflows nor loses precision.
      A = T(0.5) * ((T(0.5) * Z.array()).tanh() + T(1));
    },
    [](auto slope, const auto&, const auto& A, const auto& dA, auto dZ) {
      dZ = dA.array() * A.array() * (decltype(slope){1} - A.array());
    });

}  // namespace mlp::nn_detail
