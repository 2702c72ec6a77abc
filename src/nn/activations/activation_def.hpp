// What one activation file defines (src/nn/activations/<name>.cpp): its kernels (generic lambdas,
// instantiated for float and double by with_kernels) and its metadata, as a constant
// `activation_<name>` declared here for every X(name) of MLP_ACTIVATIONS (mlp/nn/registry.hpp).
// The registry (src/nn/names.cpp) indexes them by enum.
//
//   forward:  A = psi(Z)                         Z, A: [n x m]
//   backward: dZ = dA ⊙ psi'(Z)                  Z, A, dA, dZ: [n x m]; dZ may alias dA
#pragma once

#include <span>
#include <string_view>

#include "mlp/core/tensor.hpp"
#include "../per_scalar.hpp"
#include "mlp/nn/names.hpp"

namespace mlp::nn_detail {

template <class T>
struct ActivationKernels {
  /// A = psi(Z). `slope` is model.leaky_slope (read by leaky_relu only).
  void (*forward)(T slope, const MatrixCRef<T>& Z, MatrixRef<T> A) = nullptr;
  /// dZ = dA ⊙ psi'(Z), from Z or from A = psi(Z), whichever the derivative needs.
  void (*backward)(T slope, const MatrixCRef<T>& Z, const MatrixCRef<T>& A,
                   const MatrixCRef<T>& dA, MatrixRef<T> dZ) = nullptr;
};

struct ActivationDef {
  std::string_view name;                      // canonical name, stored in model files
  std::span<const std::string_view> aliases{};  // also accepted by parse_activation
  std::string_view doc;                         // one line
  bool hidden = false;                          // may be used for a hidden layer
  bool output = false;                          // offered for the output layer
  PerScalar<ActivationKernels> kernels{};
};

/// The definition registered for `a` (src/nn/names.cpp).
const ActivationDef& activation_def(Activation a);

#define MLP_DECLARE_ACTIVATION(n) extern const ActivationDef activation_##n;
MLP_ACTIVATIONS(MLP_DECLARE_ACTIVATION)
#undef MLP_DECLARE_ACTIVATION

}  // namespace mlp::nn_detail
