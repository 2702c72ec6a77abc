// Activation functions psi and their backward pass, batched over the columns of Z.
//
//   forward:  A = psi(Z)                         Z, A: [n x m]
//   backward: dZ = dA ⊙ psi'(Z)                  (softmax: the Jacobian-vector product
//             dZ = A ⊙ (dA − 1·(1ᵀ(A ⊙ dA))) column by column)
//
// Derivative at the kink: ReLU'(0) = 0 (since ReLU(x) = x·1{x>0} and 1{0>0} = 0; the SPEC's
// x·1{x>=0} has the same values), LeakyReLU'(0) = slope. Gradient checks stay away from 0.
// gelu is the exact form x·Φ(x) = ½·x·(1 + erf(x/√2)), with GELU'(x) = Φ(x) + x·φ(x).
//
// Both functions dispatch through the registry to the activation's own file,
// src/nn/activations/<name>.cpp. Adding an activation: that file (forward, backward, name,
// aliases, doc, hidden/output use; see src/nn/activations/gelu.cpp) plus one X(name) line in
// MLP_ACTIVATIONS (mlp/nn/registry.hpp).
#pragma once

#include "mlp/nn/names.hpp"
#include "mlp/core/tensor.hpp"

namespace mlp {

template <class T>
void activation_forward(Activation psi, T slope, const MatrixCRef<T>& Z, MatrixRef<T> A);

/// dZ = dA ⊙ psi'(Z). Needs Z (ReLU family, gelu) or A (sigmoid, tanh, softmax); dZ may alias dA.
template <class T>
void activation_backward(Activation psi, T slope, const MatrixCRef<T>& Z, const MatrixCRef<T>& A,
                         const MatrixCRef<T>& dA, MatrixRef<T> dZ);

}  // namespace mlp
