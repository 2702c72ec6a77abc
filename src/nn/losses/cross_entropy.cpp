// cross_entropy, fused with a softmax output (`out` is the logits Z), column by column:
//   L = logsumexp(z)·Σ_k y_k − Σ_k y_k z_k       (= −Σ_k y_k log softmax(z)_k)
//   A = softmax(Z) = exp(Z − max) / Σ exp(Z − max),  dJ/dZ = (A·Σ_k y_k − Y) / m   (= (A − Y)/m, one-hot)
//                                                              out, Y, A, dout: [n x m]
// Weighted (w_j per example): L_j is multiplied by w_j, column j of dJ/dZ too (PyTorch's
// CrossEntropyLoss(weight=c, reduction="sum") / m for w_j = c[y_j]).
#include <cmath>

#include "loss_def.hpp"
#include "../softmax_columns.hpp"

namespace mlp::nn_detail {

constinit const LossDef loss_cross_entropy = with_kernels<LossDef>(
    {.name = "cross_entropy",
     .doc = "−Σ_k y_k·log a_k on a softmax output, computed fused from the logits (log-sum-exp)",
     .fused = Activation::softmax},
    [](const auto& out, const auto& Y, auto A, auto* dout, auto inv_m, const auto* w) {
      using T = decltype(inv_m);
      T total = 0;
      // A = softmax(out) as the softmax activation computes it (src/nn/softmax_columns.hpp),
      // then per column lse = max + log s, L and dJ/dZ from A.
      softmax_columns<T>(out, A, [&](Index j, T mx, T s) {
        const T wj = w == nullptr ? T(1) : w[j];
        const T lse = mx + std::log(s);
        const T ysum = Y.col(j).sum();
        total += wj * (lse * ysum - Y.col(j).dot(out.col(j)));
        if (dout) dout->col(j) = (wj * inv_m) * (A.col(j) * ysum - Y.col(j));
      });
      return total;
    });

}  // namespace mlp::nn_detail
