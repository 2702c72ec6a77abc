// tanh:  A = tanh(Z)                  dZ = dA ⊙ (1 − A²)                    Z, A, dA, dZ: [n x m]
#include "activation_def.hpp"

namespace mlp::nn_detail {

constinit const ActivationDef activation_tanh = with_kernels<ActivationDef>(
    {.name = "tanh", .doc = "A = tanh(Z)", .hidden = true},
    [](auto, const auto& Z, auto A) { A = Z.array().tanh(); },
    [](auto slope, const auto&, const auto& A, const auto& dA, auto dZ) {
      dZ = dA.array() * (decltype(slope){1} - A.array().square());
    });

}  // namespace mlp::nn_detail
