// binary_cross_entropy, fused with a sigmoid output (`out` is the logits Z):
//   L = Σ_k max(z_k, 0) − z_k·y_k + log(1 + e^−|z_k|)    (finite for any finite z)
//   A = σ(Z),  dJ/dZ = (A − Y) / m                             out, Y, A, dout: [n x m]
#include "loss_def.hpp"
#include "mlp/nn/activation.hpp"

namespace mlp::nn_detail {

constinit const LossDef loss_binary_cross_entropy = with_kernels<LossDef>(
    {.name = "binary_cross_entropy",
     .doc = "Σ_k −y_k·log a_k − (1 − y_k)·log(1 − a_k) on a sigmoid output, computed fused "
            "from the logits",
     .fused = Activation::sigmoid},
    [](const auto& out, const auto& Y, auto A, auto* dout, auto inv_m) {
      using T = decltype(inv_m);
      const T total = (out.array().max(T(0)) - out.array() * Y.array() +
                       (-out.array().abs()).exp().log1p())
                          .sum();
      activation_forward<T>(Activation::sigmoid, T(0), out, A);
      if (dout) *dout = inv_m * (A - Y);
      return total;
    });

}  // namespace mlp::nn_detail
