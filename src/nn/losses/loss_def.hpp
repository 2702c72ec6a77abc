// What one loss file defines (src/nn/losses/<name>.cpp): its cost and gradient (a generic
// lambda, instantiated for float and double by with_kernels) and its metadata, as a constant
// `loss_<name>` declared here for every X(name) of MLP_LOSSES (mlp/nn/registry.hpp). The
// registry (src/nn/names.cpp) indexes them by enum.
//
//   Σ_examples w_j·L(out, Y), A = the activated output, dout = dJ/dout with J = (1/m) Σ w_j·L
//   out, Y, A, dout: [n x m]; `out` is A for an unfused loss, the logits Z for a fused one;
//   w: one weight per example (column), or null for w_j = 1 (docs/math.md, "Weighted cost").
#pragma once

#include <span>
#include <string_view>

#include "mlp/core/tensor.hpp"
#include "../per_scalar.hpp"
#include "mlp/nn/names.hpp"

namespace mlp::nn_detail {

template <class T>
struct LossKernels {
  /// Returns Σ_j w_j·L_j over the columns (the caller multiplies by 1/m); writes the activated
  /// output into A and, when `dout` is non-null, dJ/dout = (1/m)·w_j·dL_j/dout with 1/m = inv_m.
  /// `w` holds one weight per column, or is null (every w_j = 1).
  T (*cost)(const MatrixCRef<T>& out, const MatrixCRef<T>& Y, MatrixRef<T> A, MatrixRef<T>* dout,
            T inv_m, const T* w) = nullptr;
};

struct LossDef {
  std::string_view name;                      // canonical name, stored in model files
  std::span<const std::string_view> aliases{};  // also accepted by parse_loss
  std::string_view doc;                         // one line
  /// The output activation the loss is computed fused with (it takes the logits Z and gives
  /// dJ/dZ); identity: not fused, it takes A and gives dJ/dA.
  Activation fused = Activation::identity;
  PerScalar<LossKernels> kernels{};
};

#define MLP_DECLARE_LOSS(n) extern const LossDef loss_##n;
MLP_LOSSES(MLP_DECLARE_LOSS)
#undef MLP_DECLARE_LOSS

/// The definition registered for `l` (src/nn/names.cpp).
const LossDef& loss_def(Loss l);

}  // namespace mlp::nn_detail
