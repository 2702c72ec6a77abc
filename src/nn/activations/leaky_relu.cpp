// leaky_relu:  A = Z if Z > 0 else a·Z      dZ = dA if Z > 0 else a·dA      Z, A, dA, dZ: [n x m]
// a = model.leaky_slope (default 0.01); LeakyReLU'(0) = a.
#include "activation_def.hpp"

namespace mlp::nn_detail {

constinit const ActivationDef activation_leaky_relu = with_kernels<ActivationDef>(
    {.name = "leaky_relu",
     .doc = "A = Z if Z > 0 else slope·Z, slope = model.leaky_slope; LeakyReLU'(0) = slope",
     .hidden = true},
    [](auto slope, const auto& Z, auto A) {
      A = (Z.array() > decltype(slope){0}).select(Z.array(), slope * Z.array());
    },
    [](auto slope, const auto& Z, const auto&, const auto& dA, auto dZ) {
      dZ = (Z.array() > decltype(slope){0}).select(dA.array(), slope * dA.array());
    });

}  // namespace mlp::nn_detail
