// The network's building blocks as operations of a computational graph (autograd/graph.hpp),
// built on its custom-operation hook: the graph itself knows nothing of activations or losses.
//
//   A = activation(g, Z, psi)      A = psi(Z) column-wise;  dZ += dA ⊙ psi'(Z)   (activation.hpp)
//   J = loss(g, kind, out, Y)      J = (1/m) Σ L over the m columns [1 x 1];
//                                  dout += dJ · dJ/dout                          (loss.hpp)
// For mse `out` is the output A; for the fused cross-entropies it is the logits Z.
#pragma once

#include "mlp/autograd/graph.hpp"
#include "mlp/nn/names.hpp"

namespace mlp {

template <class T>
Var activation(Graph<T>& g, Var z, Activation psi, T slope = T(0.01));

/// Targets must be a constant leaf (Graph::constant): ConfigError otherwise; ShapeError when
/// `out` and `target` differ in shape.
template <class T>
Var loss(Graph<T>& g, Loss kind, Var out, Var target);

}  // namespace mlp
