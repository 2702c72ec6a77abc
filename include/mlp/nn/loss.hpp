// Losses and their gradients. Per example L, cost J = (1/m) Σ_examples L.
//
//   mse                  L = (1/n) Σ_k (a_k − y_k)²          (mean over the n output units)
//                        dJ/dA = 2(A − Y) / (n·m)
//   binary_cross_entropy on logits Z (sigmoid fused):
//                        L = Σ_k max(z,0) − z·y + log(1 + e^−|z|)
//                        dJ/dZ = (σ(Z) − Y) / m
//   cross_entropy        on logits Z (softmax fused, log-sum-exp):
//                        L = logsumexp(z) · Σ_k y_k − Σ_k y_k z_k   (= −Σ y log softmax(z))
//                        dJ/dZ = (softmax(Z) · Σ_k y_k − Y) / m     (= (A − Y)/m for one-hot Y)
//
// Weighted cost (docs/math.md, "Weighted cost"): with one weight w_j >= 0 per example,
//   J = (1/m) Σ_j w_j·L_j,   dJ/d(out)_j = w_j · (the unweighted column above)
// — divided by m, not by Σ_j w_j as PyTorch's reduction="mean" with class weights does.
//
// Where 1/m enters (docs/conventions.md): in the gradient of the cost with respect to the
// network output. Layer backward passes then use dW = dZ·A_prevᵀ and db = Σ_cols dZ with no
// further 1/m; this equals the SPEC's (1/m)·dZ·A_prevᵀ with per-example dZ = A − Y.
//
// Each loss is one file src/nn/losses/<name>.cpp (cost and gradient, name, aliases, doc, fused
// output activation) registered by one X(name) line in MLP_LOSSES (mlp/nn/registry.hpp).
#pragma once

#include <span>

#include "mlp/nn/names.hpp"
#include "mlp/core/tensor.hpp"

namespace mlp {

/// The output activation a loss is fused with (identity for mse: the output layer's own
/// activation is applied separately and its derivative taken in the layer's backward).
Activation fused_activation(Loss loss);

/// J for an output batch. `out` is A (mse) or the logits Z (cross-entropies). `A` receives the
/// activated output (identity copy for mse, sigmoid/softmax otherwise). Writes dJ/d(out) into
/// `dout` when it is non-null. Shapes: out, Y, A, dout all [n x m].
/// `m_total` is the m of 1/m (0: out.cols()); a block of columns of a larger batch passes the
/// batch's m, so that the costs and gradients of the blocks add up to those of the batch.
/// `weights`: one weight per column of `out` (the weighted cost above), or empty (all 1).
/// Throws ShapeError when the weights are neither empty nor one per column.
template <class T>
T loss_forward_backward(Loss loss, const MatrixCRef<T>& out, const MatrixCRef<T>& Y, MatrixRef<T> A,
                        MatrixRef<T>* dout, Index m_total = 0, std::span<const T> weights = {});

}  // namespace mlp
