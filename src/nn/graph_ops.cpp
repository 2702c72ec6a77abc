#include "mlp/nn/graph_ops.hpp"

#include <fmt/format.h>

#include <memory>
#include <string>

#include "mlp/core/error.hpp"
#include "mlp/nn/activation.hpp"
#include "mlp/nn/loss.hpp"

namespace mlp {
namespace {
std::string shape(Index r, Index c) { return fmt::format("{}x{}", r, c); }
}  // namespace

// A = psi(Z)               dZ += dA ⊙ psi'(Z)   (activation.hpp)
template <class T>
Var activation(Graph<T>& g, Var z, Activation psi, T slope) {
  using OpContext = typename Graph<T>::OpContext;
  const auto vz = g.value(z);
  // Scratch for dA ⊙ psi'(Z) so the backward pass does not allocate.
  auto scratch = std::make_shared<Matrix<T>>(vz.rows(), vz.cols());
  return g.custom(
      {z}, vz.rows(), vz.cols(),
      [psi, slope](OpContext& c) { activation_forward<T>(psi, slope, c.input_value(0), c.value()); },
      [psi, slope, scratch](OpContext& c) {
        if (!c.input_needs_grad(0)) return;
        scratch->resize(c.value().rows(), c.value().cols());
        activation_backward<T>(psi, slope, c.input_value(0), c.value(), c.grad(), *scratch);
        c.input_grad(0) += *scratch;
      },
      std::string(to_string(psi)));
}

// J = (1/m) Σ L(out, Y)    dout += dJ · dJ/dout   (loss.hpp)
template <class T>
Var loss(Graph<T>& g, Loss kind, Var out, Var target) {
  using OpContext = typename Graph<T>::OpContext;
  const auto vo = g.value(out), vy = g.value(target);
  if (vo.rows() != vy.rows() || vo.cols() != vy.cols()) {
    throw ShapeError(fmt::format("{} loss: output is {} but targets are {}", to_string(kind),
                                 shape(vo.rows(), vo.cols()), shape(vy.rows(), vy.cols())));
  }
  if (g.needs_grad(target)) {
    throw ConfigError(fmt::format("{} loss: targets '{}' must be a constant (Graph::constant)",
                                  to_string(kind), g.name(target)));
  }
  struct Scratch {
    Matrix<T> A, d;
  };
  auto s = std::make_shared<Scratch>();
  return g.custom(
      {out, target}, 1, 1,
      [kind, s](OpContext& c) {
        auto o = c.input_value(0);
        s->A.resize(o.rows(), o.cols());
        s->d.resize(o.rows(), o.cols());
        MatrixRef<T> d(s->d);
        c.value()(0, 0) = loss_forward_backward<T>(kind, o, c.input_value(1), s->A, &d);
      },
      [s](OpContext& c) {
        if (c.input_needs_grad(0)) c.input_grad(0) += c.grad()(0, 0) * s->d;
      },
      std::string(to_string(kind)));
}

template Var activation<float>(Graph<float>&, Var, Activation, float);
template Var activation<double>(Graph<double>&, Var, Activation, double);
template Var loss<float>(Graph<float>&, Loss, Var, Var);
template Var loss<double>(Graph<double>&, Loss, Var, Var);

}  // namespace mlp
