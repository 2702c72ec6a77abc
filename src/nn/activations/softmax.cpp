// softmax, column by column (output layer only):            Z, A, dA, dZ: [n x m], column j:
//   A[:,j] = exp(Z[:,j] − max) / Σ exp(Z[:,j] − max)       (shifted by the column max)
//   dZ[:,j] = A[:,j] ⊙ (dA[:,j] − A[:,j]ᵀ·dA[:,j])         (the Jacobian-vector product)
#include "activation_def.hpp"
#include "../softmax_columns.hpp"

namespace mlp::nn_detail {

constinit const ActivationDef activation_softmax = with_kernels<ActivationDef>(
    {.name = "softmax",
     .doc = "A = exp(Z) / Σ exp(Z) per column (max-shifted); output layer only, "
            "the output of cross_entropy",
     .output = true},
    [](auto slope, const auto& Z, auto A) {
      using T = decltype(slope);
      softmax_columns<T>(Z, A, [](Index, T, T) {});  // src/nn/softmax_columns.hpp
    },
    [](auto, const auto& Z, const auto& A, const auto& dA, auto dZ) {
      for (Index j = 0; j < Z.cols(); ++j) {
        dZ.col(j) = A.col(j).array() * (dA.col(j).array() - A.col(j).dot(dA.col(j)));
      }
    });

}  // namespace mlp::nn_detail
