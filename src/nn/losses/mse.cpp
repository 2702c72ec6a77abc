// mse (not fused: `out` is the activated output A):           out, Y, A, dout: [n x m]
//   L = (1/n) Σ_k (a_k − y_k)²       (the mean over the n output units, as PyTorch MSELoss)
//   dJ/dA = 2(A − Y) / (n·m)
// Weighted (w_j per example): L_j is multiplied by w_j, column j of dJ/dA too.
#include "loss_def.hpp"

namespace mlp::nn_detail {

constinit const LossDef loss_mse = with_kernels<LossDef>(
    {.name = "mse", .doc = "mean squared error (1/n) Σ_k (a_k − y_k)², any output activation"},
    [](const auto& out, const auto& Y, auto A, auto* dout, auto inv_m, const auto* w) {
      using T = decltype(inv_m);
      const T inv_n = T(1) / static_cast<T>(out.rows());
      A = out;
      if (dout) *dout = (T(2) * inv_n * inv_m) * (out - Y);
      if (w == nullptr) return (out - Y).squaredNorm() * inv_n;
      T total = 0;
      for (Index j = 0; j < out.cols(); ++j) {
        total += w[j] * (out.col(j) - Y.col(j)).squaredNorm() * inv_n;
        if (dout) dout->col(j) *= w[j];
      }
      return total;
    });

}  // namespace mlp::nn_detail
