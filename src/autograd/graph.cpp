#include "mlp/autograd/graph.hpp"

#include <fmt/format.h>

#include <cmath>
#include <memory>
#include <utility>

#include "mlp/core/error.hpp"

namespace mlp {

// ---- storage -----------------------------------------------------------------------------

template <class T>
Var Graph<T>::push(Node node) {
  nodes_.push_back(std::move(node));
  return Var{nodes_.size() - 1};
}

template <class T>
void Graph<T>::check(Var v) const {
  if (v.id >= nodes_.size()) {
    throw ConfigError(fmt::format("graph: node {} does not belong to this graph", v.id));
  }
}

template <class T>
MatrixMap<T> Graph<T>::value(Var v) {
  check(v);
  Node& n = nodes_[v.id];
  return MatrixMap<T>(n.is_parameter ? n.value_ptr : n.own_value.data(), n.rows, n.cols);
}

template <class T>
MatrixMap<T> Graph<T>::grad(Var v) {
  check(v);
  Node& n = nodes_[v.id];
  if (!n.needs_grad) {
    throw ConfigError(
        fmt::format("graph: node {} '{}' has no gradient (a constant)", v.id, n.name));
  }
  return MatrixMap<T>(n.is_parameter ? n.grad_ptr : n.own_grad.data(), n.rows, n.cols);
}

// ---- leaves ------------------------------------------------------------------------------

template <class T>
Var Graph<T>::variable(Matrix<T> value, std::string name, bool differentiable) {
  Node n;
  n.rows = value.rows();
  n.cols = value.cols();
  n.own_value = std::move(value);
  n.needs_grad = differentiable;
  if (differentiable) n.own_grad = Matrix<T>::Zero(n.rows, n.cols);
  n.name = std::move(name);
  return push(std::move(n));
}

template <class T>
Var Graph<T>::scalar(T value, std::string name) {
  return variable(Matrix<T>::Constant(1, 1, value), std::move(name));
}

template <class T>
Var Graph<T>::constant(Matrix<T> value, std::string name) {
  return variable(std::move(value), std::move(name), false);
}

template <class T>
Var Graph<T>::parameter(Parameters<T>& params, std::size_t slot) {
  const ParamSlice& s = params.slice(slot);
  Node n;
  n.rows = s.rows;
  n.cols = s.cols;
  n.is_parameter = true;
  n.needs_grad = true;
  n.value_ptr = params.theta().data() + s.offset;
  n.grad_ptr = params.dtheta().data() + s.offset;
  n.name = s.name;
  return push(std::move(n));
}

// ---- operations --------------------------------------------------------------------------

template <class T>
Var Graph<T>::op(std::vector<Var> inputs, Index rows, Index cols, Rule fwd, Rule bwd,
                 std::string name, bool has_parameters) {
  Node n;
  n.needs_grad = has_parameters;
  n.rows = rows;
  n.cols = cols;
  n.own_value = Matrix<T>::Zero(rows, cols);
  for (Var v : inputs) {
    check(v);
    n.inputs.push_back(v.id);
    n.needs_grad = n.needs_grad || nodes_[v.id].needs_grad;
  }
  if (n.needs_grad) n.own_grad = Matrix<T>::Zero(rows, cols);
  n.forward = std::move(fwd);
  n.backward = std::move(bwd);
  n.name = std::move(name);
  const Var out = push(std::move(n));
  OpContext ctx{*this, out.id, nodes_[out.id].inputs};
  nodes_[out.id].forward(ctx);
  return out;
}

template <class T>
Var Graph<T>::custom(std::vector<Var> inputs, Index rows, Index cols, Rule fwd, Rule bwd,
                     std::string name, bool has_parameters) {
  if (rows <= 0 || cols <= 0) {
    throw ShapeError(fmt::format("graph: custom op '{}' has shape {}x{}", name, rows, cols));
  }
  return op(std::move(inputs), rows, cols, std::move(fwd), std::move(bwd), std::move(name),
            has_parameters);
}

template <class T>
Var Graph<T>::unary(Var a, Index rows, Index cols, Rule forward, UnaryBackward backward,
                    std::string name) {
  return op(
      {a}, rows, cols, std::move(forward),
      [backward = std::move(backward)](OpContext& c) {
        if (c.input_needs_grad(0)) backward(c, c.input_grad(0));
      },
      std::move(name));
}

namespace {
std::string shape(Index r, Index c) { return fmt::format("{}x{}", r, c); }

/// The shape {rows, cols} shared by the operands of an elementwise op; a ShapeError otherwise.
template <class A, class B>
std::pair<Index, Index> same_shape(std::string_view op, std::string_view symbol, const A& va,
                                   const B& vb) {
  if (va.rows() != vb.rows() || va.cols() != vb.cols()) {
    throw ShapeError(fmt::format("{}: {} {} {} — shapes differ", op, shape(va.rows(), va.cols()),
                                 symbol, shape(vb.rows(), vb.cols())));
  }
  return {va.rows(), va.cols()};
}
}  // namespace

// C = A·B                  A [n x k], B [k x m], C [n x m]
// dA += dC·Bᵀ              dB += Aᵀ·dC
template <class T>
Var Graph<T>::matmul(Var a, Var b) {
  const auto va = value(a), vb = value(b);
  if (va.cols() != vb.rows()) {
    throw ShapeError(fmt::format("matmul: {} · {} — inner sizes differ",
                                 shape(va.rows(), va.cols()), shape(vb.rows(), vb.cols())));
  }
  return op(
      {a, b}, va.rows(), vb.cols(),
      [](OpContext& c) {
        gemm<T>(T(1), c.input_value(0), false, c.input_value(1), false, T(0), c.value());
      },
      [](OpContext& c) {
        if (c.input_needs_grad(0))
          gemm<T>(T(1), c.grad(), false, c.input_value(1), true, T(1), c.input_grad(0));
        if (c.input_needs_grad(1))
          gemm<T>(T(1), c.input_value(0), true, c.grad(), false, T(1), c.input_grad(1));
      },
      "matmul");
}

// C = A + B (B same shape, or B [n x 1] added to every column)
// dA += dC                 dB += dC   (broadcast: dB += Σ_cols dC)
template <class T>
Var Graph<T>::add(Var a, Var b) {
  const auto va = value(a), vb = value(b);
  const bool broadcast = vb.cols() == 1 && va.cols() != 1 && vb.rows() == va.rows();
  if (!broadcast && (va.rows() != vb.rows() || va.cols() != vb.cols())) {
    throw ShapeError(fmt::format("add: {} + {} — shapes differ (a bias must be n x 1)",
                                 shape(va.rows(), va.cols()), shape(vb.rows(), vb.cols())));
  }
  return op(
      {a, b}, va.rows(), va.cols(),
      [broadcast](OpContext& c) {
        if (broadcast) {
          c.value() = c.input_value(0).colwise() + c.input_value(1).col(0);
        } else {
          c.value() = c.input_value(0) + c.input_value(1);
        }
      },
      [broadcast](OpContext& c) {
        if (c.input_needs_grad(0)) c.input_grad(0) += c.grad();
        if (c.input_needs_grad(1)) {
          if (broadcast) {
            c.input_grad(1) += c.grad().rowwise().sum();
          } else {
            c.input_grad(1) += c.grad();
          }
        }
      },
      "add");
}

// C = A − B                dA += dC     dB −= dC
template <class T>
Var Graph<T>::sub(Var a, Var b) {
  const auto [rows, cols] = same_shape("sub", "−", value(a), value(b));
  return op(
      {a, b}, rows, cols, [](OpContext& c) { c.value() = c.input_value(0) - c.input_value(1); },
      [](OpContext& c) {
        if (c.input_needs_grad(0)) c.input_grad(0) += c.grad();
        if (c.input_needs_grad(1)) c.input_grad(1) -= c.grad();
      },
      "sub");
}

// C = A ⊙ B                dA += dC ⊙ B     dB += dC ⊙ A
template <class T>
Var Graph<T>::mul(Var a, Var b) {
  const auto [rows, cols] = same_shape("mul", "⊙", value(a), value(b));
  return op(
      {a, b}, rows, cols,
      [](OpContext& c) { c.value() = c.input_value(0).cwiseProduct(c.input_value(1)); },
      [](OpContext& c) {
        if (c.input_needs_grad(0)) c.input_grad(0) += c.grad().cwiseProduct(c.input_value(1));
        if (c.input_needs_grad(1)) c.input_grad(1) += c.grad().cwiseProduct(c.input_value(0));
      },
      "mul");
}

// C = s·A                  dA += s·dC
template <class T>
Var Graph<T>::scale(Var a, T s) {
  return unary(
      a, value(a).rows(), value(a).cols(), [s](OpContext& c) { c.value() = s * c.input_value(0); },
      [s](OpContext& c, MatrixMap<T> dA) { dA += s * c.grad(); }, "scale");
}

// c = Σ A                  dA += dc·1
template <class T>
Var Graph<T>::sum(Var a) {
  check(a);
  return unary(
      a, 1, 1, [](OpContext& c) { c.value()(0, 0) = c.input_value(0).sum(); },
      [](OpContext& c, MatrixMap<T> dA) { dA.array() += c.grad()(0, 0); }, "sum");
}

// c = (1/N) Σ A            dA += dc/N
template <class T>
Var Graph<T>::mean(Var a) {
  check(a);
  return unary(
      a, 1, 1, [](OpContext& c) { c.value()(0, 0) = c.input_value(0).mean(); },
      [](OpContext& c, MatrixMap<T> dA) {
        dA.array() += c.grad()(0, 0) / static_cast<T>(dA.size());
      },
      "mean");
}

// c = Σ_cols A  [n x 1]    dA += dc·1ᵀ
template <class T>
Var Graph<T>::sum_cols(Var a) {
  return unary(
      a, value(a).rows(), 1, [](OpContext& c) { c.value() = c.input_value(0).rowwise().sum(); },
      [](OpContext& c, MatrixMap<T> dA) { dA.colwise() += c.grad().col(0); }, "sum_cols");
}

// C = e^A                  dA += dC ⊙ C
template <class T>
Var Graph<T>::exp(Var a) {
  return unary(
      a, value(a).rows(), value(a).cols(),
      [](OpContext& c) { c.value() = c.input_value(0).array().exp().matrix(); },
      [](OpContext& c, MatrixMap<T> dA) { dA += c.grad().cwiseProduct(c.value()); }, "exp");
}

// C = ln A                 dA += dC ⊘ A
template <class T>
Var Graph<T>::log(Var a) {
  return unary(
      a, value(a).rows(), value(a).cols(),
      [](OpContext& c) { c.value() = c.input_value(0).array().log().matrix(); },
      [](OpContext& c, MatrixMap<T> dA) { dA += c.grad().cwiseQuotient(c.input_value(0)); }, "log");
}

// C = A²                   dA += 2·dC ⊙ A
template <class T>
Var Graph<T>::square(Var a) {
  return unary(
      a, value(a).rows(), value(a).cols(),
      [](OpContext& c) { c.value() = c.input_value(0).array().square().matrix(); },
      [](OpContext& c, MatrixMap<T> dA) { dA += T(2) * c.grad().cwiseProduct(c.input_value(0)); },
      "square");
}

// C = |A|                  dA += dC ⊙ sign(A)
template <class T>
Var Graph<T>::abs(Var a) {
  return unary(
      a, value(a).rows(), value(a).cols(),
      [](OpContext& c) { c.value() = c.input_value(0).cwiseAbs(); },
      [](OpContext& c, MatrixMap<T> dA) {
        dA += c.grad().cwiseProduct(c.input_value(0).cwiseSign());
      },
      "abs");
}

// ---- evaluation --------------------------------------------------------------------------

template <class T>
void Graph<T>::forward() {
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    Node& n = nodes_[i];
    if (!n.forward) continue;
    OpContext ctx{*this, i, n.inputs};
    n.forward(ctx);
  }
}

template <class T>
void Graph<T>::backward(Var out) {
  check(out);
  Node& o = nodes_[out.id];
  if (o.rows != 1 || o.cols != 1) {
    throw ShapeError(fmt::format("backward: output '{}' is {} — it must be a 1x1 cost", o.name,
                                 shape(o.rows, o.cols)));
  }
  if (!o.needs_grad) return;
  // Mark the nodes `out` depends on (reverse creation order is a reverse topological order).
  reach_.assign(out.id + 1, 0);
  reach_[out.id] = 1;
  for (std::size_t i = out.id + 1; i-- > 0;) {
    if (!reach_[i]) continue;
    for (std::size_t p : nodes_[i].inputs) reach_[p] = 1;
  }
  for (std::size_t i = 0; i <= out.id; ++i) {
    Node& n = nodes_[i];
    if (reach_[i] && n.needs_grad && n.forward) n.own_grad.setZero();
  }
  grad(out)(0, 0) += T(1);  // out is an op (zeroed above) or a leaf (accumulates)
  for (std::size_t i = out.id + 1; i-- > 0;) {
    Node& n = nodes_[i];
    if (!reach_[i] || !n.backward || !n.needs_grad) continue;
    OpContext ctx{*this, i, n.inputs};
    n.backward(ctx);
  }
}

template <class T>
void Graph<T>::zero_grad() {
  for (Node& n : nodes_) {
    if (n.needs_grad && !n.forward && !n.is_parameter) n.own_grad.setZero();
  }
}

template class Graph<float>;
template class Graph<double>;

}  // namespace mlp
