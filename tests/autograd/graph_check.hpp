// Test helpers shared by the graph tests (tests/autograd) and the graph operations of the
// network's layers (tests/nn): random inputs and the gradient check of one operation.
#pragma once

#include <functional>
#include <vector>

#include "mlp/autograd/gradcheck.hpp"
#include "mlp/autograd/graph.hpp"
#include "mlp/core/random.hpp"

namespace mlp::testing {

inline MatrixD random_matrix(Rng& rng, Index r, Index c, double lo = -1.0, double hi = 1.0) {
  MatrixD m(r, c);
  for (Index j = 0; j < c; ++j)
    for (Index i = 0; i < r; ++i) m(i, j) = rng.uniform(lo, hi);
  return m;
}

/// Random entries bounded away from 0 (ReLU kink) and with |x| in [0.1, 1].
inline MatrixD away_from_zero(Rng& rng, Index r, Index c) {
  MatrixD m = random_matrix(rng, r, c, 0.1, 1.0);
  for (Index i = 0; i < m.size(); ++i)
    if (rng.uniform() < 0.5) m.data()[i] = -m.data()[i];
  return m;
}

using Builder = std::function<Var(Graph<double>&, const std::vector<Var>&)>;

/// Builds J = Σ (op(inputs) ⊙ R) with random R over parameter leaves and gradient-checks it.
inline GradCheckResult check_op(const std::vector<MatrixD>& inputs, const Builder& build,
                         std::uint64_t seed = 1) {
  Parameters<double> p;
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    p.add("in" + std::to_string(k), inputs[k].rows(), inputs[k].cols(), true);
    p.value(k) = inputs[k];
  }
  Graph<double> g;
  std::vector<Var> leaves;
  for (std::size_t k = 0; k < inputs.size(); ++k) leaves.push_back(g.parameter(p, k));
  const Var y = build(g, leaves);
  Rng rng(seed);
  const Var r = g.constant(random_matrix(rng, g.value(y).rows(), g.value(y).cols()));
  const Var j = g.sum(g.mul(y, r));
  auto cost = [&] {
    g.forward();
    return g.value(j)(0, 0);
  };
  auto grad = [&] {
    p.zero_grad();
    g.forward();
    g.backward(j);
  };
  return gradient_check(p, cost, grad);
}

}  // namespace mlp::testing
