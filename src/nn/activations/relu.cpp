// relu:  A = max(Z, 0)             dZ = dA ⊙ 1{Z > 0}                      Z, A, dA, dZ: [n x m]
// ReLU'(0) = 0, since ReLU(z) = z·1{z>0} and 1{0>0} = 0 (SPEC §1's z·1{z>=0} has the same values).
#include "activation_def.hpp"

namespace mlp::nn_detail {

constinit const ActivationDef activation_relu = with_kernels<ActivationDef>(
    {.name = "relu", .doc = "A = max(Z, 0); ReLU'(0) = 0", .hidden = true},
    [](auto slope, const auto& Z, auto A) { A = Z.array().max(decltype(slope){0}); },
    [](auto slope, const auto& Z, const auto&, const auto& dA, auto dZ) {
      dZ = (Z.array() > decltype(slope){0}).select(dA.array(), decltype(slope){0});
    });

}  // namespace mlp::nn_detail
