// binary_cross_entropy, fused with a sigmoid output (`out` is the logits Z):
//   L = Σ_k max(z_k, 0) − z_k·y_k + log(1 + e^−|z_k|)    (finite for any finite z)
//   A = σ(Z),  dJ/dZ = (A − Y) / m                             out, Y, A, dout: [n x m]
// Weighted (w_j per example): L_j is multiplied by w_j, column j of dJ/dZ too.
#include "loss_def.hpp"
#include "mlp/nn/activation.hpp"

namespace mlp::nn_detail {

constinit const LossDef loss_binary_cross_entropy = with_kernels<LossDef>(
    {.name = "binary_cross_entropy",
     .doc = "Σ_k −y_k·log a_k − (1 − y_k)·log(1 − a_k) on a sigmoid output, computed fused "
            "from the logits",
     .fused = Activation::sigmoid},
    [](const auto& out, const auto& Y, auto A, auto* dout, auto inv_m, const auto* w) {
      using T = decltype(inv_m);
      const auto L = [&](Index j) {
        return (out.col(j).array().max(T(0)) - out.col(j).array() * Y.col(j).array() +
                (-out.col(j).array().abs()).exp().log1p())
            .sum();
      };
      activation_forward<T>(Activation::sigmoid, T(0), out, A);
      if (dout) *dout = inv_m * (A - Y);
      if (w == nullptr) {
        return (out.array().max(T(0)) - out.array() * Y.array() +
                (-out.array().abs()).exp().log1p())
            .sum();
      }
      T total = 0;
      for (Index j = 0; j < out.cols(); ++j) {
        total += w[j] * L(j);
        if (dout) dout->col(j) *= w[j];
      }
      return total;
    });

}  // namespace mlp::nn_detail
